"""Hot spots: a category or product that suddenly gets markedly more complaints than usual (a
faulty batch, a broken checkout, an outage), so admins hear of it while it is happening.

Windows are fixed, not sliding: a window starts at the Unix epoch plus a whole number of windows
(with the default "1d", at midnight UTC; a "7d" window starts on Thursdays, as the epoch did).
The running window [start, start + window) is compared with the mean count of the same value
over the `baseline_windows` whole windows before it. A spot has count >= min_count and count >=
factor × baseline; with no complaints at all before (baseline 0), min_count alone decides. A spot
is alerted at most once per window: its row in hot_spot_alerts (unique per dimension, value and
window start) is the memory, and the constraint holds even when two bots sweep one store. Fixed
windows mean a burst that straddles a boundary is judged in two halves; in exchange the same
complaints never raise two alerts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from complaints.addresses import EMAIL, TELEGRAM, Address
from complaints.clock import Clock, json_moment
from outbox.notify import Notifier
from outbox.staff_texts import StaffName, StaffWord
from scheduler.settings import HotSpotSettings
from store import queries
from store.database import Database
from store.models import Agent, HotSpotAlert
from store.queries.accounts import active_admins
from store.queries.complaints import complaint_by_id
from store.queries.hot_spots import (
    DIMENSIONS,
    newest_complaints,
    record_alert,
    unalerted_counts,
    value_counts,
)

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEWEST = 5
"""How many of the spot's newest complaint numbers the alert names."""


def window_start(now: datetime, window: timedelta) -> datetime:
    """The start of the fixed window `now` falls in."""
    return EPOCH + (now - EPOCH) // window * window


@dataclass(frozen=True)
class Spot:
    dimension: str
    value: str
    count: int
    baseline: float


class HotSpots:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: HotSpotSettings,
        notifier: Notifier,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.settings = settings
        self.notifier = notifier
        self.on_queued = on_queued

    async def sweep(self) -> list[HotSpotAlert]:
        """Alert every new spot of the running window; the alerts recorded now.

        When nothing is busy this is one grouped query per dimension, on the reader."""
        now = self.clock.now()
        start = window_start(now, self.settings.window)
        spots = await self.database.read(lambda s: self._spots(s, start))
        if not spots:
            return []
        alerts = await self.database.write(lambda s: self._alert(s, spots, start, now))
        if alerts:
            self.on_queued()
            log.info("hot spots: %s", ", ".join(f"{a.dimension} {a.value!r}" for a in alerts))
        return alerts

    def _spots(self, session: Session, start: datetime) -> list[Spot]:
        settings = self.settings
        end = start + settings.window
        baseline_from = start - settings.baseline_windows * settings.window
        spots = []
        for dimension in DIMENSIONS:
            busy = unalerted_counts(
                session, dimension=dimension, since=start, until=end, min_count=settings.min_count
            )
            if not busy:
                continue
            before = value_counts(
                session, dimension=dimension, since=baseline_from, until=start, values=list(busy)
            )
            for value, count in busy.items():
                baseline = before.get(value, 0) / settings.baseline_windows
                if count >= settings.factor * baseline:
                    spots.append(Spot(dimension, value, count, round(baseline, 2)))
        return spots

    def _alert(
        self, session: Session, spots: Sequence[Spot], start: datetime, now: datetime
    ) -> list[HotSpotAlert]:
        """Record each spot and tell every active admin, in this one transaction."""
        end = start + self.settings.window
        targets = [target for admin in active_admins(session) if (target := self._target(admin))]
        recorded = []
        for spot in spots:
            alert = HotSpotAlert(
                dimension=spot.dimension,
                value=spot.value,
                window_start=start,
                window_end=end,
                count=spot.count,
                baseline=spot.baseline,
                created_at=now,
            )
            if not record_alert(session, alert=alert):
                continue  # another bot on this store alerted it a moment ago
            self._tell(session, spot, start, now, targets)
            recorded.append(alert)
        if recorded and not targets:
            log.warning(
                "hot spots found, but no active admin has a Telegram id or e-mail address the "
                "bot can write to; give an admin an e-mail address (/api/accounts)"
            )
        return recorded

    def _tell(
        self,
        session: Session,
        spot: Spot,
        start: datetime,
        now: datetime,
        targets: Sequence[Address],
    ) -> None:
        """Queue the alert for every target, on the spot's newest complaint's timeline."""
        end = start + self.settings.window
        newest = newest_complaints(
            session,
            dimension=spot.dimension,
            value=spot.value,
            since=start,
            until=end,
            limit=NEWEST,
        )
        complaint = complaint_by_id(session, complaint_id=newest[0][0])
        assert complaint is not None
        values = _values(spot, start, end, self.settings, [number for _, number in newest])
        if spot.dimension == "category":
            values["value"] = StaffName("category", spot.value)
        values["dimension"] = StaffWord(f"dimension.{spot.dimension}")
        for target in targets:
            self.notifier.tell_staff(session, complaint, target, "hot_spot", now, **values)
        queries.add_event(
            session,
            complaint.id or 0,
            now,
            "system",
            "hot_spot",
            {
                "dimension": spot.dimension,
                "value": spot.value,
                "count": spot.count,
                "baseline": spot.baseline,
                "window_start": json_moment(start),
                "told": [str(target) for target in targets],
            },
        )

    def _target(self, admin: Agent) -> Address | None:
        """The admin's private Telegram chat when the bot can write there, else their e-mail."""
        can_send = self.notifier.can_send
        if admin.telegram_user_id is not None and can_send(TELEGRAM, str(admin.telegram_user_id)):
            return Address(TELEGRAM, str(admin.telegram_user_id))
        if admin.email and can_send(EMAIL, admin.email):
            return Address(EMAIL, admin.email)
        return None


def _values(
    spot: Spot, start: datetime, end: datetime, settings: HotSpotSettings, numbers: list[str]
) -> dict[str, object]:
    """The values of the "hot_spot" staff text (outbox.staff_texts)."""
    return {
        "dimension": spot.dimension,
        "value": repr(spot.value),
        "count": spot.count,
        "start": f"{start:%Y-%m-%d %H:%M}",
        "end": f"{end:%Y-%m-%d %H:%M}",
        "baseline": f"{spot.baseline:g}",
        "windows": settings.baseline_windows,
        "factor": f"{settings.factor:g}",
        "min_count": settings.min_count,
        "numbers": ", ".join(numbers),
    }
