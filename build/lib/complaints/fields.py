"""The registration details the seeds ask to record about a complaint besides its text
(seeds 002, 003), and which of them the desk may ask for or edit."""

from __future__ import annotations

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
