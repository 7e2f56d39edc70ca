"""Delivery through the configured relay (aiosmtplib), over one kept-open connection, with the
relay's answer turned into a temporary or permanent delivery error for the dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import re

import aiosmtplib

from channels.email.settings import RelaySettings
from complaints.errors import PermanentDeliveryError, TemporaryDeliveryError

_ENHANCED = re.compile(r"[245]\.\d{1,3}\.\d{1,3}(?!\S)")


def _enhanced(message: str) -> str:
    """The enhanced status code (RFC 3463) a relay's answer starts with, or "": the rest is
    free text, often quoting the recipient's address or name, kept out of log lines."""
    found = _ENHANCED.match(message.strip())
    return found.group() if found else ""


class Relay:
    """One kept-open connection to the relay, shared by all sends in turn.

    A connection per message would cost a TCP and TLS handshake and a login each time. A
    connection found closed when a send starts (the relay dropped it while idle) is replaced
    and that send goes on at once; one lost later in a send is closed and the send fails as
    temporary: the relay may have taken the mail already, so only the dispatcher's later retry
    (same Message-ID) sends it again, and the next send opens a new connection."""

    def __init__(self, settings: RelaySettings, local_hostname: str) -> None:
        self.settings = settings
        self.local_hostname = local_hostname
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self.connections = 0
        """How many connections were opened so far (for the tests and the log)."""

    async def deliver(self, data: bytes, sender: str, recipient: str) -> None:
        """Send a composed mail, raising `TemporaryDeliveryError` when the relay defers or
        cannot be reached (the dispatcher retries) and `PermanentDeliveryError` when it refuses."""
        try:
            await self.send(data, sender, recipient)
        except aiosmtplib.SMTPResponseException as error:
            said = ""
            if isinstance(error, aiosmtplib.SMTPRecipientRefused):
                said = "deferred the recipient:" if error.code < 500 else "refused the recipient:"
            said = f"relay {said or 'answered'} {error.code}"
            reason, logged = f"{said} {error.message}", f"{said} {_enhanced(error.message)}"
            if 400 <= error.code < 500:
                raise TemporaryDeliveryError(reason, logged=logged.strip()) from None
            raise PermanentDeliveryError(reason, logged=logged.strip()) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise TemporaryDeliveryError(f"relay unreachable: {type(error).__name__}") from None

    async def send(self, data: bytes, sender: str, recipient: str) -> None:
        """MAIL, RCPT and DATA on the kept connection; see the class for what a lost one does."""
        utf8 = not (sender + recipient).isascii()  # an internationalised address (RFC 6531)
        options, encoding = (["SMTPUTF8"], "utf-8") if utf8 else ([], "ascii")
        async with self._lock:
            client = await self._connected()
            try:
                try:
                    await client.mail(sender, options=options, encoding=encoding)
                except aiosmtplib.SMTPServerDisconnected:  # dropped while idle: nothing sent
                    await self.close()
                    client = await self._connected()
                    await client.mail(sender, options=options, encoding=encoding)
                await client.rcpt(recipient, encoding=encoding)
                await client.data(data)
            except aiosmtplib.SMTPResponseException:
                await self._reset()  # the relay answered: end this transaction, keep going
                raise
            except BaseException:
                await self.close()
                raise

    async def _reset(self) -> None:
        client = self._client
        if client is None:
            return
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            await self.close()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            relay = self.settings
            client = aiosmtplib.SMTP(
                hostname=relay.host,
                port=relay.port,
                start_tls=relay.starttls,
                username=relay.username or None,
                password=relay.password or None,
                local_hostname=self.local_hostname,
                timeout=30,
            )
            await client.connect()
            self.connections += 1
            self._client = client
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await client.quit()
