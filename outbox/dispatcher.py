"""The outbox dispatcher: delivers what intake and agents queued, through each item's channel.

It claims due items (leasing them, so a second instance or a restart cannot send the same
item twice while it is in flight: the lease, `[outbox] lease`, is renewed every third of it while
the sends run, so a long send keeps its items and a killed instance's items are sent by
another one lease after its last renewal), sends them, and records each outcome as soon as it
is known (`outbox.batch`: a kill repeats only the sends in flight and those that finished
during the last commit or two; the log says "delivered" only once it is recorded): sent with the
transport's id; or a retry after an exponential backoff; or, after `max_attempts` or a permanent
refusal, failed with the reason on the complaint's timeline. Each `Outbound` carries a message
id that stays the same across retries, so a receiver that saw a send whose answer was lost can
drop the repeat.

Fair to every channel: the items are sent in lanes, one per channel and one per webhook source
(`outbox.lanes`), and a lane has at most one batch in flight. While a lane's batch is being sent,
the dispatcher goes on claiming and sending the other lanes' due items, so a backlog of webhook
callbacks, or a callback target that hangs until `send_timeout`, holds up only its own lane: a
customer's e-mail or Telegram acknowledgement, or another source's callback, leaves at once.
Within a lane the items go oldest first, a batch at a time, as they always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from channels.base import AUTOMATIC_KINDS, Channel
from complaints.clock import Clock
from complaints.errors import PermanentDeliveryError, StoreUnavailable, TemporaryDeliveryError
from observe.logs import safe_reason
from observe.metrics import Metrics
from outbox.batch import send_batch
from outbox.lanes import Sending, by_lane
from outbox.outbound import RESULTS, Counted, Outcome, outbound_of
from outbox.sent import log_delivered, record_sent
from outbox.settings import OutboxSettings
from outbox.undelivered import GivenUp
from store import queries
from store.database import Database
from store.models import OutboxItem
from store.queries.outbox import Lane, SentDelivery, deliveries_with_complaints, renew_leases
from store.queries.suppressions import suppressed_among

log = logging.getLogger(__name__)

IDLE_WAIT = 60.0
STORE_RETRY_WAIT = 5.0
RECHECK_WHILE_SENDING = 0.1
"""While a lane sends, the shortest time between two looks for the other lanes' due items
unless a lane is done: every commit that queues a delivery wakes the dispatcher, and each
look is a read (a few index lookups per lane, not a pass over a sending lane's backlog)."""


class Dispatcher:
    def __init__(
        self,
        database: Database,
        channels: Mapping[str, Channel],
        settings: OutboxSettings,
        clock: Clock,
        batch: int = 32,
        metrics: Metrics | None = None,
        given_up: GivenUp | None = None,
    ) -> None:
        """`given_up` hears of each item failed for good (outbox.undelivered tells the desk)."""
        self.given_up = given_up
        self.database = database
        self.channels = channels
        self.settings = settings
        self.clock = clock
        self.batch = batch
        self.metrics = metrics or Metrics()
        self._wake = asyncio.Event()
        self._sending = Sending()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled: start sending what is due on every lane not sending yet,
        each lane's batch in a task of its own; sleep until an item falls due, or `wake()`."""
        async with asyncio.TaskGroup() as lanes:
            while True:
                self._wake.clear()
                self._sending.freed.clear()
                try:
                    wait = await self._start_due(lanes)
                except StoreUnavailable:
                    wait = STORE_RETRY_WAIT
                except Exception:
                    # A bug must not silently end delivery for the life of the process.
                    log.exception("outbox dispatcher failed; trying again shortly")
                    wait = STORE_RETRY_WAIT
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                if self._sending:  # a lane that is done is looked at at once
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._sending.freed.wait(), RECHECK_WHILE_SENDING)

    async def _start_due(self, lanes: asyncio.TaskGroup) -> float:
        """Claim the due items of the lanes not sending, batch after batch, and start each
        lane's share; then how long to wait. While lanes send, what is due is read first,
        beside the writer: a wake when only they have due items costs no write, and the claim
        starts at the first due item of the others instead of passing over their backlog."""
        while True:
            since = None
            if self._sending:
                wait, since = await self._until_due()
                if wait:
                    return wait
            claimed, count = await self._claim_due(self.clock.now(), since)
            for lane, items in by_lane(claimed).items():
                self._sending.start(lane)
                lanes.create_task(self._lane(lane, items), name=f"outbox-{lane[0]}")
            if count < self.batch:
                # none: another instance may have claimed the due items first
                wait, _due = await self._until_due()
                return wait or (0.0 if count else RECHECK_WHILE_SENDING)

    async def _until_due(self) -> tuple[float, datetime | None]:
        """Seconds until an item of a lane not sending falls due (0: one is due now), and when
        it does (None: no item is pending)."""
        skipping = self._sending.lanes()
        due = await self.database.read(
            functools.partial(queries.next_delivery_due, skipping=skipping)
        )
        if due is None:
            return IDLE_WAIT, None
        return min(max((due - self.clock.now()).total_seconds(), 0.0), IDLE_WAIT), due

    async def _lane(self, lane: Lane, items: list[OutboxItem]) -> None:
        """Send one lane's batch and record the outcomes; the lane is free again after."""
        try:
            await self._send(items)
        except StoreUnavailable:
            log.warning(
                "outbox: store unavailable: the outcomes of %d %s message(s) are not recorded;"
                " they are tried again when their lease runs out",
                len(items),
                lane[0],
            )
        except Exception:
            log.exception("outbox: sending %d %s message(s) failed", len(items), lane[0])
        finally:
            self._sending.done(lane)
            self.wake()

    async def dispatch_due(self) -> int:
        """Send the items due now (up to one batch, none of a lane still sending), every
        lane's beside the others, and record the outcomes; return how many were claimed.
        `run` does the same without waiting for one lane before claiming for the others.

        One transaction claims the batch and one per lane records its outcomes, however many
        items it holds; each joins the writer's next group commit (`write_batched`), so under
        load it shares intake's commit and its fsync instead of paying its own."""
        claimed, count = await self._claim_due(self.clock.now())
        lanes = by_lane(claimed)
        for lane in lanes:
            self._sending.start(lane)
        try:
            sent = await asyncio.gather(
                *(self._send(items) for items in lanes.values()), return_exceptions=True
            )
        finally:
            for lane in lanes:
                self._sending.done(lane)
        for failure in sent:
            if isinstance(failure, BaseException):
                raise failure
        return count

    async def _claim_due(
        self, now: datetime, since: datetime | None = None
    ) -> tuple[list[OutboxItem], int]:
        """Claim a batch outside the lanes sending: the items to send, and how many were
        claimed (automatic mail to a suppressed address among them failed at once)."""
        skipping = self._sending.lanes()
        items = await self.database.write_batched(lambda s: self._claim(s, now, skipping, since))
        suppressed = [item for item in items if item.status == "failed"]
        self._count([Counted(item.channel, item.kind, "failed") for item in suppressed])
        return [item for item in items if item.status == "pending"], len(items)

    async def _send(self, items: list[OutboxItem]) -> None:
        await send_batch(
            items,
            deliver=self._deliver,
            record=self._record_outcomes,
            renew=self._renew,
            renew_every=self.settings.lease.total_seconds() / 3,
        )

    async def _record_outcomes(self, outcomes: list[Outcome]) -> None:
        """Record `outcomes` in one transaction; only once it committed does the log call a
        message delivered: a line written when the transport took it, before the commit, told
        the operator of a kill -9 that messages were done which the restart then sent again."""
        done = self.clock.now()
        counted: list[Counted] = []
        delivered: list[SentDelivery] = []
        await self.database.write_batched(
            lambda s: self._record(s, outcomes, done, counted, delivered)
        )
        self._count(counted)
        log_delivered(delivered, outcomes)

    def _claim(
        self, session: Session, now: datetime, skipping: tuple[Lane, ...], since: datetime | None
    ) -> list[OutboxItem]:
        """Claim due items outside the lanes `skipping`; automatic mail to a suppressed
        address fails here, unsent (one lookup for the whole batch)."""
        lease = self.settings.lease
        items = queries.claim_due_deliveries(
            session, now, lease, self.batch, skipping=skipping, since=since
        )
        automatic = [item for item in items if item.kind in AUTOMATIC_KINDS]
        suppressed = suppressed_among(
            session, addresses=[(item.channel, item.address) for item in automatic]
        )
        for item in automatic:
            if (item.channel, item.address) not in suppressed:
                continue
            item.status, item.last_error = "failed", "address suppressed after bounces"
            queries.add_event(
                session,
                item.complaint_id,
                now,
                "system",
                "delivery_failed",
                {"message": item.message_id, "channel": item.channel, "reason": item.last_error},
            )
        return items

    async def _renew(self, claims: list[tuple[int, int]]) -> None:
        """Extend the lease of the items still being sent; a store that cannot be reached for
        longer than the lease lets another instance send them too, which the log says."""
        until = self.clock.now() + self.settings.lease
        try:
            renewed = await self.database.write_batched(lambda s: renew_leases(s, claims, until))
        except StoreUnavailable:
            renewed = -1
        if renewed < len(claims):
            log.warning(
                "outbox: could not renew the lease of %d message(s) being sent; another "
                "instance may send them too once it runs out",
                len(claims) - max(renewed, 0),
            )

    async def _deliver(self, item: OutboxItem) -> Outcome:
        outbound = outbound_of(item)
        channel = self.channels.get(item.channel)
        assert item.id is not None
        try:
            if channel is None:
                raise LookupError(f"channel {item.channel!r} is not enabled")
            transport_id = await asyncio.wait_for(
                channel.send(item.address, outbound), self.settings.send_timeout.total_seconds()
            )
        except PermanentDeliveryError as error:
            failed = str(error) or "refused"
            return Outcome(item.id, failed, *_reasons(error), permanent=True)
        except TemporaryDeliveryError as error:
            failed = str(error) or "deferred"
            return Outcome(item.id, failed, *_reasons(error), retry_after=error.retry_after)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return Outcome(item.id, reason, *_reasons(error))
        # "delivered" is logged once recorded (`_record_outcomes`)
        return Outcome(item.id, transport_id=transport_id, number=outbound.complaint_number)

    def _record(
        self,
        session: Session,
        outcomes: list[Outcome],
        now: datetime,
        counted: list[Counted],
        delivered: list[SentDelivery],
    ) -> None:
        """Store each outcome; fill `counted` (what to count) and `delivered` (what to log as
        delivered) for once this transaction committed, afresh each time it runs (a write may
        run again after a clash). The sent ones, nearly all of them, take a few statements for
        the whole batch."""
        counted.clear()
        delivered.clear()
        counted += record_sent(session, outcomes, now, delivered)
        failed = [outcome for outcome in outcomes if outcome.failed]
        found = deliveries_with_complaints(session, [outcome.item for outcome in failed])
        for outcome in failed:
            stored, _complaint = found.get(outcome.item, (None, None))
            if stored is None or stored.status != "pending":
                continue
            detail = {
                "message": stored.message_id,
                "channel": stored.channel,
                "attempts": stored.attempts,
            }
            self._failed(session, stored, outcome, now, detail)
            counted.append(Counted(stored.channel, stored.kind, RESULTS[stored.status]))

    def _failed(
        self,
        session: Session,
        stored: OutboxItem,
        outcome: Outcome,
        now: datetime,
        detail: dict[str, Any],
    ) -> None:
        """Give up, or plan the next attempt; the log line names the complaint and the reason
        without personal data (`outcome.said`), the timeline keeps the peer's full answer."""
        stored.last_error = outcome.failed[:500]
        number = (stored.payload or {}).get("complaint", "")
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
            if self.given_up is not None:
                self.given_up(session, stored, outcome.told, now)
            log.error(
                "delivery of message %s of %s via %s failed for good after %d attempt(s): %s",
                stored.message_id,
                number or "?",
                stored.channel,
                stored.attempts,
                outcome.said,
                extra={"complaint": number},
            )
            return
        wait = self.backoff(stored.attempts)
        if outcome.retry_after is not None:  # the peer said when: never sooner
            wait = max(wait, timedelta(seconds=outcome.retry_after))
        stored.next_attempt_at = now + wait
        log.warning(
            "delivery of message %s of %s via %s failed (attempt %d: %s), retrying at %s",
            stored.message_id,
            number or "?",
            stored.channel,
            stored.attempts,
            outcome.said,
            stored.next_attempt_at.isoformat(),
            extra={"complaint": number},
        )

    def _count(self, counted: list[Counted]) -> None:
        for channel, kind, result in counted:
            self.metrics.deliveries.labels(channel, kind, result).inc()
            if kind == "acknowledgement" and result == "sent":
                self.metrics.acknowledgements_sent.labels(channel, "outbox").inc()

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure: retry_base doubled each time, capped."""
        return min(self.settings.retry_base * (2 ** (attempts - 1)), self.settings.retry_max)


def _reasons(error: BaseException) -> tuple[str, str]:
    """A failure's reason for the log line and for the desk's notice (see `Outcome`)."""
    return safe_reason(error), safe_reason(error, for_log=False)
