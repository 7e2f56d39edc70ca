"""The answers to the guided chat's questions: what a field holds now, and filling it in from
what the customer wrote (a purchase date in any of the usual shapes becomes ISO)."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session

from complaints.fields import ASKABLE_FIELDS
from store.models import Complaint, Customer
from store.queries.customers import customer as customer_by_id

_DATE_FORMATS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?$"), (1, 2, 3)),
)


def current_answer(complaint: Complaint, customer: Customer | None, field: str) -> str:
    if field == "phone":
        return customer.phone if customer else ""
    return str(getattr(complaint, field) or "")


def fill_answer(session: Session, complaint: Complaint, field: str, text: str) -> None:
    value = text.strip()[:200]
    if field == "phone":
        customer = customer_by_id(session, customer_id=complaint.customer_id)
        if customer is not None:
            customer.phone = value
        return
    if field not in ASKABLE_FIELDS:
        return
    if field == "purchase_date":
        value = _iso_date(value) or value
    setattr(complaint, field, value)


def _iso_date(text: str) -> str:
    for pattern, (year, month, day) in _DATE_FORMATS:
        found = pattern.match(text.strip())
        if found:
            try:
                parsed = date(
                    int(found.group(year)), int(found.group(month)), int(found.group(day))
                )
            except ValueError:
                return ""
            return parsed.isoformat()
    return ""
