"""The SMTP server complaints arrive at: aiosmtpd served on the bot's own loop (not its
`Controller`, which runs a thread and loop of its own). It accepts our addresses only and says
250 only after intake committed; 451, without the reason, when it could not, so the sending
server retries.

Like a mail server's final delivery (RFC 5321 4.4), it records the envelope sender as a
`Return-Path` line on top of the message, so a dead letter or a reprocessing sees the same as
the first pass: a null sender (`MAIL FROM:<>`, which only delivery reports and other machine mail
use) makes the mail machine mail (recorded, never answered), and an address is whom to answer
when the From header names nobody.

Mail whose lines end in a bare LF (sloppy clients and scripts write it) is read like mail with
CRLF line ends, as Postfix and Exim do: aiosmtpd reads DATA up to CRLF only, so such a mail was
one long line and refused with "500 Line too long" past 1001 bytes (and its dot-stuffed lines
kept their extra dot below that). Each bare LF ends a line (normalised to CRLF), under the same
998-octet line limit, but only `CRLF.CRLF` ends the data: a bare-LF line holding only a dot is
text, so nothing can be smuggled in as a second message behind it."""

from __future__ import annotations

import asyncio
import errno
import hmac
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from channels.email.settings import EmailSettings
from complaints.errors import ChannelError, StoreUnavailable

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
Receive = Callable[[bytes], Awaitable[str]]
"""Handle one raw message; returns a short outcome for the 250 answer, raises on failure."""


def return_path(mail_from: str | None) -> bytes:
    """The trace line put on top of mail from the envelope sender `mail_from`; `<>` for a null
    one, none for a sender with control characters (aiosmtpd accepts a CR in MAIL FROM, which
    would start a header line of the sender's choosing)."""
    address = "" if mail_from in (None, "", "<>") else str(mail_from)
    if _CONTROL.search(address):
        return b""
    return f"Return-Path: <{address}>\r\n".encode()


async def serve_smtp(settings: EmailSettings, receive: Receive) -> asyncio.Server:
    """Listen on `[email.smtp_server]`'s host and port, with TLS and AUTH when configured; a
    port another program holds is a `ChannelError` naming the key to change."""
    options = settings.smtp_server
    offer_auth = bool(options.auth_username)
    handler = SmtpHandler(
        receive, settings.address, {settings.address, *settings.aliases}, offer_auth=offer_auth
    )
    tls = _tls_context(options.tls_cert, options.tls_key) if options.tls_cert else None
    authenticator = _Authenticator(options.auth_username, options.auth_password)
    loop = asyncio.get_running_loop()
    try:
        return await loop.create_server(
            lambda: _Smtp(
                handler,
                data_size_limit=settings.max_message_bytes,
                enable_SMTPUTF8=True,
                hostname=settings.domain,
                ident="complaint-bot",
                tls_context=tls,
                auth_required=offer_auth,
                auth_require_tls=tls is not None,
                authenticator=authenticator if offer_auth else None,
            ),
            host=options.host,
            port=options.port,
        )
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise ChannelError(
            f"{options.host}:{options.port} is already in use; change [email.smtp_server] port "
            "in the settings"
        ) from None


class _BareLfReader(asyncio.StreamReader):
    """Reads DATA lines ended by CRLF or by a bare LF, as lines ended by CRLF."""

    async def readuntil(self, separator: Any = b"\n") -> bytes:
        if separator != b"\r\n":
            return await super().readuntil(separator)
        line = await super().readuntil(b"\n")
        if line.endswith(b"\r\n"):
            return line
        text = line[:-1]
        # A bare-LF "." is text, never the end of the data: "..", unstuffed by aiosmtpd, is ".".
        return (b".." if text == b"." else text) + b"\r\n"


class _ReadBareLf(asyncio.StreamReaderProtocol):
    """Puts a `_BareLfReader` in place of the reader `SMTP.__init__` creates."""

    def __init__(self, stream_reader: asyncio.StreamReader, *args: Any, **kwargs: Any) -> None:
        limit = SMTP.line_length_limit
        reader = _BareLfReader(limit=limit, loop=kwargs.get("loop"))
        super().__init__(reader, *args, **kwargs)


class _Smtp(SMTP, _ReadBareLf):
    """aiosmtpd's SMTP, reading bare-LF mail like CRLF mail (see the module's docstring).

    Without an authenticator aiosmtpd still offers its built-in LOGIN and PLAIN and answers
    any credentials with 535, so a client would send a password in clear for nothing: then
    the AUTH command is unknown here (500), and `SmtpHandler.handle_EHLO` does not offer it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kwargs.get("authenticator") is None:
            self._smtp_methods.pop("AUTH", None)


class SmtpHandler:
    """aiosmtpd hooks: accept our addresses only, answer 250 after intake committed."""

    def __init__(
        self, receive: Receive, address: str, own_addresses: set[str], offer_auth: bool
    ) -> None:
        self.receive = receive
        self.address = address
        self.own_addresses = frozenset(own_addresses)
        self.offer_auth = offer_auth

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """aiosmtpd's EHLO answer, without the AUTH line when no credentials are configured."""
        session.host_name = hostname
        if self.offer_auth:
            return responses
        return [line for line in responses if not line.startswith("250-AUTH")]

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() not in self.own_addresses:
            return f"550 5.1.1 <{address}>: no such mailbox here; complaints go to <{self.address}>"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw).encode("utf-8", "surrogateescape")
        raw = return_path(envelope.mail_from) + raw
        try:
            outcome = await self.receive(raw)
        except StoreUnavailable:
            return "451 4.3.0 The complaint store is unavailable; please try again later"
        except Exception:
            log.exception("SMTP intake failed; the sender will retry")
            return "451 4.3.0 Temporary failure; please try again later"
        return f"250 2.0.0 {outcome}"


class _Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if (
            isinstance(auth_data, LoginPassword)
            and hmac.compare_digest(auth_data.login, self.username)
            and hmac.compare_digest(auth_data.password, self.password)
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def _tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context
