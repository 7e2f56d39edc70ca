"""The answers to the guided chat's questions: what a field holds now, and filling it in from
what the customer wrote (a purchase date in any of the usual shapes becomes ISO; free text
is refused), and telling an answer from more of the complaint."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlmodel import Session

from complaints.dates import purchase_date
from complaints.fields import ASKABLE_FIELDS
from intake.chat_details import found_details
from intake.chat_link import CHANNEL
from store import queries
from store.models import Complaint, Customer
from store.queries.customers import customer as customer_by_id

SKIP_WORDS = frozenset(
    {"skip", "/skip", "pass", "omitir", "saltar", "paso", "跳过", "跳過", "略過", "略过"}
)
"""Typed instead of tapping the Skip button, in the four languages."""

_SHORT_LIMIT = {"desired_outcome": 300}
"""The longest text taken as an answer (characters); 80 for the other fields."""
_CJK = re.compile(r"[\u3400-\u9fff]")
_QUESTION = re.compile(r"[?？¿]")
_SENTENCES = re.compile(r"\.\s+[^\W\d_]|。\s*\S")
_DIGITS = re.compile(r"\d")
_NEEDS_A_DIGIT = ("order_number", "serial_number", "model", "phone", "purchase_date")


def is_skip(text: str) -> bool:
    return text.strip().strip(".!。！").lower() in SKIP_WORDS


def looks_like_answer(field: str, text: str) -> bool:
    """Whether `text` reads as an answer to the question about `field`, rather than more of
    the complaint: a question, a long or several-sentence text, or (for a code, a number or a
    date) more than three words without a digit are not answers. "Yesterday" or "last
    tuesday" stay answers, so the date question can take or refuse them. Emoji or
    punctuation alone ("😡😡😡", "👍") answer nothing."""
    value = text.strip()
    if not any(char.isalnum() for char in value):
        return False
    if field == "desired_outcome":
        return len(value) <= _SHORT_LIMIT[field]
    if len(value) > 80 or _QUESTION.search(value) or _SENTENCES.search(value):
        return False
    if "!" in value or "！" in value:
        return False
    size = len(value) if _CJK.search(value) else len(value.split()) * 4
    if field in _NEEDS_A_DIGIT and not _DIGITS.search(value):
        return size <= 12
    return size <= 32


def current_answer(complaint: Complaint, customer: Customer | None, field: str) -> str:
    if field == "phone":
        return customer.phone if customer else ""
    return str(getattr(complaint, field) or "")


def fill_answer(
    session: Session, complaint: Complaint, field: str, text: str, today: date
) -> list[str]:
    """Store `text` as `field`; the fields filled, [] when it is not a form the field takes (a
    purchase date that is not a date, see complaints.dates). A product answer that names its
    model ("美的电饭煲 MB-FB40") fills an empty model too, so it is not asked for."""
    value = text.strip()[:200]
    if field == "phone":
        customer = customer_by_id(session, customer_id=complaint.customer_id)
        if customer is not None:
            customer.phone = value
        return [field]
    if field not in ASKABLE_FIELDS:
        return [field]
    if field == "purchase_date":
        value = purchase_date(value, today)
        if not value:
            return []
    setattr(complaint, field, value)
    model = found_details(value, today).get("model", "") if field == "product" else ""
    if model and not complaint.model:
        complaint.model = model
        return [field, "model"]
    return [field]


FOUND_FIELDS = ("product", "model", "order_number", "purchase_date")


def fill_found(
    session: Session, complaint: Complaint, found: dict[str, str], now: datetime
) -> None:
    """Fill the empty fields the customer's first message named (intake.chat_details), and
    the customer's phone when they have none, with a `details_found` event."""
    filled = [field for field in FOUND_FIELDS if found.get(field) and not getattr(complaint, field)]
    for field in filled:
        setattr(complaint, field, found[field][:200])
    customer = customer_by_id(session, customer_id=complaint.customer_id)
    if found.get("phone") and customer is not None and not customer.phone:
        customer.phone = found["phone"]
        filled.append("phone")
    if filled:
        detail = {"fields": filled, "via": "text"}
        queries.add_event(session, complaint.id or 0, now, "system", "details_found", detail)


def record_answer(
    session: Session, complaint: Complaint, external_id: str, kind: str, text: str, now: datetime
) -> None:
    """The customer's answer (or typed skip) as a message of the complaint, from the chat."""
    queries.add_messages(
        session,
        [
            {
                "complaint_id": complaint.id,
                "direction": "in",
                "channel": CHANNEL,
                "external_id": external_id,
                "identity_id": complaint.identity_id,
                "author": "customer",
                "kind": kind,
                "text": text,
                "language": complaint.language,
                "created_at": now,
            }
        ],
    )
