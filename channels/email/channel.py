"""The e-mail channel: complaints arrive by SMTP (or an IMAP mailbox) and answers leave by relay.

In: `receive(raw)` takes one RFC 5322 message, from the SMTP server here (aiosmtpd, served on
the bot's own loop) or from the IMAP poller, and hands an `Inbound` to intake; the SMTP server
says 250 only after intake committed, 451 when the store is down so the sending server retries.
Bounces go to `on_bounce`; mail that cannot be processed is kept whole as a dead letter.

Out: `send()` writes a proper mail through the configured relay (aiosmtplib): From the
complaints address, the complaint number in the subject, a Message-ID signed by the bot so a
reply threads without a lookup and cannot be forged, In-Reply-To/References to the customer's
mail, Auto-Submitted on automatic mail, plain text with an HTML alternative.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate
from typing import Any

import aiosmtplib
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from channels.base import AUTOMATIC_KINDS, Attachment, Inbound, OnInbound, Outbound, Sender
from channels.email.imap import ImapPoller
from channels.email.parse import Bounce, ParsedMail, parse_mail
from channels.email.settings import EmailSettings, RelaySettings
from complaints import numbers
from complaints.clock import Clock
from complaints.errors import (
    IgnoredMessage,
    InvalidMessage,
    MalformedMail,
    PermanentDeliveryError,
    StoreUnavailable,
    TemporaryDeliveryError,
)

log = logging.getLogger(__name__)

NAME = "email"
SUBJECTS = {
    "en": "Your complaint {number}",
    "es": "Su reclamación {number}",
    "zh-Hans": "您的投诉 {number}",
    "zh-Hant": "您的投訴 {number}",
}


class MessageIds:
    """The bot's Message-IDs: `<number>.<message>.<a|h>.<signature>@<domain>`.

    The signature (HMAC of the rest under `[email] signing_secret`) lets a reply be threaded to
    its complaint from the In-Reply-To alone, and stops anyone from threading into a complaint
    by inventing a reference; `a` marks automatic mail, so a reply to it is never auto-answered.
    """

    _SHAPE = re.compile(rf"^({numbers.PATTERN})\.([\w-]+)\.([ah])\.([0-9a-f]{{20}})@(.+)$")

    def __init__(self, secret: str, domain: str) -> None:
        self.secret = secret.encode()
        self.domain = domain.lower()

    def make(self, number: str, message_id: str, automatic: bool) -> str:
        body = f"{number}.{message_id}.{'a' if automatic else 'h'}"
        return f"{body}.{self._sign(body)}@{self.domain}"

    def verify(self, value: str) -> tuple[str, bool] | None:
        """(complaint number, automatic) for a genuine bot Message-ID, else None."""
        found = self._SHAPE.match(value.strip("<> "))
        if not found or found.group(5).lower() != self.domain:
            return None
        number, message, flag, signature = found.group(1, 2, 3, 4)
        if not hmac.compare_digest(signature, self._sign(f"{number}.{message}.{flag}")):
            return None
        return number, flag == "a"

    def _sign(self, body: str) -> str:
        return hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()[:20]


class EmailChannel:
    name = NAME
    answers_in_response = False

    def __init__(
        self,
        settings: EmailSettings,
        on_inbound: OnInbound,
        on_bounce: Callable[[Bounce], Awaitable[int]],
        keep_dead_letter: Callable[[bytes, str, str], Awaitable[int]],
        clock: Clock,
    ) -> None:
        """`on_bounce` returns how many sent messages the bounce matched;
        `keep_dead_letter(raw, reason, status)` stores what could not be handled."""
        self.settings = settings
        self.on_inbound = on_inbound
        self.on_bounce = on_bounce
        self.keep_dead_letter = keep_dead_letter
        self.clock = clock
        self.ids = MessageIds(settings.signing_secret, settings.domain)
        self.own_addresses = frozenset({settings.address, *settings.aliases})
        self.smtp_port = 0
        self._server: Any = None
        self.relay = _Relay(settings.relay, settings.domain)
        self.poller = (
            ImapPoller(settings.imap, self._from_mailbox) if settings.imap_enabled else None
        )

    async def start(self) -> None:
        if self.poller is not None:
            await self.poller.start()
        if self.settings.smtp_server.enabled:
            await self._serve_smtp()

    async def _serve_smtp(self) -> None:
        options = self.settings.smtp_server
        handler = _SmtpHandler(self)
        tls = _tls_context(options.tls_cert, options.tls_key) if options.tls_cert else None
        authenticator = _Authenticator(options.auth_username, options.auth_password)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(
                handler,
                data_size_limit=self.settings.max_message_bytes,
                enable_SMTPUTF8=True,
                hostname=self.settings.domain,
                ident="complaint-bot",
                tls_context=tls,
                auth_required=bool(options.auth_username),
                auth_require_tls=tls is not None,
                authenticator=authenticator if options.auth_username else None,
            ),
            host=options.host,
            port=options.port,
        )
        self.smtp_port = self._server.sockets[0].getsockname()[1]
        log.info("SMTP intake listening on %s:%d", options.host, self.smtp_port)

    async def stop(self) -> None:
        await self.relay.close()
        if self.poller is not None:
            await self.poller.stop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def can_send(self, address: str) -> bool:
        return "@" in address

    # ---- in ------------------------------------------------------------------------------

    async def receive(self, raw: bytes) -> str:
        """Handle one message; what cannot be handled is kept as a dead letter. Returns a
        short outcome for the SMTP answer. Raises only StoreUnavailable."""
        try:
            return await self.process(raw)
        except MalformedMail as error:
            letter = await self.keep_dead_letter(raw, f"cannot be parsed: {error}", "kept")
            return f"kept as dead letter {letter}"
        except IgnoredMessage as error:
            letter = await self.keep_dead_letter(raw, str(error), "ignored")
            return f"recorded as ignored ({letter})"
        except InvalidMessage as error:
            letter = await self.keep_dead_letter(raw, str(error), "kept")
            return f"kept as dead letter {letter}"

    async def _from_mailbox(self, raw: bytes) -> None:
        """The IMAP poller's hand-over: it flags the message only after this returns."""
        outcome = await self.receive(raw)
        log.info("mailbox message: %s", outcome)

    async def process(self, raw: bytes) -> str:
        """Parse and hand over; raise MalformedMail, IgnoredMessage, InvalidMessage."""
        mail = parse_mail(raw)
        if mail.bounce is not None:
            matched = await self.on_bounce(mail.bounce)
            if not matched:
                raise IgnoredMessage("a bounce for no message the bot sent")
            return f"bounce recorded for {matched} message(s)"
        if mail.from_address in self.own_addresses:
            raise IgnoredMessage("mail from the bot's own address (a loop)")
        result = await self.on_inbound(self.inbound(mail, raw))
        return f"{'duplicate of' if result.duplicate else 'recorded in'} {result.complaint}"

    def inbound(self, mail: ParsedMail, raw: bytes) -> Inbound:
        references = tuple(dict.fromkeys((*mail.in_reply_to, *mail.references)))
        verified = {ref: self.ids.verify(ref) for ref in references}
        numbers = tuple(dict.fromkeys(v[0] for v in verified.values() if v))
        replying_to_automatic = any(
            (found := verified.get(ref)) and found[1] for ref in mail.in_reply_to
        )
        return Inbound(
            channel=NAME,
            external_id=mail.message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
            sender=Sender(NAME, mail.from_address, mail.from_name, email=mail.from_address),
            text=mail.text,
            received_at=self.clock.now(),
            subject=mail.subject,
            language_hint=mail.language_hint,
            attachments=tuple(
                Attachment(a.filename, a.content_type, a.data) for a in mail.attachments
            ),
            thread_hints=references,
            referenced_complaints=numbers,
            automated=mail.automated,
            no_reply="a reply to the bot's automatic mail (loop protection)"
            if replying_to_automatic
            else "",
            source=NAME,
        )

    # ---- out -----------------------------------------------------------------------------

    def compose(self, address: str, outbound: Outbound) -> Message:
        """The mail for `outbound`. Built with the `email.mime` classes: the bot writes one of
        these for every answer, and they cost a fraction of `EmailMessage`'s header objects."""
        automatic = outbound.kind in AUTOMATIC_KINDS
        number = outbound.complaint_number
        message = MIMEMultipart("alternative")
        message["From"] = formataddr((self.settings.display_name, self.settings.address), "utf-8")
        message["To"] = address
        original = _without_tags(outbound.subject or str(outbound.extra.get("subject", "")))
        default = SUBJECTS.get(outbound.language, SUBJECTS["en"]).format(number=number)
        if not number:  # not about a complaint (a /link code)
            subject = original or self.settings.display_name
        elif original:
            subject = f"[{number}] Re: {original}"
        else:
            subject = f"[{number}] {default}"
        message["Subject"] = Header(subject, "utf-8").encode()
        message["Message-ID"] = f"<{self.ids.make(number, outbound.message_id, automatic)}>"
        message["Date"] = formatdate(localtime=False)
        references = [ref for ref in outbound.extra.get("references", []) if _is_msgid(ref)]
        in_reply_to = str(outbound.extra.get("in_reply_to", ""))
        if _is_msgid(in_reply_to):
            message["In-Reply-To"] = f"<{in_reply_to}>"
        if references:
            message["References"] = " ".join(f"<{ref}>" for ref in references[-10:])
        if automatic:
            message["Auto-Submitted"] = "auto-replied"
            message["X-Auto-Response-Suppress"] = "All"
        if outbound.language:
            message["Content-Language"] = outbound.language
        message.attach(MIMEText(outbound.text, "plain", "utf-8"))
        message.attach(MIMEText(_as_html(outbound.text, outbound.language), "html", "utf-8"))
        return message

    async def send(self, address: str, outbound: Outbound) -> str:
        message = self.compose(address, outbound)
        try:
            await self.relay.send(message, self.settings.address, address)
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
        return str(message["Message-ID"]).strip("<>")


class _Relay:
    """One kept-open connection to the relay, shared by all sends in turn.

    A connection per message would cost a TCP and TLS handshake and a login each time; a relay
    that closed the idle connection is reconnected once, transparently."""

    def __init__(self, settings: RelaySettings, local_hostname: str) -> None:
        self.settings = settings
        self.local_hostname = local_hostname
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

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


class _SmtpHandler:
    """aiosmtpd hooks: accept our addresses only, answer 250 after intake committed."""

    def __init__(self, channel: EmailChannel) -> None:
        self.channel = channel

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() not in self.channel.own_addresses:
            return (
                f"550 5.1.1 <{address}>: no such mailbox here; complaints go to "
                f"<{self.channel.settings.address}>"
            )
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw).encode("utf-8", "surrogateescape")
        try:
            outcome = await self.channel.receive(raw)
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


_MSGID = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")
_TAG = re.compile(
    rf"\[{numbers.PATTERN}\]\s*|^(?:(?:re|aw|sv|fw|fwd|rv|答复|回复|回覆)\s*[:：]\s*)+",
    re.IGNORECASE,
)


def _is_msgid(value: str) -> bool:
    return bool(_MSGID.match(value))


def _without_tags(subject: str) -> str:
    """The subject without our number tag and reply prefixes, so they do not pile up."""
    previous = None
    while previous != subject:
        previous, subject = subject, _TAG.sub("", subject).strip()
    return subject


def _as_html(text: str, language: str) -> str:
    paragraphs = "".join(
        "<p>" + html.escape(block).replace("\n", "<br>\n") + "</p>\n"
        for block in text.split("\n\n")
        if block.strip()
    )
    return (
        f'<!DOCTYPE html><html lang="{html.escape(language or "en")}"><head>'
        f'<meta charset="utf-8"></head><body>\n{paragraphs}</body></html>\n'
    )
