"""The one error tree of the bot. Every package raises these; the boundaries (HTTP routes, the
SMTP handler, chat replies, the command line) turn them into their own answers.

    BotError                        every error of ours
     ├── ComplaintBotError          a request refused: the message is safe to show the person
     │    │                         who asked (HTTP 4xx, SMTP 5xx, a chat reply, a console flash)
     │    ├── UnknownComplaint      a message or an agent names a complaint that does not exist
     │    ├── ComplaintNotYours     a follow-up names another customer's complaint
     │    ├── ReusedKey             a message's dedupe key came with another message before
     │    ├── NotAllowed            a person's role or departments do not allow this
     │    ├── InvalidMessage        the message breaks a limit (attachments, empty text)
     │    │    └── MalformedMail    mail that cannot be parsed at all
     │    ├── IgnoredMessage        machine mail that refers to no complaint: kept, not handled
     │    ├── IllegalTransition     the status cannot change that way
     │    │    ├── NotMergeable     two complaints cannot be merged as asked
     │    │    └── ChangedMeanwhile another writer changed the complaint's status or handler
     │    │                         since it was read: nothing was written
     │    ├── CannotReach           the customer's channel cannot carry a later message
     │    ├── WrongFields           fields of one request are wrong, each with its refusal
     │    ├── AccountError          an account cannot be created or changed that way
     │    │    └── InvalidAccount   (also a WrongFields) the account's wrong fields, all at once
     │    ├── UnknownAccount, UnknownCustomer, UnknownRule, UnknownDeadLetter
     │    ├── NotReprocessable      a dead letter was reprocessed already, or is being now
     │    ├── AlreadyErased         the customer's personal data was erased before
     │    ├── AlreadyExists         a unique name (a canned reply's key and language) is taken
     │    ├── RuleChangeRefused     a rule change cannot be made as asked
     │    ├── RuleError             a rule set that cannot be used (file, line and reason)
     │    ├── TrialRefused          a dry run or backtest asked for something impossible
     │    └── ReportError           a report cannot be made as asked
     ├── StoreUnavailable           the database cannot be reached or stays locked: retry later
     │                              (HTTP 503, SMTP 451); nothing was stored
     ├── SettingsError              settings.toml cannot be used; the message names key and reason
     │    └── TemplateProblem       a reply template is missing or cannot be rendered
     ├── ChannelError               a channel cannot start as configured
     ├── TemporaryDeliveryError     the peer could not take a message now: the outbox retries
     └── PermanentDeliveryError     the peer refused a message for good

Refusals stay apart from StoreUnavailable on purpose: a page that shows a refusal as a flash
must still answer 503 when the store is down.

A refusal is raised as an English text with `%(name)s` placeholders and its values,
`NotAllowed("%(number)s belongs to %(department)s", number=..., department=...)`, never an
f-string: str() is the English sentence (the API's `detail`, chat replies, SMTP answers), and
the console translates the text (`msgid`, found by `pybabel extract`, README "Languages")
before filling in the values, so an agent reads the refusal in the console's language. The
desk's one-line outcomes (`Said`) travel the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Value = str | int
"""What fills a placeholder: names, numbers, keys, lists already joined."""


@dataclass(frozen=True)
class Said:
    """An English text with `%(name)s` placeholders and their values, kept apart until a reader
    is known: str() is the English; the console looks `msgid` up in its catalogs."""

    msgid: str
    values: Mapping[str, Value] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.msgid % self.values if self.values else self.msgid


def said(msgid: str, /, **values: Value) -> Said:
    """`Said` with its values as keywords; `pybabel extract` knows this name."""
    return Said(msgid, values)


class BotError(Exception):
    """Base of every error the bot raises on purpose."""


class ComplaintBotError(BotError):
    """A request refused; the message is safe to show the sender."""

    def __init__(self, msgid: str, /, **values: Value) -> None:
        self.said = Said(msgid, values)
        super().__init__(str(self.said))

    @property
    def msgid(self) -> str:
        return self.said.msgid

    @property
    def values(self) -> Mapping[str, Value]:
        return self.said.values


class UnknownComplaint(ComplaintBotError):
    pass


class ComplaintNotYours(ComplaintBotError):
    pass


class ReusedKey(ComplaintBotError):
    """A message repeats the dedupe key (a webhook `id`) of another message: not a resend, so
    neither stored nor answered with the other message's acknowledgement."""


class NotAllowed(ComplaintBotError):
    """The person's role or departments do not allow this; the message says whose it is."""


class InvalidMessage(ComplaintBotError):
    pass


class MalformedMail(InvalidMessage, ValueError):
    """The message cannot be used at all; str() says why."""


class IgnoredMessage(ComplaintBotError):
    pass


class IllegalTransition(ComplaintBotError):
    """The status cannot change that way; the message says what is allowed."""


class NotMergeable(IllegalTransition):
    """The two complaints cannot be merged as asked (409); the message says why."""


class ChangedMeanwhile(IllegalTransition):
    """Another writer changed the complaint's status (or its handler) between this
    transaction's read and its write (PostgreSQL's concurrent writers): the write was a
    compare-and-set and wrote nothing. A person is refused (409) and decides again on what
    the complaint is now; intake, which must not lose a customer's message, runs its work
    again on the new state (`Database.write`'s `retry_on_conflict`)."""


class CannotReach(ComplaintBotError):
    """The customer's channel cannot carry a later message (a webhook without callback_url)."""


class WrongFields(ComplaintBotError):
    """Fields of one request that are wrong, each with its own refusal, so the API answers one
    entry per wrong field (README "The API") rather than the first only. str() and `msgid` are
    the first field's: a surface that shows one sentence (the console, the command line) shows
    that one."""

    def __init__(self, fields: Mapping[str, ComplaintBotError]) -> None:
        first = next(iter(fields.values()))
        super().__init__(first.msgid, **first.values)
        self.fields = dict(fields)


class AccountError(ComplaintBotError):
    """The account cannot be created or changed that way; the message says why."""


class InvalidAccount(WrongFields, AccountError):
    """Fields of an account that are wrong, named all at once."""


class UnknownAccount(ComplaintBotError):
    pass


class UnknownCustomer(ComplaintBotError):
    pass


class UnknownDeadLetter(ComplaintBotError):
    pass


class NotReprocessable(ComplaintBotError):
    """The dead letter is not kept (reprocessed already, being reprocessed, or ignored machine
    mail): running it again could answer what was accepted twice; the message says which."""


class AlreadyErased(ComplaintBotError):
    pass


class AlreadyExists(ComplaintBotError):
    """Something with that unique name exists already; the message names it."""


class UnknownRule(ComplaintBotError):
    """No rule by that name, or no rule set version by that number."""


class RuleChangeRefused(ComplaintBotError):
    """The change cannot be made as asked (a position out of range); the message says why."""


class RuleError(ComplaintBotError, ValueError):
    """A rule set that cannot be used; the message names the file, line and reason."""


class TrialRefused(ComplaintBotError):
    """A dry run or backtest asked for something impossible; the message says what to send."""


class ReportError(ComplaintBotError):
    """The report cannot be made as asked (a bad date, an unknown department)."""


class StoreUnavailable(BotError):
    """The database cannot be reached or stays locked; the caller should ask to retry later."""


class SettingsError(BotError, ValueError):
    """settings.toml cannot be used as it is; the message says where and why."""


class TemplateProblem(SettingsError):
    """A reply template is missing or cannot be rendered; the message names the file."""


class ChannelError(BotError):
    """A channel cannot start as configured; the message says which setting to fix."""


class _DeliveryError(BotError):
    """A peer's refusal: the reason (the complaint's timeline keeps it whole, for staff) and
    `logged`, the part of it a log line may hold. A peer's free text may quote the customer's
    address, name or number, so a channel whose reason quotes the peer gives `logged` (an SMTP
    code and enhanced status, an error class); a reason of the bot's own words is its own."""

    def __init__(self, reason: str, logged: str | None = None) -> None:
        super().__init__(reason)
        self.logged = reason if logged is None else logged


class TemporaryDeliveryError(_DeliveryError):
    """The peer could not take the message now; the outbox will try again later, not before
    `retry_after` seconds when the peer said how long to wait (Telegram's 429)."""

    def __init__(
        self, reason: str, retry_after: float | None = None, logged: str | None = None
    ) -> None:
        super().__init__(reason, logged)
        self.retry_after = retry_after


class PermanentDeliveryError(_DeliveryError):
    """The peer refused the message for good; retrying would not help."""
