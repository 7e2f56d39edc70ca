"""The registration details the seeds ask to record about a complaint besides its text
(seeds 002, 003), and which of them the desk may ask for or edit."""

from __future__ import annotations

from collections.abc import Mapping

from complaints.errors import ComplaintBotError

REGISTRATION_FIELDS = (
    "product",
    "model",
    "serial_number",
    "order_number",
    "purchase_date",
    "desired_outcome",
)
"""What a channel may already know and intake records on the complaint."""

ASKABLE_FIELDS = (*REGISTRATION_FIELDS, "phone")
"""What a department may ask for in the guided chat (the phone is the customer's)."""

EDITABLE_FIELDS = ("subject", *REGISTRATION_FIELDS)
"""What an agent may fill in or fix on a complaint."""

FIELD_LIMITS: Mapping[str, int] = {
    **{key: 200 for key in EDITABLE_FIELDS},
    "desired_outcome": 1000,
}
"""The most characters an editable field holds: what intake keeps (a subject, a chat answer and
the webhook's details are 200, its desired outcome 1,000), so a value a channel stored can
always be saved again unchanged."""


def check_lengths(fields: Mapping[str, str]) -> None:
    """Refuse a value longer than its field's `FIELD_LIMITS`, naming the field and the limit."""
    for key, value in fields.items():
        limit = FIELD_LIMITS.get(key)
        if limit is not None and len(value.strip()) > limit:
            raise ComplaintBotError(
                "%(registration_field)s is over %(limit)s characters",
                registration_field=key,
                limit=limit,
            )
