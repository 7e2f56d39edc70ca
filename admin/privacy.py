"""Customers' personal data for an admin: search, export of everything stored, and erasure.

Who sees contact details on complaint views is `staff.contact`; what erasure replaces and what
it keeps is `admin.erasure`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from admin.audit import actor_of, record
from admin.erasure import erase
from admin.holdings import Holdings
from complaints.clock import Clock, json_moment
from complaints.errors import AlreadyErased, ComplaintBotError, UnknownCustomer
from store import queries
from store.database import Database
from store.models import Agent, Customer
from store.queries.customers import (
    complaint_numbers_of,
    customer,
    identities_of,
    search_customers,
)
from store.queries.messages import attachments_of

SEARCH_LIMIT = 50
_NOT_DIGITS = re.compile(r"\D")
_MIN_PHONE_DIGITS = 4
"""Fewer digits than this match too many phone numbers to be worth searching without spaces."""


def _rows(items: Iterable[BaseModel], exclude: set[str] | None = None) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", exclude=exclude) for item in items]


class Privacy:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def search(self, text: str) -> list[dict[str, Any]]:
        """Customers whose name, e-mail, phone or an identity address contains `text`
        (case-insensitive; phone numbers also without spaces or dashes), with their complaints."""
        wanted = text.strip()
        digits = _NOT_DIGITS.sub("", wanted)
        digits = digits if len(digits) >= _MIN_PHONE_DIGITS else ""

        def work(session: Session) -> list[dict[str, Any]]:
            found = search_customers(session, text=wanted, digits=digits, limit=SEARCH_LIMIT)
            return [_summary(session, customer) for customer in found]

        return await self.database.read(work)

    async def export(self, customer_id: int, *, by: Agent | None = None) -> dict[str, Any]:
        """Everything stored about one customer, as one JSON-ready document (audited)."""

        def work(session: Session) -> dict[str, Any]:
            customer = _customer(session, customer_id)
            found = Holdings.of(session, customer_id)
            attachments = attachments_of(session, message_ids=found.message_ids)
            return {
                "exported_at": json_moment(self.clock.now()),
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

        document = await self.database.read(work)
        actor = actor_of(by)
        await self.database.write(
            lambda s: record(s, self.clock, actor, "customer_exported", customer_id)
        )
        return document

    async def erase(self, customer_id: int, confirm: str, admin: Agent) -> dict[str, int]:
        """Erase the customer's personal data in one transaction; how many rows were touched."""
        if confirm.strip() != str(customer_id):
            raise ComplaintBotError(
                'to erase customer %(id)s, send {"confirm": "%(id)s"}', id=customer_id
            )
        now = self.clock.now()

        def work(session: Session) -> dict[str, int]:
            customer = _customer(session, customer_id)
            if customer.erased_at is not None:
                raise AlreadyErased(
                    "customer %(id)s was already erased on %(day)s",
                    id=customer_id,
                    day=customer.erased_at.date().isoformat(),
                )
            found = Holdings.of(session, customer_id)
            counts = erase(session, found, now)
            customer.name = customer.email = customer.phone = ""
            customer.erased_at = now
            for complaint in found.complaints:
                queries.add_event(
                    session, complaint.id or 0, now, f"admin:{admin.name}", "customer_erased", {}
                )
            record(session, self.clock, actor_of(admin), "customer_erased", customer_id, counts)
            return counts

        return await self.database.write(work)


def _customer(session: Session, customer_id: int) -> Customer:
    found = customer(session, customer_id=customer_id)
    if found is None:
        raise UnknownCustomer(
            "there is no customer %(id)s; search with ?q= to find one", id=customer_id
        )
    return found


def _summary(session: Session, found: Customer) -> dict[str, Any]:
    customer_id = found.id or 0
    identities = identities_of(session, customer_id=customer_id)
    return {
        **found.model_dump(mode="json"),
        "identities": [{"channel": i.channel, "address": i.address} for i in identities],
        "complaints": complaint_numbers_of(session, customer_id=customer_id),
    }
