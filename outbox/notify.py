"""Everything the bot says about a complaint goes through here: to the customer on their own
channel and in their language (`tell_customer`), or to staff outside the customer's thread, at
addresses like "email:boss@example.com" or "telegram:-100…" (`tell_staff` and the department
and supervisor shortcuts built on it).

Each notice is a message row plus an outbox row written in the caller's transaction, so it is
sent exactly when its cause is committed; the dispatcher delivers it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from channels.base import answer_references, transport_id
from complaints.addresses import TELEGRAM, Address
from outbox.letters import letter
from outbox.staff_texts import StaffName, own_subject, say_staff
from outbox.texts import say
from router import RuleSet
from router.names import name_of
from store import queries
from store.models import Complaint
from store.queries.accounts import agent_at
from store.queries.customers import customer, identity_by_id
from store.queries.messages import last_inbound, last_said


def in_thread(session: Session, complaint: Complaint, channel: str) -> dict[str, Any]:
    """The payload fields that put a message to the customer in their own conversation, as an
    answer to their latest message on `channel`, the one it goes out on: the Message-ID it
    carried (`transport_id`: also when its dedupe key was made apart from another mail's) as
    In-Reply-To, the References it carried followed by that Message-ID as References
    (`answer_references`: the whole conversation, bounded), and their subject ("[C-…] Re:
    <subject>"). Agents' replies and
    status notices alike, so mail clients show one conversation per complaint. A message of
    theirs by another channel (a webhook's, merged into this complaint) is no mail to answer,
    nor is an autoresponder's (an out-of-office notice): its sender's latest mail is. The
    subject is the one of the mail answered, so a conversation keeps one subject even when a
    merge brought a second one into the complaint (Gmail splits a thread whose subject
    changes); the complaint's own subject when there is none."""
    assert complaint.id is not None
    last = last_inbound(session, complaint_id=complaint.id, channel=channel, written=True)
    thread = transport_id(last.external_id) if last and last.external_id else ""
    return {
        "subject": (last.subject if last and thread else "") or complaint.subject,
        "in_reply_to": thread,
        "references": answer_references(last.thread.split(), thread) if last and thread else [],
    }


def answered_at(session: Session, complaint: Complaint, channel: str) -> str:
    """Where the customer's latest message on `channel` about the complaint was answered, as
    intake answered it (`Inbound.answer_address`): the address it asked for (an e-mail's
    Reply-To), else the one it came from, when that is an address of this customer's (another
    of their mail addresses: the one they now write from); "" when there is none. So every
    later answer follows the mail it answers, as `in_thread` threads it."""
    assert complaint.id is not None
    last = last_inbound(session, complaint_id=complaint.id, channel=channel, written=True)
    if last is None or last.identity_id is None:
        return ""
    wrote_from = identity_by_id(session, identity_id=last.identity_id)
    if wrote_from is None or wrote_from.customer_id != complaint.customer_id:
        return ""
    return last.reply_to or wrote_from.address


@dataclass(frozen=True, slots=True)
class Notice:
    """How a text of outbox.texts goes to the customer: its outbox `kind` (what a webhook
    callback's "kind" says, and what channels.base.AUTOMATIC_KINDS and a merge go by) and
    whether it is framed as a letter (outbox.letters: greeting and closing)."""

    kind: str
    letter: bool = False


NOTICES: Mapping[str, Notice] = {
    "progress": Notice("progress"),
    "survey": Notice("survey"),
    "closed_thanks": Notice("closed"),
    "assigned_notice": Notice("assigned"),
    "proposal_notice": Notice("proposed", letter=True),
    "rejected_notice": Notice("rejected", letter=True),
    "resolved": Notice("resolved", letter=True),
    "merged_notice": Notice("merged"),
    "reopened_by_desk": Notice("reopened"),
}
"""Every text `tell_customer` sends, by its key: a new one must say what it is here."""

CanSend = Callable[[str, str], bool]
"""Whether the channel named first can write to the address given second, later on."""


class Notifier:
    def __init__(
        self,
        can_send: CanSend,
        rules: Callable[[], RuleSet],
        staff_language: str = "en",
        levels: tuple[str, ...] = (),
        company: str = "",
    ) -> None:
        """`rules()` gives the rule set in force now: departments, their groups and supervisors
        change when an admin publishes. Staff notices carry a subject of their own (never the
        customer's "Your complaint …") and a text of outbox.staff_texts, both in
        `staff_language`, the bot's `default_language`, except at a department's supervisor
        (`staff_language_at`). `levels` are `[escalation] levels`:
        who reviews what a customer contests when the department has no supervisor;
        `company` signs letters to customers."""
        self.company = company
        self.can_send = can_send
        self.rules = rules
        self.staff_language = staff_language
        self.levels = levels

    def customer_address(self, session: Session, complaint: Complaint) -> Address | None:
        """Where the customer can be written to later, or None (a webhook source without a
        callback URL gets its answers only in the HTTP response; a form's no-reply sender).
        Where their latest message on the complaint's channel was answered (`answered_at`),
        else the address of the identity the complaint was opened from."""
        identity = identity_by_id(session, identity_id=complaint.identity_id)
        if identity is None:
            return None
        address = answered_at(session, complaint, identity.channel) or identity.address
        if not self.can_send(identity.channel, address):
            return None
        return Address(identity.channel, address)

    def tell_customer(
        self,
        session: Session,
        complaint: Complaint,
        key: str,
        now: datetime,
        *,
        extra: dict[str, Any] | None = None,
        unless_said_since: datetime | None = None,
        **values: str,
    ) -> bool:
        """Queue the text `key` of outbox.texts to the customer, in the complaint's language,
        as `NOTICES` says; False when their channel cannot carry a later message, or, given
        `unless_said_since`, when the latest such text since then said the very same words
        (the customer knows it already)."""
        notice = NOTICES[key]
        address = self.customer_address(session, complaint)
        if address is None:
            return False
        text = say(complaint.language, key, number=complaint.number or "", **values)
        if notice.letter:
            text = self.letter(session, complaint, text)
        if unless_said_since is not None:
            said = last_said(
                session, complaint_id=complaint.id or 0, kind=key, since=unless_said_since
            )
            if said == text:
                return False
        threaded = {**in_thread(session, complaint, address.channel), **(extra or {})}
        queries.queue_message(
            session,
            complaint,
            address.channel,
            address.address,
            notice.kind,
            text,
            now,
            threaded,
            text_key=key,
        )
        return True

    def letter(self, session: Session, complaint: Complaint, body: str, signer: str = "") -> str:
        """`body` framed as a letter to the complaint's customer (outbox.letters), signed by
        `signer` (an agent's name) and the company."""
        person = customer(session, customer_id=complaint.customer_id)
        name = person.name if person is not None else ""
        return letter(complaint.language, body, name=name, company=self.company, signer=signer)

    def tell_staff(
        self,
        session: Session,
        complaint: Complaint,
        target: str | Address,
        key: str,
        now: datetime,
        **values: object,
    ) -> bool:
        """Queue the text `key` of outbox.staff_texts to a staff address about `complaint`, in
        the language read there (`staff_language_at`); False when no channel can write there
        (the channel is disabled or the address is not one of its kind). A `StaffName` value
        is named in that language.

        The notice sits on `complaint`'s timeline and mail about it carries the staff subject
        "[C-…] Complaint C-…: notice for staff"; a notice about more than that one complaint
        (a hot spot: a category's burst, told on its newest complaint) names itself instead,
        in the same language (outbox.staff_texts.own_subject: used as written, no complaint
        number in brackets)."""
        address = target if isinstance(target, Address) else Address.parse(target)
        if not self.can_send(address.channel, address.address):
            return False
        language = self.staff_language_at(session, complaint, address)
        said = {
            name: repr(name_of(self.rules(), value.kind, value.key, language))
            if isinstance(value, StaffName)
            else value
            for name, value in values.items()
        }
        text = say_staff(language, key, number=complaint.number or "", **said)
        payload: dict[str, Any] = {"staff": True, "language": language}
        if subject := own_subject(language, key, number=complaint.number or "", **said):
            payload["own_subject"] = subject
        queries.queue_message(
            session,
            complaint,
            address.channel,
            address.address,
            "notification",
            text,
            now,
            payload,
            to_customer=False,
        )
        return True

    def staff_language_at(self, session: Session, complaint: Complaint, address: Address) -> str:
        """The language of a staff notice to `address`: the desk's, except at the complaint's
        department supervisor, who reads the language of their own account when the address
        is one's (its e-mail or Telegram user: the person chose it), else the department's
        `supervisor_language`, else the desk's."""
        department = self.rules().departments.get(complaint.department)
        if department is None or str(address) != department.supervisor:
            return self.staff_language
        account = agent_at(session, channel=address.channel, address=address.address)
        if account is not None and account.language:
            return account.language
        return department.supervisor_language or self.staff_language

    def tell_supervisor(
        self, session: Session, complaint: Complaint, key: str, now: datetime, **values: object
    ) -> bool:
        """Queue the staff text `key` to the complaint's department supervisor, with an event;
        False when the department has none."""
        department = self.rules().departments.get(complaint.department)
        if department is None or not department.supervisor:
            return False
        if not self.tell_staff(session, complaint, department.supervisor, key, now, **values):
            return False
        queries.add_event(
            session,
            complaint.id or 0,
            now,
            "system",
            "supervisor_told",
            {"to": department.supervisor},
        )
        return True

    def supervisor_of(self, complaint: Complaint) -> str:
        """The address of the complaint's department supervisor, or "" when it has none."""
        department = self.rules().departments.get(complaint.department)
        return department.supervisor if department is not None else ""

    def tell_reviewer(
        self, session: Session, complaint: Complaint, key: str, now: datetime, **values: object
    ) -> str:
        """Queue the staff text `key` to whoever reviews what the customer contests (a disputed
        rejection, a low survey score): the department's supervisor (`tell_supervisor`, with
        its event), else the first of `[escalation] levels` the bot can write to, as a missed
        deadline escalates past a department without one. The address told, or "" when there
        is nobody: the caller must then not promise the customer a supervisor."""
        if self.tell_supervisor(session, complaint, key, now, **values):
            return self.supervisor_of(complaint)
        for level in self.levels:
            if self.tell_staff(session, complaint, level, key, now, **values):
                return level
        return ""

    def department_group(self, department: str) -> Address | None:
        """The Telegram group where `department`'s agents work, when it has one the bot can
        write to."""
        found = self.rules().departments.get(department)
        if found is None or found.telegram_chat_id is None:
            return None
        group = Address(TELEGRAM, str(found.telegram_chat_id))
        return group if self.can_send(group.channel, group.address) else None

    def department_contact(self, department: str) -> str:
        """Who hears of a department's deadlines: its Telegram group, else its supervisor."""
        found = self.rules().departments.get(department)
        if found is None:
            return ""
        if found.telegram_chat_id is not None:
            return str(Address(TELEGRAM, str(found.telegram_chat_id)))
        return found.supervisor
