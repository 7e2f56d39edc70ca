"""An outbox row as the `Outbound` its channel sends, and what one attempt to send it came to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from channels.base import Outbound
from outbox.texts import say
from store.models import OutboxItem

_OWN_KEYS = ("complaint", "text", "language", "subject", "own_subject")
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
        own_subject=payload.get("own_subject", ""),
    )


def _default_subject(payload: dict[str, Any]) -> str:
    """The customer's "Your complaint …", or for a notice to staff (outbox.notify.tell_staff)
    a staff subject, each in the language of the payload."""
    number, language = payload.get("complaint", ""), payload.get("language", "")
    key = "staff_subject" if payload.get("staff") else "subject"
    return say(language, key, number=number) if number else ""


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to: a transport id, or the reason it failed (`failed` in
    full for the timeline, `said` without personal data or the peer's text for the log, `told`
    with the peer's text but addresses and numbers masked for the desk's notice)."""

    item: int
    failed: str = ""
    said: str = ""
    told: str = ""
    transport_id: str = ""
    number: str = ""
    """The complaint's number, for the "delivered" log line written once this is recorded."""
    permanent: bool = False
    retry_after: float | None = None


class Counted(NamedTuple):
    """One delivery outcome for the metrics: labels only, no address."""

    channel: str
    kind: str
    result: str


RESULTS = {"sent": "sent", "pending": "retry", "failed": "failed"}
"""An item's status after an attempt, as the `result` label of the deliveries metric."""
