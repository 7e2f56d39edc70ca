"""Customers' personal data: who sees contact details, and an admin's search, export and erasure.

Erasure keeps the statistics (category, department, grade, channel, product, times, statuses,
survey scores) and every row other tables point at: identities and messages stay, with their
personal content replaced, so reports and the dedupe of inbound messages still work.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from admin.accounts import at_least, sees
from complaints.clock import Clock
from complaints.errors import AlreadyErased, ComplaintBotError, UnknownCustomer
from store import queries
from store.database import Database
from store.models import (
    Agent,
    Attachment,
    ChatState,
    Complaint,
    Customer,
    Event,
    Identity,
    Message,
    OutboxItem,
    Solution,
    Suppression,
)

ERASED = "[erased]"
TELEGRAM = "telegram"
FREE_TEXT_DETAILS = ("text", "solution", "explanation", "summary", "why", "note", "reason")
"""Event detail fields that hold what someone wrote (possibly about the customer)."""
ERASED_COMPLAINT_FIELDS = (
    "subject",
    "serial_number",
    "order_number",
    "desired_outcome",
    "survey_comment",
    "resolution_summary",
)
SEARCH_LIMIT = 50


# ---- contact data on complaint views ---------------------------------------------------------


def may_see_contact(viewer: Agent, complaint: Complaint) -> bool:
    """Admins, supervisors of the complaint's department and its assignee need the contact
    data; other agents only need to recognise the customer."""
    if viewer.role == "admin":
        return True
    if at_least(viewer, "supervisor") and sees(viewer, complaint.department):
        return True
    return bool(complaint.assignee) and complaint.assignee == viewer.name


def mask_email(address: str) -> str:
    """ "ana.perez@example.com" → "a***@example.com"."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if at else mask_text(address)


def mask_phone(phone: str) -> str:
    """Keep the layout, the first three and the last two digits: "+34 612 345 612" →
    "+34 6** *** *12"."""
    digits = [i for i, char in enumerate(phone) if char.isdigit()]
    shown = set(digits[:3] + digits[-2:]) if len(digits) > 6 else set(digits[-2:])
    return "".join(
        "*" if char.isdigit() and i not in shown else char for i, char in enumerate(phone)
    )


def mask_name(name: str) -> str:
    """ "Ana Pérez García" → "Ana P. G.": enough to greet, not to look someone up."""
    first, *rest = name.split() or [""]
    return " ".join([first, *(f"{part[:1]}." for part in rest)])


def mask_text(value: str) -> str:
    return f"{value[:1]}***" if value else ""


def _mask_address(identity: Identity) -> str:
    if identity.channel == TELEGRAM:
        return "(hidden)"  # a chat id lets anyone write to the customer: never shown masked
    if "@" in identity.address:
        return mask_email(identity.address)
    source, colon, customer = identity.address.partition(":")
    return f"{source}:{mask_text(customer)}" if colon else mask_text(identity.address)


def contact_for(
    viewer: Agent, complaint: Complaint, customer: Customer, identities: Iterable[Identity]
) -> dict[str, Any]:
    """The customer's contact data as `viewer` may see it on `complaint`; `masked` says which."""
    whole = may_see_contact(viewer, complaint)
    return {
        "masked": not whole,
        "name": customer.name if whole else mask_name(customer.name),
        "email": customer.email if whole else mask_email(customer.email),
        "phone": customer.phone if whole else mask_phone(customer.phone),
        "tier": customer.tier,
        "erased": customer.erased_at is not None,
        "identities": [
            {
                "channel": identity.channel,
                "address": identity.address if whole else _mask_address(identity),
                "display_name": identity.display_name
                if whole
                else mask_name(identity.display_name),
            }
            for identity in identities
        ],
    }


# ---- the admin's search, export and erasure ----------------------------------------------------


_NOT_DIGITS = re.compile(r"\D")


def _digits_only(column: Any) -> Any:
    """The column without the separators people write phone numbers with, in SQL."""
    for separator in (" ", "-", ".", "(", ")", "/"):
        column = sa.func.replace(column, separator, "")
    return column


def _rows(items: Iterable[SQLModel], exclude: set[str] | None = None) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", exclude=exclude) for item in items]


class Privacy:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def search(self, text: str) -> list[dict[str, Any]]:
        """Customers whose name, e-mail, phone or an identity address contains `text`
        (case-insensitive; phone numbers also without spaces or dashes), with their complaints."""

        def work(session: Session) -> list[dict[str, Any]]:
            wanted = text.strip()
            conditions = [
                col(Customer.name).icontains(wanted, autoescape=True),
                col(Customer.email).icontains(wanted, autoescape=True),
                col(Customer.phone).icontains(wanted, autoescape=True),
                col(Customer.id).in_(
                    select(Identity.customer_id).where(
                        col(Identity.address).icontains(wanted, autoescape=True)
                    )
                ),
            ]
            digits = _NOT_DIGITS.sub("", wanted)
            if len(digits) >= 4:
                conditions.append(_digits_only(col(Customer.phone)).contains(digits))
            customers = session.exec(
                select(Customer)
                .where(sa.or_(*conditions))
                .order_by(col(Customer.id))
                .limit(SEARCH_LIMIT)
            ).all()
            return [_summary(session, customer) for customer in customers]

        return await self.database.read(work)

    async def export(self, customer_id: int) -> dict[str, Any]:
        """Everything stored about one customer, as one JSON-ready document."""

        def work(session: Session) -> dict[str, Any]:
            customer = _customer(session, customer_id)
            found = _Holdings.of(session, customer_id)
            attachments = session.exec(
                select(Attachment).where(col(Attachment.message_id).in_(found.message_ids))
            ).all()
            return {
                "exported_at": self.clock.now().isoformat(),
                "customer": customer.model_dump(mode="json"),
                "identities": _rows(found.identities),
                "complaints": _rows(found.complaints),
                "messages": _rows(found.messages),
                "attachments": [
                    {
                        **attachment.model_dump(mode="json", exclude={"data"}),
                        "content_base64": base64.b64encode(attachment.data).decode(),
                    }
                    for attachment in attachments
                ],
                "events": _rows(found.events(session)),
                "solutions": _rows(found.solutions(session)),
                "deliveries": _rows(found.deliveries(session)),
                "telegram_chats": _rows(found.chats(session)),
                "suppressions": _rows(found.suppressions(session)),
            }

        return await self.database.read(work)

    async def erase(self, customer_id: int, confirm: str, admin: Agent) -> dict[str, int]:
        """Erase the customer's personal data in one transaction; how many rows were touched."""
        if confirm.strip() != str(customer_id):
            raise ComplaintBotError(
                f'to erase customer {customer_id}, send {{"confirm": "{customer_id}"}}'
            )
        now = self.clock.now()

        def work(session: Session) -> dict[str, int]:
            customer = _customer(session, customer_id)
            if customer.erased_at is not None:
                raise AlreadyErased(
                    f"customer {customer_id} was already erased on {customer.erased_at:%Y-%m-%d}"
                )
            found = _Holdings.of(session, customer_id)
            counts = _erase(session, found, now)
            customer.name = customer.email = customer.phone = ""
            customer.erased_at = now
            for complaint in found.complaints:
                queries.add_event(
                    session, complaint.id or 0, now, f"admin:{admin.name}", "customer_erased", {}
                )
            return counts

        return await self.database.write(work)


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise UnknownCustomer(f"there is no customer {customer_id}; search with ?q= to find one")
    return customer


def _summary(session: Session, customer: Customer) -> dict[str, Any]:
    identities = session.exec(select(Identity).where(Identity.customer_id == customer.id)).all()
    numbers = session.exec(
        select(Complaint.number)
        .where(Complaint.customer_id == customer.id)
        .order_by(col(Complaint.id))
    ).all()
    return {
        **customer.model_dump(mode="json"),
        "identities": [{"channel": i.channel, "address": i.address} for i in identities],
        "complaints": list(numbers),
    }


class _Holdings:
    """What belongs to one customer: their identities, complaints and messages (their own
    messages on other complaints too, e.g. after a merge), and what hangs off those."""

    def __init__(
        self,
        identities: list[Identity],
        complaints: list[Complaint],
        messages: list[Message],
    ) -> None:
        self.identities = identities
        self.complaints = complaints
        self.messages = messages
        self.identity_ids = [identity.id or 0 for identity in identities]
        self.complaint_ids = [complaint.id or 0 for complaint in complaints]
        self.message_ids = [message.id or 0 for message in messages]
        self.addresses = [(identity.channel, identity.address) for identity in identities]

    @classmethod
    def of(cls, session: Session, customer_id: int) -> _Holdings:
        identities = list(session.exec(select(Identity).where(Identity.customer_id == customer_id)))
        complaints = list(
            session.exec(
                select(Complaint)
                .where(Complaint.customer_id == customer_id)
                .order_by(col(Complaint.id))
            )
        )
        messages = list(
            session.exec(
                select(Message)
                .where(
                    sa.or_(
                        col(Message.complaint_id).in_([c.id for c in complaints]),
                        col(Message.identity_id).in_([i.id for i in identities]),
                    )
                )
                .order_by(col(Message.id))
            )
        )
        return cls(identities, complaints, messages)

    def events(self, session: Session) -> list[Event]:
        return list(
            session.exec(
                select(Event)
                .where(col(Event.complaint_id).in_(self.complaint_ids))
                .order_by(col(Event.id))
            )
        )

    def solutions(self, session: Session) -> list[Solution]:
        return list(
            session.exec(select(Solution).where(col(Solution.complaint_id).in_(self.complaint_ids)))
        )

    def deliveries(self, session: Session) -> list[OutboxItem]:
        """Deliveries addressed to the customer, and any about their complaints or messages."""
        addressed = [
            sa.and_(col(OutboxItem.channel) == channel, col(OutboxItem.address) == address)
            for channel, address in self.addresses
        ]
        return list(
            session.exec(
                select(OutboxItem)
                .where(
                    sa.or_(
                        *addressed,
                        col(OutboxItem.complaint_id).in_(self.complaint_ids),
                        col(OutboxItem.message_id).in_(self.message_ids),
                    )
                )
                .order_by(col(OutboxItem.id))
            )
        )

    def chat_ids(self) -> list[int]:
        return [
            int(address)
            for channel, address in self.addresses
            if channel == TELEGRAM and address.lstrip("-").isdigit()
        ]

    def chats(self, session: Session) -> list[ChatState]:
        return list(
            session.exec(select(ChatState).where(col(ChatState.chat_id).in_(self.chat_ids())))
        )

    def suppressions(self, session: Session) -> list[Suppression]:
        return [
            found
            for found in (session.get(Suppression, address) for address in self.addresses)
            if found is not None
        ]


def _erase(session: Session, found: _Holdings, now: datetime) -> dict[str, int]:
    """Replace the personal content of everything the customer holds; keep the rows."""
    addressed_to = {(i.channel, i.address): i.id for i in found.identities}
    deliveries = found.deliveries(session)
    for item in deliveries:
        payload = dict(item.payload or {})
        for key in ("text", "subject"):
            if payload.get(key):
                payload[key] = ERASED
        item.payload = payload
        identity_id = addressed_to.get((item.channel, item.address))
        if identity_id is not None:
            item.address = f"erased-{identity_id}"
            if item.status == "pending":
                item.status, item.last_error = "cancelled", "the customer's data was erased"
    for suppression in found.suppressions(session):
        session.delete(suppression)
    for chat in found.chats(session):
        session.delete(chat)
    for identity in found.identities:
        identity.address, identity.display_name = f"erased-{identity.id}", ""
    for message in found.messages:
        message.text = ERASED
        message.subject = ERASED if message.subject else ""
    attachments = session.connection().execute(
        sa.delete(queries.ATTACHMENTS).where(
            queries.ATTACHMENTS.c.message_id.in_(found.message_ids)
        )
    )
    for complaint in found.complaints:
        for field in ERASED_COMPLAINT_FIELDS:
            setattr(complaint, field, "")
    events = [
        event
        for event in found.events(session)
        if any((event.detail or {}).get(key) for key in FREE_TEXT_DETAILS)
    ]
    for event in events:
        event.detail = {
            key: ERASED if key in FREE_TEXT_DETAILS and value else value
            for key, value in (event.detail or {}).items()
        }
    solutions = found.solutions(session)
    for solution in solutions:
        solution.description = ERASED if solution.description else ""
        solution.decision_reason = ERASED if solution.decision_reason else ""
    return {
        "identities": len(found.identities),
        "complaints": len(found.complaints),
        "messages": len(found.messages),
        "attachments_deleted": attachments.rowcount,
        "events_redacted": len(events),
        "solutions": len(solutions),
        "deliveries": len(deliveries),
    }
