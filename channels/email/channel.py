"""The e-mail channel: complaints arrive by SMTP (or an IMAP mailbox) and answers leave by relay.

In: `receive(raw)` takes one RFC 5322 message, from the SMTP server (`smtp_server`, served on
the bot's own loop) or from the IMAP poller (`imap`), and hands an `Inbound` to intake; the SMTP
server says 250 only after intake committed, 451 when the store is down so the sending server
retries. Bounces go to `on_bounce`; mail that cannot be processed is kept whole as a dead letter.

Out: `send()` writes a proper mail (`compose`: the number in the subject, a signed Message-ID,
threading headers, Auto-Submitted on automatic mail) and hands it to the relay (`relay`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta

from channels.base import (
    Attachment,
    Bounce,
    Inbound,
    Leadership,
    OnInbound,
    Outbound,
    Sender,
    answer_references,
)
from channels.email import subjects
from channels.email.compose import Composed, MessageIds, compose
from channels.email.imap import ImapPoller
from channels.email.parse import ParsedMail, parse_mail
from channels.email.relay import Relay
from channels.email.reply_to import addressee, no_reply
from channels.email.settings import EmailSettings
from channels.email.smtp_server import serve_smtp
from channels.leading import Leading
from complaints.cleaning import is_blank
from complaints.clock import Clock
from complaints.errors import (
    IgnoredMessage,
    InvalidMessage,
    MalformedMail,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from complaints.numbers import numbers_in

log = logging.getLogger(__name__)

NAME = "email"
TELL_KEPT_EVERY = timedelta(days=1)

KeptNotice = Callable[[str, Inbound], Awaitable[tuple[str, str, str, str]]]
"""`await kept_notice(problem, inbound)` → (language, subject, text, complaint number) of what
the sender of a kept mail is told; `problem` is "empty" or "attachments"; the number is that of
the sender's complaint the mail replied on (the notice is then about it), else ""."""


def unparsable(error: MalformedMail) -> str:
    """A dead letter's reason for mail that cannot be parsed (web/console/letter_reasons.py
    reads it back)."""
    return f"cannot be parsed: {error}"


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
        kept_notice: KeptNotice | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        """`on_bounce` returns how many sent messages the bounce matched;
        `keep_dead_letter(raw, reason, status)` stores what could not be handled;
        `kept_notice` writes what a person whose mail was kept is told (without it, nothing);
        with `leadership`, the IMAP poller runs only while this instance holds its lock."""
        self.settings = settings
        self.kept_notice = kept_notice
        self._told: dict[str, datetime] = {}
        self.on_inbound = on_inbound
        self.on_bounce = on_bounce
        self.keep_dead_letter = keep_dead_letter
        self.clock = clock
        self.ids = MessageIds(settings.signing_secret, settings.domain)
        self.own_addresses = frozenset({settings.address, *settings.aliases})
        self.form_senders = frozenset(settings.form_senders)
        self.smtp_port = 0
        self._server: asyncio.Server | None = None
        self.relay = Relay(settings.relay, settings.domain)
        self.poller = (
            ImapPoller(settings.imap, self._from_mailbox) if settings.imap_enabled else None
        )
        self._imap: ImapPoller | Leading | None = self.poller
        if self.poller is not None and leadership is not None:
            imap = settings.imap
            # the lock tells mailboxes apart by their login, which the log must not show
            login = hashlib.sha256(imap.username.encode()).hexdigest()[:8]
            name = f"IMAP poller of {imap.host}:{imap.port}/{imap.folder} (login {login})"
            self._imap = Leading(leadership, name, self.poller.start, self.poller.stop)

    async def start(self) -> None:
        if self._imap is not None:
            await self._imap.start()
        if self.settings.smtp_server.enabled:
            await self._serve_smtp()

    async def _serve_smtp(self) -> None:
        self._server = await serve_smtp(self.settings, self.receive)
        self.smtp_port = self._server.sockets[0].getsockname()[1]
        log.info("SMTP intake listening on %s:%d", self.settings.smtp_server.host, self.smtp_port)

    async def stop(self) -> None:
        await self.relay.close()
        if self._imap is not None:
            await self._imap.stop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def can_send(self, address: str) -> bool:
        """Not to the bot itself, nor to an address nobody reads (a form's no-reply sender)."""
        return "@" in address and not self.unanswerable(address)

    def unanswerable(self, address: str) -> bool:
        return address in self.own_addresses or address in self.form_senders or no_reply(address)

    # ---- in ------------------------------------------------------------------------------

    async def receive(self, raw: bytes) -> str:
        """Handle one message; what cannot be handled is kept as a dead letter. Returns a
        short outcome for the SMTP answer. Raises only StoreUnavailable."""
        try:
            return await self.process(raw)
        except MalformedMail as error:
            letter = await self.keep_dead_letter(raw, unparsable(error), "kept")
            return f"kept as dead letter {letter}"
        except IgnoredMessage as error:
            letter = await self.keep_dead_letter(raw, str(error), "ignored")
            return f"recorded as ignored ({letter})"
        except InvalidMessage as error:
            letter = await self.keep_dead_letter(raw, str(error), "kept")
            await self._tell_kept(raw, letter)
            return f"kept as dead letter {letter}"

    async def _tell_kept(self, raw: bytes, letter: int) -> None:
        """Tell a person (never machine mail) that their mail was kept, not registered (an
        empty reply on one of their complaints: that nothing was added to it): once
        per kept mail, and at most once a day per address, so that neither forged senders nor
        another bot answering the notice can make the bot send mail after mail."""
        mail = parse_mail(raw)  # it was parsed before: only a limit was broken
        who = addressee(mail, self.own_addresses, self.form_senders)
        address, now = who.answer_to or who.address, self.clock.now()
        told = self._told.get(address)
        if (
            self.kept_notice is None
            or mail.automated
            or self.unanswerable(address)
            or (told is not None and now - told < TELL_KEPT_EVERY)
        ):
            return
        problem = "attachments" if mail.attachments else "empty"
        language, subject, text, number = await self.kept_notice(problem, self.inbound(mail, raw))
        references = answer_references(_thread(mail), mail.message_id) if mail.message_id else []
        notice = Outbound(  # on their thread: "[C-…] Re: <their subject>" when it is about
            # their complaint, else "Re: <their subject>", else the notice's own
            message_id=f"kept-{letter}",
            complaint_number=number,
            kind="notification",
            text=text,
            language=language,
            subject=mail.subject,
            default_subject=subject,
            extra={"in_reply_to": mail.message_id, "references": references},
        )
        # Forget who was told more than a day ago, so forged senders cannot grow this map.
        self._told = {key: at for key, at in self._told.items() if now - at < TELL_KEPT_EVERY}
        self._told[address] = now
        try:
            await self.send(address, notice)
        except (TemporaryDeliveryError, PermanentDeliveryError) as error:
            # The relay's reason may quote the address: only its kind is logged.
            log.warning(
                "could not tell the sender of dead letter %d (%s)", letter, type(error).__name__
            )
            return
        log.info("the sender of dead letter %d was told it was kept", letter)

    async def _from_mailbox(self, raw: bytes) -> None:
        """The IMAP poller's hand-over: it flags the message only after this returns."""
        outcome = await self.receive(raw)
        log.info("mailbox message: %s", outcome)

    async def reprocess(self, raw: bytes) -> str:
        """`process` for a dead letter: a refusal carries the reason in the words first intake
        kept it with, so a letter failing again reads the same."""
        try:
            return await self.process(raw)
        except MalformedMail as error:
            raise MalformedMail(unparsable(error)) from error

    async def process(self, raw: bytes) -> str:
        """Parse and hand over; raise MalformedMail, IgnoredMessage, InvalidMessage."""
        mail = parse_mail(raw)
        if mail.bounce is not None:
            return await self._bounce(mail.bounce)
        if mail.from_address in self.own_addresses:
            raise IgnoredMessage("mail from the bot's own address (a loop)")
        result = await self.on_inbound(self.inbound(mail, raw))
        return f"{'duplicate of' if result.duplicate else 'recorded in'} {result.complaint}"

    async def _bounce(self, bounce: Bounce) -> str:
        """Hand over a delivery report about mail the bot signed; anyone can write a report
        naming any address, so one about no signed Message-ID counts against nobody."""
        signed = tuple(i for i in bounce.original_message_ids if self.ids.verify(i))
        if not signed:
            raise IgnoredMessage("a bounce for no message the bot signed")
        matched = await self.on_bounce(replace(bounce, original_message_ids=signed))
        if not matched:
            raise IgnoredMessage("a bounce for no message the bot sent")
        return f"bounce recorded for {matched} message(s)"

    def inbound(self, mail: ParsedMail, raw: bytes) -> Inbound:
        # In-Reply-To first: the complaint of the mail it answers is the one named first
        references = tuple(dict.fromkeys((*mail.in_reply_to, *mail.references)))
        verified = {ref: self.ids.verify(ref) for ref in references}
        numbers = tuple(dict.fromkeys(v[0] for v in verified.values() if v))
        text = _text(mail)
        who = addressee(mail, self.own_addresses, self.form_senders)
        return Inbound(
            channel=NAME,
            external_id=mail.message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
            sender=Sender(NAME, who.address, who.name, email=who.address, phone_hint=mail.phone),
            relayed=who.form,
            reply_to=who.answer_to,
            text=text,
            text_is_subject=text != mail.text,
            shown_text=mail.shown_text if mail.shown_text != mail.text else "",
            received_at=self.clock.now(),
            subject=mail.subject,
            language_hint=mail.language_hint,
            attachments=tuple(
                Attachment(a.filename, a.content_type, a.data) for a in mail.attachments
            ),
            thread_hints=_thread(mail),
            referenced_complaints=numbers,
            quoted_complaints=_only_quoted(mail),
            automated=mail.automated,
            source=NAME,
        )

    # ---- out -----------------------------------------------------------------------------

    def compose(self, address: str, outbound: Outbound) -> Composed:
        """The mail for `outbound` (see `compose`)."""
        return compose(self.settings, self.ids, address, outbound)

    async def send(self, address: str, outbound: Outbound) -> str:
        mail = self.compose(address, outbound)
        await self.relay.deliver(mail.data, self.settings.address, address)
        return mail.message_id


def _thread(mail: ParsedMail) -> tuple[str, ...]:
    """The mail's place in its conversation, oldest first and the mail it answers last: its
    References, then an In-Reply-To they lack (RFC 5322 §3.6.4: a parent without References
    is referred to by its In-Reply-To; Outlook rewrites In-Reply-To and keeps References)."""
    return tuple(dict.fromkeys((*mail.references, *mail.in_reply_to)))


def _text(mail: ParsedMail) -> str:
    """What the customer wrote: the body, or when it says nothing, what the subject says
    (`subjects.as_text`: many write the whole complaint there). Machine mail keeps its empty
    body: it is recorded, never answered, and its subject is no complaint."""
    if not is_blank(mail.text) or mail.automated:
        return mail.text
    return subjects.as_text(mail.subject) or mail.text


def _only_quoted(mail: ParsedMail) -> tuple[str, ...]:
    """The complaint numbers of the whole body that the new words do not hold (see
    `Inbound.quoted_complaints`)."""
    said = set(numbers_in(f"{mail.subject}\n{mail.text}"))
    return tuple(n for n in dict.fromkeys(numbers_in(mail.full_text)) if n not in said)
