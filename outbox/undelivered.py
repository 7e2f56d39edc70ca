"""When a message to a customer fails for good (the customer blocked the bot, the address
bounces), the desk hears of it: without this, only the complaint's timeline and an ERROR log
line knew, and an agent believed the customer had the answer.

The complaint's department is told where it hears of its deadlines (`department_contact`: its
Telegram group, else its supervisor), in the desk's language, once per complaint and channel
(the acknowledgement, the next question and the reply after them all fail the same way), with
an `undelivered_told` event. Failures of staff notices are not reported: the desk would be told
through the very address that fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from outbox.notify import Notifier
from store import queries
from store.models import OutboxItem
from store.queries.complaints import complaint_by_id
from store.queries.events import events_of_kind

GivenUp = Callable[[Session, OutboxItem, str, datetime], None]
"""`given_up(session, item, reason, now)`: the dispatcher failed `item` for good (`reason` is
safe to show: no personal data)."""


def tell_desk(notifier: Notifier) -> GivenUp:
    """The dispatcher's `given_up` hook that tells the desk through `notifier`."""

    def given_up(session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
        if (item.payload or {}).get("staff") or item.complaint_id is None:
            return
        complaint = complaint_by_id(session, complaint_id=item.complaint_id)
        if complaint is None or complaint.id is None:
            return
        told = events_of_kind(session, complaint_id=complaint.id, kind="undelivered_told")
        if any((event.detail or {}).get("channel") == item.channel for event in told):
            return
        target = notifier.department_contact(complaint.department)
        if not target or not notifier.tell_staff(
            session, complaint, target, "undelivered", now, channel=item.channel, reason=reason
        ):
            return
        detail = {"to": target, "channel": item.channel}
        queries.add_event(session, complaint.id, now, "system", "undelivered_told", detail)

    return given_up
