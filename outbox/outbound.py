"""An outbox row as the `Outbound` its channel sends."""

from __future__ import annotations

from typing import Any

from channels.base import Outbound
from outbox.texts import say
from store.models import OutboxItem

_OWN_KEYS = ("complaint", "text", "language", "subject")
"""Payload keys that are fields of `Outbound`; the others go to its `extra`."""


def outbound_of(item: OutboxItem) -> Outbound:
    """The message to send for `item`; its message id is the same at every attempt."""
    payload = item.payload or {}
    return Outbound(
        message_id=f"{payload.get('complaint', '')}-M{item.message_id}",
        complaint_number=payload.get("complaint", ""),
        kind=item.kind,
        text=payload.get("text", ""),
        language=payload.get("language", ""),
        subject=payload.get("subject", ""),
        default_subject=_default_subject(payload),
        extra={key: value for key, value in payload.items() if key not in _OWN_KEYS},
    )


def _default_subject(payload: dict[str, Any]) -> str:
    """The customer's "Your complaint …", or for a notice to staff (outbox.notify.tell_staff)
    a staff subject, each in the language of the payload."""
    number, language = payload.get("complaint", ""), payload.get("language", "")
    key = "staff_subject" if payload.get("staff") else "subject"
    return say(language, key, number=number) if number else ""
