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
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from complaints.clock import Clock
from scheduler.settings import HotSpotSettings
from store import queries
from store.database import Database
from store.models import Agent, Complaint, HotSpotAlert
from store.queries import COMPLAINTS

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEWEST = 5
"""How many of the spot's newest complaint numbers the alert names."""
DIMENSIONS = {"category": COMPLAINTS.c.category, "product": COMPLAINTS.c.product}
ALERTS = SQLModel.metadata.tables["hot_spot_alerts"]


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
        can_send: Callable[[str, str], bool],
        telegram_enabled: bool,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.settings = settings
        self.can_send = can_send
        self.telegram_enabled = telegram_enabled
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
        for dimension, column in DIMENSIONS.items():
            alerted = sa.exists().where(
                ALERTS.c.dimension == dimension,
                ALERTS.c.value == column,
                ALERTS.c.window_start == start,
            )
            busy = _counts(session, column, start, end, ~alerted, min_count=settings.min_count)
            if not busy:
                continue
            before = _counts(session, column, baseline_from, start, column.in_(list(busy)))
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
        admins = session.exec(
            select(Agent)
            .where(Agent.role == "admin", col(Agent.active).is_(True))
            .order_by(col(Agent.id))
        ).all()
        targets = [target for admin in admins if (target := self._target(admin))]
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
            try:
                with session.begin_nested():
                    session.add(alert)
            except IntegrityError:
                continue  # another bot on this store alerted it a moment ago
            newest = _newest(session, DIMENSIONS[spot.dimension], spot.value, start, end)
            complaint = session.get(Complaint, newest[0][0])
            assert complaint is not None
            text = _message(spot, start, end, self.settings, [number for _, number in newest])
            for channel, address in targets:
                queries.queue_message(
                    session,
                    complaint,
                    channel,
                    address,
                    "notification",
                    text,
                    now,
                    to_customer=False,
                )
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
                    "window_start": start.isoformat(),
                    "told": [f"{channel}:{address}" for channel, address in targets],
                },
            )
            recorded.append(alert)
        if recorded and not targets:
            log.warning(
                "hot spots found, but no active admin has a Telegram id or e-mail address the "
                "bot can write to; give an admin an e-mail address (/api/accounts)"
            )
        return recorded

    def _target(self, admin: Agent) -> tuple[str, str] | None:
        """The admin's private Telegram chat when the bot can write there, else their e-mail."""
        if self.telegram_enabled and admin.telegram_user_id is not None:
            address = str(admin.telegram_user_id)
            if self.can_send("telegram", address):
                return "telegram", address
        if admin.email and self.can_send("email", admin.email):
            return "email", admin.email
        return None


def _counts(
    session: Session,
    column: Any,
    since: datetime,
    until: datetime,
    condition: Any,
    min_count: int = 0,
) -> dict[str, int]:
    """Complaints per non-empty value of `column` opened in [since, until)."""
    number = sa.func.count()
    query = (
        sa.select(column, number)
        .where(
            COMPLAINTS.c.created_at >= since,
            COMPLAINTS.c.created_at < until,
            column != "",
            condition,
        )
        .group_by(column)
    )
    if min_count:
        query = query.having(number >= min_count)
    return {value: count for value, count in session.execute(query)}


def _newest(
    session: Session, column: Any, value: str, start: datetime, end: datetime
) -> list[tuple[int, str]]:
    rows = session.execute(
        sa.select(COMPLAINTS.c.id, COMPLAINTS.c.number)
        .where(COMPLAINTS.c.created_at >= start, COMPLAINTS.c.created_at < end, column == value)
        .order_by(COMPLAINTS.c.created_at.desc(), COMPLAINTS.c.id.desc())
        .limit(NEWEST)
    )
    return [(row[0], row[1] or "") for row in rows]


def _message(
    spot: Spot, start: datetime, end: datetime, settings: HotSpotSettings, numbers: list[str]
) -> str:
    return (
        f"Hot spot: {spot.dimension} {spot.value!r} has {spot.count} complaints between "
        f"{start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC, against a baseline of "
        f"{spot.baseline:g} per window over the {settings.baseline_windows} windows before "
        f"(alert at {settings.factor:g}x and at least {settings.min_count}). "
        f"Newest: {', '.join(numbers)}."
    )
