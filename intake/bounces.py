"""Bounces: a delivery-status notification marks the bot's mail as failed, on the complaint's
timeline, and an address that keeps bouncing gets no more automatic mail until it works again
(until mail arrives from it: see intake)."""

from __future__ import annotations

import logging

from sqlmodel import Session

from channels.base import Bounce
from complaints.clock import Clock
from store import queries
from store.database import Database

log = logging.getLogger(__name__)


async def record_bounce(
    database: Database, clock: Clock, bounce: Bounce, threshold: int, channel: str = "email"
) -> int:
    """Record `bounce`; return how many of the bot's sent messages it matched."""
    now = clock.now()

    def work(session: Session) -> int:
        items = queries.deliveries_by_transport_id(session, channel, bounce.original_message_ids)
        reason = f"bounced: {bounce.status} {bounce.diagnostic}".strip()
        for item in items:
            detail = {
                "message": item.message_id,
                "channel": channel,
                "reason": reason,
                "permanent": bounce.permanent,
            }
            if bounce.permanent:
                item.status, item.last_error = "failed", reason[:500]
                queries.add_event(
                    session, item.complaint_id, now, "system", "delivery_failed", detail
                )
            else:
                queries.add_event(
                    session, item.complaint_id, now, "system", "delivery_delayed", detail
                )
        if not bounce.permanent:
            return len(items)
        addresses = bounce.recipients or tuple(dict.fromkeys(item.address for item in items))
        for address in addresses:
            if queries.count_bounce(session, channel, address, reason, threshold, now):
                log.warning(
                    "automatic mail to an address is suppressed after %d bounces", threshold
                )
                for item in items:
                    if item.address == address:
                        queries.add_event(
                            session,
                            item.complaint_id,
                            now,
                            "system",
                            "address_suppressed",
                            {"bounces": threshold},
                        )
        return len(items)

    return await database.write(work)
