"""Bounces: a delivery-status notification marks the bot's mail as failed, on the complaint's
timeline, and an address that keeps bouncing gets no more automatic mail until it works again
(until mail arrives from it: see intake).

Only reports about mail the bot sent count (the channel checks that the report names a
Message-ID the bot signed; here it must match a delivery), each delivery at most once: the
same report sent again, or a second report about the same mail, finds the delivery already
failed and counts nothing. The address counted is the one the bot sent that mail to, never one
the report merely names, so a forged report cannot silence someone else's address.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from channels.base import Bounce
from complaints.cleaning import without_nul
from complaints.clock import Clock
from store import queries
from store.database import Database
from store.models import OutboxItem

log = logging.getLogger(__name__)


async def record_bounce(
    database: Database, clock: Clock, bounce: Bounce, threshold: int, channel: str = "email"
) -> int:
    """Record `bounce`; return how many of the bot's sent messages it matched."""
    now, bounce = clock.now(), without_nul(bounce)

    def work(session: Session) -> int:
        items = queries.deliveries_by_transport_id(session, channel, bounce.original_message_ids)
        reason = f"bounced: {bounce.status} {bounce.diagnostic}".strip()
        for item in _concerned(items, bounce.recipients):
            detail = {
                "message": item.message_id,
                "channel": channel,
                "reason": reason,
                "permanent": bounce.permanent,
            }
            if not bounce.permanent:
                queries.add_event(
                    session, item.complaint_id, now, "system", "delivery_delayed", detail
                )
            elif item.status != "failed":  # a delivery fails once, however often reported
                item.status, item.last_error = "failed", reason[:500]
                queries.add_event(
                    session, item.complaint_id, now, "system", "delivery_failed", detail
                )
                _count(session, item, channel, reason, threshold, now)
        return len(items)

    return await database.write(work)


def _concerned(items: Sequence[OutboxItem], recipients: Sequence[str]) -> Sequence[OutboxItem]:
    """The deliveries the report is about: those to the recipients it names when it names
    some of them (one mail sent to several addresses), else every delivery of the mail (the
    report may name only where the mail was forwarded to)."""
    named = [item for item in items if item.address.lower() in recipients]
    return named or items


def _count(
    session: Session, item: OutboxItem, channel: str, reason: str, threshold: int, now: datetime
) -> None:
    if queries.count_bounce(session, channel, item.address, reason, threshold, now):
        log.warning("automatic mail to an address is suppressed after %d bounces", threshold)
        queries.add_event(
            session, item.complaint_id, now, "system", "address_suppressed", {"bounces": threshold}
        )
