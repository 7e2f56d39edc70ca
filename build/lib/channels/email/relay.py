"""Delivery through the configured relay (aiosmtplib), over one kept-open connection, with the
relay's answer turned into a temporary or permanent delivery error for the dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
from email.message import Message

import aiosmtplib

from channels.email.settings import RelaySettings
from complaints.errors import PermanentDeliveryError, TemporaryDeliveryError


class Relay:
    """One kept-open connection to the relay, shared by all sends in turn.

    A connection per message would cost a TCP and TLS handshake and a login each time; a relay
    that closed the idle connection is reconnected once, transparently."""

    def __init__(self, settings: RelaySettings, local_hostname: str) -> None:
        self.settings = settings
        self.local_hostname = local_hostname
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def deliver(self, message: Message, sender: str, recipient: str) -> None:
        """Send, raising `TemporaryDeliveryError` when the relay defers or cannot be reached
        (the dispatcher retries) and `PermanentDeliveryError` when it refuses."""
        try:
            await self.send(message, sender, recipient)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            reason = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
            if all(400 <= code < 500 for code in codes):
                raise TemporaryDeliveryError(f"relay deferred the recipient: {reason}") from None
            raise PermanentDeliveryError(f"relay refused the recipient: {reason}") from None
        except aiosmtplib.SMTPResponseException as error:
            reason = f"relay answered {error.code} {error.message}"
            if 400 <= error.code < 500:
                raise TemporaryDeliveryError(reason) from None
            raise PermanentDeliveryError(reason) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise TemporaryDeliveryError(f"relay unreachable: {type(error).__name__}") from None

    async def send(self, message: Message, sender: str, recipient: str) -> None:
        async with self._lock:
            for attempt in (1, 2):
                client = await self._connected()
                try:
                    await client.send_message(message, sender=sender, recipients=[recipient])
                    return
                except aiosmtplib.SMTPServerDisconnected:
                    await self.close()
                    if attempt == 2:
                        raise
                except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException):
                    raise  # the relay answered: the connection is still good
                except BaseException:
                    await self.close()
                    raise

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
            self._client = client
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await client.quit()
