"""The outbox dispatcher: delivers what intake and agents queued, through each item's channel.

It claims due items (leasing them, so a second instance or a restart cannot send the same
item twice while it is in flight), sends them, and records the outcome: sent with the
transport's id; or a retry after an exponential backoff; or, after `max_attempts` or a permanent
refusal, failed with the reason on the complaint's timeline. Each `Outbound` carries a message
id that stays the same across retries, so a receiver that saw a send whose answer was lost can
drop the repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from channels.base import AUTOMATIC_KINDS, Channel, Outbound
from complaints.clock import Clock
from complaints.errors import PermanentDeliveryError, StoreUnavailable, TemporaryDeliveryError
from outbox.settings import OutboxSettings
from outbox.texts import say
from store import queries
from store.database import Database
from store.models import OutboxItem
from store.queries.complaints import complaint_by_id

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)

IDLE_WAIT = 60.0
STORE_RETRY_WAIT = 5.0


class Dispatcher:
    def __init__(
        self,
        database: Database,
        channels: Mapping[str, Channel],
        settings: OutboxSettings,
        clock: Clock,
        batch: int = 32,
    ) -> None:
        self.database = database
        self.channels = channels
        self.settings = settings
        self.clock = clock
        self.batch = batch
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled, sleeping until the next item falls due or `wake()`."""
        while True:
            self._wake.clear()
            wait = IDLE_WAIT
            try:
                while await self.dispatch_due() == self.batch:
                    pass
                due = await self.database.read(queries.next_delivery_due)
                if due is not None:
                    wait = min(max((due - self.clock.now()).total_seconds(), 0.0), IDLE_WAIT)
            except StoreUnavailable:
                wait = STORE_RETRY_WAIT
            except Exception:
                # A bug must not silently end delivery for the life of the process.
                log.exception("outbox dispatcher failed; trying again shortly")
                wait = STORE_RETRY_WAIT
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def dispatch_due(self) -> int:
        """Send every item due now (up to one batch); return how many were attempted.

        One transaction claims the batch and one records every outcome, however many items
        the batch holds."""
        now = self.clock.now()
        items = await self.database.write(lambda s: self._claim(s, now))
        sendable = [item for item in items if item.status == "pending"]
        outcomes = await asyncio.gather(*(self._deliver(item) for item in sendable))
        if outcomes:
            done = self.clock.now()
            await self.database.write(lambda s: self._record(s, outcomes, done))
        return len(items)

    def _claim(self, session: Session, now: datetime) -> list[OutboxItem]:
        """Claim due items; automatic mail to a suppressed address fails here, unsent."""
        items = queries.claim_due_deliveries(session, now, LEASE, self.batch)
        for item in items:
            if item.kind in AUTOMATIC_KINDS and queries.is_suppressed(
                session, item.channel, item.address
            ):
                item.status, item.last_error = "failed", "address suppressed after bounces"
                queries.add_event(
                    session,
                    item.complaint_id,
                    now,
                    "system",
                    "delivery_failed",
                    {
                        "message": item.message_id,
                        "channel": item.channel,
                        "reason": item.last_error,
                    },
                )
        return items

    async def _deliver(self, item: OutboxItem) -> _Outcome:
        payload = item.payload or {}
        outbound = Outbound(
            message_id=f"{payload.get('complaint', '')}-M{item.message_id}",
            complaint_number=payload.get("complaint", ""),
            kind=item.kind,
            text=payload.get("text", ""),
            language=payload.get("language", ""),
            subject=payload.get("subject", ""),
            default_subject=_default_subject(payload),
            extra={
                key: value
                for key, value in payload.items()
                if key not in ("complaint", "text", "language", "subject")
            },
        )
        channel = self.channels.get(item.channel)
        assert item.id is not None
        try:
            if channel is None:
                raise LookupError(f"channel {item.channel!r} is not enabled")
            transport_id = await asyncio.wait_for(
                channel.send(item.address, outbound), self.settings.send_timeout.total_seconds()
            )
        except PermanentDeliveryError as error:
            return _Outcome(item.id, failed=str(error) or "refused", permanent=True)
        except TemporaryDeliveryError as error:
            return _Outcome(item.id, failed=str(error) or "deferred", retry_after=error.retry_after)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return _Outcome(item.id, failed=reason)
        log.info(
            "delivered message %s of %s via %s",
            item.message_id,
            outbound.complaint_number or "?",
            item.channel,
        )
        return _Outcome(item.id, transport_id=transport_id)

    def _record(self, session: Session, outcomes: list[_Outcome], now: datetime) -> None:
        for outcome in outcomes:
            stored = queries.delivery(session, outcome.item)
            if stored is None or stored.status != "pending":
                continue
            detail = {
                "message": stored.message_id,
                "channel": stored.channel,
                "attempts": stored.attempts,
            }
            if not outcome.failed:
                stored.status, stored.sent_at = "sent", now
                stored.transport_id, stored.last_error = outcome.transport_id, ""
                queries.add_event(
                    session, stored.complaint_id, now, "system", "reply_delivered", detail
                )
                if stored.kind == "acknowledgement":
                    _mark_acknowledged(session, stored, now)
                continue
            stored.last_error = outcome.failed[:500]
            if outcome.permanent or stored.attempts >= self.settings.max_attempts:
                stored.status = "failed"
                queries.add_event(
                    session,
                    stored.complaint_id,
                    now,
                    "system",
                    "delivery_failed",
                    {**detail, "reason": stored.last_error},
                )
                log.error(
                    "delivery of message %s via %s failed for good after %d attempt(s)",
                    stored.message_id,
                    stored.channel,
                    stored.attempts,
                )
            else:
                wait = self.backoff(stored.attempts)
                if outcome.retry_after is not None:  # the peer said when: never sooner
                    wait = max(wait, timedelta(seconds=outcome.retry_after))
                stored.next_attempt_at = now + wait
                log.warning(
                    "delivery of message %s via %s failed (attempt %d), retrying at %s",
                    stored.message_id,
                    stored.channel,
                    stored.attempts,
                    stored.next_attempt_at.isoformat(),
                )

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure: retry_base doubled each time, capped."""
        return min(self.settings.retry_base * (2 ** (attempts - 1)), self.settings.retry_max)


@dataclass(frozen=True)
class _Outcome:
    """What one send attempt came to: a transport id, or the reason it failed."""

    item: int
    transport_id: str = ""
    failed: str = ""
    permanent: bool = False
    retry_after: float | None = None


def _mark_acknowledged(session: Session, item: OutboxItem, now: datetime) -> None:
    complaint = complaint_by_id(session, complaint_id=item.complaint_id)
    if complaint is not None and complaint.status == "new":
        queries.change_status(
            session, complaint, "acknowledged", "system", "acknowledgement delivered", now
        )


def _default_subject(payload: dict[str, Any]) -> str:
    """The customer's "Your complaint …", or for a notice to staff (outbox.notify.tell_staff)
    a staff subject, each in the language of the payload."""
    number, language = payload.get("complaint", ""), payload.get("language", "")
    key = "staff_subject" if payload.get("staff") else "subject"
    return say(language, key, number=number) if number else ""
