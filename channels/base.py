"""The types every channel adapter shares: what arrives (`Inbound`) and what leaves (`Outbound`).

One frozen `Inbound` for every transport keeps intake and the router channel-agnostic; transport
details that only the adapter understands go in `thread_hints`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class NotFetched:
    """A file the channel left unfetched because it is over the size limit (the Telegram Bot
    API tells a file's size before the download): intake names it in the answer and records it,
    as it does an attachment it drops itself."""

    filename: str
    size: int


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote: `address` is unique within `channel` (an e-mail address, a chat id, a CRM id)."""

    channel: str
    address: str
    display_name: str = ""
    email: str = ""
    phone: str = ""
    tier: str = ""
    phone_hint: str = ""
    """A phone number the sender wrote (an e-mail's signature): the customer's phone only when
    they have none, where `phone` (what the channel knows) replaces it."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One customer message, normalised. `external_id` is the transport's dedupe key: its own
    id, or that id made apart from an earlier message's (`key_apart`, `transport_id`)."""

    channel: str
    external_id: str
    sender: Sender
    text: str
    received_at: datetime
    subject: str = ""
    language_hint: str = ""
    chosen_language: str = ""
    """The language the customer chose for answers (Telegram's /language), or "": the stored
    language of the complaint the message opens or continues (`intake.chosen_language`)."""
    attachments: tuple[Attachment, ...] = ()
    not_fetched: tuple[NotFetched, ...] = ()
    """Files sent with the message that the channel did not fetch, being too large."""
    complaint_number: str = ""
    """A complaint the sender explicitly names as the one this message continues."""
    thread_hints: tuple[str, ...] = ()
    """Transport-level references (Message-IDs, chat ids) that may identify an earlier message,
    oldest first and the message answered last (an e-mail's References, then an In-Reply-To
    they lack): stored with the message, they begin the References of an answer to it
    (`answer_references`)."""
    source: str = ""
    """The configured integration (webhook source, mailbox) the message came through."""
    details: Mapping[str, str] = field(default_factory=dict)
    """Registration fields the channel already knows, keyed as in `REGISTRATION_FIELDS`."""
    referenced_complaints: tuple[str, ...] = ()
    """Complaint numbers the transport has verified this message refers to (a reply to one of
    the bot's signed Message-IDs, a chat reply to the bot's message about it); threaded only
    when the complaint is the sender's."""
    quoted_complaints: tuple[str, ...] = ()
    """Complaint numbers only the quoted history of a reply holds (the bot's acknowledgement
    under "在 … 写道：" or "On … wrote:"), cut from `text`: they say which complaint a reply
    answers when the customer's client dropped In-Reply-To and References. Threaded only when
    the complaint is the sender's, after the numbers the new words name and the references."""
    current_complaint: str = ""
    """The complaint the sender's conversation is about (a chat's open complaint): continued
    only when the message names and references none of the sender's complaints."""
    automated: str = ""
    """Why this is machine mail (an auto-reply, a list), or "": recorded, never answered."""
    shown_text: str = ""
    """What is stored and shown to staff when it holds more than `text`, which intake and the
    router read (an e-mail's signature, kept for its contact details); see `stored_text`."""

    relayed: bool = False
    """The sender is the person a relay named (a web form's mail: its Reply-To), not who sent
    the message: their address is unproven, so it lifts no suppression after bounces."""
    reply_to: str = ""
    """Where answers to this message go when not to the sender's address (an e-mail's
    Reply-To naming another address of theirs), else "": stored with the message, so every
    later answer on the complaint goes there too, until a mail of theirs says otherwise."""

    text_is_subject: bool = False
    """`text` is the subject's words (a mail whose body said nothing): the subject is then not
    read by the router or shown to staff a second time (`subject_besides_text`)."""

    @property
    def answer_address(self) -> str:
        """Where answers to this message go: `reply_to`, else the sender's address."""
        return self.reply_to or self.sender.address

    @property
    def stored_text(self) -> str:
        """The message's text as it is stored."""
        return self.shown_text or self.text

    @property
    def subject_besides_text(self) -> str:
        """The subject when it says something the text does not already say."""
        return "" if self.text_is_subject else self.subject


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery-status notification about a message the bot sent (e-mail DSNs): handed to
    intake, which counts it against the address."""

    original_message_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    status: str
    permanent: bool
    diagnostic: str


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to a customer, as the dispatcher hands it to the channel that delivers it."""

    message_id: str
    """Stable across retries, so the receiving side can drop a redelivery."""
    complaint_number: str
    kind: str
    text: str
    language: str
    subject: str = ""
    """The customer's own subject, when the answer continues a thread of theirs."""
    default_subject: str = ""
    """The subject line in the customer's language when there is none to continue (from the
    outbox's texts; transports that show a subject use it)."""
    extra: dict[str, Any] = field(default_factory=dict)
    own_subject: str = ""
    """A subject line that says all by itself, used as written: no complaint number in
    brackets and no "Re:", for a staff notice about more than its complaint (a hot-spot alert
    is about a category). Transports that show a subject use it before any other."""


AUTOMATIC_KINDS = frozenset(
    {
        "acknowledgement",
        "followup",
        "progress",
        "survey",
        "closed",
        "assigned",
        "proposed",
        "rejected",
        "resolved",
        "reopened",
        "merged",
        "reminder",
        "notification",
        "question",
        "chat",
    }
)
"""Outbound kinds the bot writes by itself, as opposed to an agent's reply: they are marked as
automatic (Auto-Submitted) and are not sent to addresses suppressed after bounces. The notices
of outbox.notify.NOTICES (a resolution, a rejection…) are the bot's too, though a person's
action caused them: only an agent's own `reply` is a person's mail."""


OnInbound = Callable[[Inbound], Awaitable[Any]]

REFERENCES_KEPT = 10
"""The most Message-IDs an answer's References carries (see `bounded_references`)."""


def answer_references(thread: Sequence[str], answered: str) -> list[str]:
    """The References of an answer to the message `answered` whose own references were
    `thread` (oldest first): RFC 5322 §3.6.4, the parent's References followed by the parent's
    Message-ID, so Thunderbird, Outlook and Gmail show the whole conversation, not only its
    last two mails. Bounded by `bounded_references`; "" ids are left out."""
    return bounded_references([*thread, answered])


def bounded_references(ids: Sequence[str]) -> list[str]:
    """`ids` once each, and at most `REFERENCES_KEPT`: the first and the latest ones.

    A conversation of months (or a hostile mail) can carry hundreds of ids; a header that
    long is cut by some servers and slows every client that reads it. Dropping the middle is
    what Thunderbird and other mail clients do (RFC 5322 §3.6.4 leaves trimming to them): the
    first id roots the thread, the latest ones tie the answer to the mails just before it,
    and a client that knows any of them threads the answer in."""
    unique = list(dict.fromkeys(i for i in ids if i))
    if len(unique) <= REFERENCES_KEPT:
        return unique
    return [unique[0], *unique[1 - REFERENCES_KEPT :]]


def key_apart(transport_id: str, digest: str) -> str:
    """The dedupe key of a message whose transport id an earlier, different message holds
    (an e-mail's reused Message-ID): that id, a space, and `digest` ("sha256:" and 32 hex
    digits) of this message. No Message-ID holds a space, so `transport_id` finds it again."""
    return f"{transport_id} {digest}"


_KEPT_APART = re.compile(r" sha256:[0-9a-f]{32}\Z")


def transport_id(key: str) -> str:
    """The id the transport gave a message, from its dedupe key (`Inbound.external_id`): the
    key itself, or the id a key made apart holds (`key_apart`). Answers refer to this one
    (In-Reply-To, References): it is the one the customer's mail client knows."""
    return _KEPT_APART.sub("", key)


def safe_filename(name: str) -> str:
    """An attachment's file name without any directory part a client or attacker put in front
    (`../../x` is `x`) and without control characters; "" when nothing usable is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in base if char.isprintable()).strip()
    return "" if base in (".", "..") else base


class Channel(Protocol):
    """What the bot needs of a transport: a name, a lifecycle and a way to deliver."""

    name: str
    answers_in_response: bool
    """The transport hands the acknowledgement back to the sender at once (an HTTP response),
    so the complaint counts as acknowledged when intake commits, not when the outbox sends."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def can_send(self, address: str) -> bool:
        """Whether messages to `address` can be delivered later, outside the sender's request."""
        ...

    async def send(self, address: str, outbound: Outbound) -> str:
        """Deliver and return the transport's id for the message (space-separated ids when it
        went as several, a long Telegram text's parts); raise a *DeliveryError."""
        ...


class Leadership(Protocol):
    """Which instance runs a poller (Telegram getUpdates, one IMAP mailbox) when several share
    the store: two pollers of one bot token make Telegram refuse one, two of one mailbox fetch
    the same mail. The store implements it (an advisory lock on PostgreSQL; trivially held on
    SQLite, which one process serves)."""

    def hold(self, name: str) -> AbstractAsyncContextManager[asyncio.Event]:
        """Wait, however long it takes, until this instance holds the lock `name`; hold it
        until the block ends. The event is set when the hold is lost before that (the
        connection that holds it dropped): the poller must stop, another instance may start."""
        ...
