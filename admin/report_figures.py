"""The figures of a report, computed in Python over plain rows (so the same code runs on
SQLite and PostgreSQL; a period holds at most tens of thousands of complaints)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from admin.report_model import TREND_WEEKS, Compliance, Durations, Report, Satisfaction, Trend
from admin.report_period import WEEK, week_start
from complaints.workflow import FINISHED, SOLVED, WAITING
from store.queries.reports import ReportRow

TOP = 10
RESOLVED = SOLVED
"""A reopened complaint is not resolved any more, whatever its old resolved_at says."""
NOT_SERVED = FINISHED - SOLVED
"""Left out of SLA compliance: a rejected complaint is not worked to a resolution. (A merged one
is served and counted on the complaint it was merged into: reports never read it.)"""


def build(
    rows: Sequence[ReportRow],
    scores: Sequence[int],
    since: datetime,
    until: datetime,
    now: datetime,
    zone: ZoneInfo,
    department: str | None = None,
    scope: tuple[str, ...] | None = None,
) -> Report:
    """The report over `rows` (which may reach back further than `since`, for the trends) and
    the survey `scores` given in the period (`store.queries.reports.survey_answers`)."""
    inside = [row for row in rows if since <= row.created_at < until]
    weeks = _weeks(since, until, zone)
    trend_end = min(until, now)
    return Report(
        since=since,
        until=until,
        timezone=str(zone),
        department=department,
        scope=scope,
        total=len(inside),
        by_category=_ranked(row.category for row in inside),
        by_department=_ranked(row.department for row in inside),
        by_grade=_ranked(row.grade for row in inside),
        by_channel=_ranked(row.channel for row in inside),
        weeks=weeks,
        by_week=_weekly(inside, weeks, zone),
        first_response=Durations.of(
            [
                _hours(row.first_response_at - row.created_at)
                for row in inside
                if row.first_response_at
            ]
        ),
        resolution=Durations.of(
            [_hours(at - row.created_at) for row in inside if (at := _resolved_at(row))]
        ),
        first_response_sla=_compliance(
            ((row.status, row.first_response_due, row.first_response_at) for row in inside), now
        ),
        resolution_sla=_compliance(
            ((row.status, row.resolution_due, _resolved_at(row)) for row in inside), now
        ),
        satisfaction=_satisfaction(scores),
        top_categories=_top(rows, inside, weeks, zone, trend_end, lambda row: row.category),
        top_products=_top(rows, inside, weeks, zone, trend_end, lambda row: row.product),
    )


def _weeks(since: datetime, until: datetime, zone: ZoneInfo) -> list[date]:
    first, last = week_start(since, zone), week_start(until - timedelta.resolution, zone)
    return [first + timedelta(days=7 * n) for n in range((last - first).days // 7 + 1)]


def _weekly(rows: Iterable[ReportRow], weeks: list[date], zone: ZoneInfo) -> list[int]:
    counted = Counter(week_start(row.created_at, zone) for row in rows)
    return [counted[week] for week in weeks]


def _ranked(values: Iterable[str]) -> list[tuple[str, int]]:
    """Counts, the most frequent first, then by name."""
    return sorted(Counter(values).items(), key=lambda pair: (-pair[1], pair[0]))


def _hours(span: timedelta) -> float:
    return span.total_seconds() / 3600


def _resolved_at(row: ReportRow) -> datetime | None:
    return row.resolved_at if row.status in RESOLVED else None


def _compliance(
    cases: Iterable[tuple[str, datetime | None, datetime | None]], now: datetime
) -> Compliance:
    """Met: done by the due time. Missed: done later, or not done and already past due while
    its clock runs, as the queue's `overdue` judges it. Left out: not yet due, no due time,
    rejected or merged (NOT_SERVED), or not done while the desk waits for the customer (WAITING:
    its clock is paused, and its deadlines move on by the wait when the customer answers)."""
    met = missed = 0
    for status, due, done in cases:
        if status in NOT_SERVED or due is None:
            continue
        if done is not None:
            met += done <= due
            missed += done > due
        elif due <= now and status not in WAITING:
            missed += 1
    return Compliance(met, missed)


def _satisfaction(scores: Sequence[int]) -> Satisfaction:
    counted = Counter(scores)
    return Satisfaction(
        answered=len(scores),
        mean=round(statistics.fmean(scores), 2) if scores else None,
        distribution={score: counted[score] for score in range(1, 6)},
    )


def _top(
    rows: Sequence[ReportRow],
    inside: Sequence[ReportRow],
    weeks: list[date],
    zone: ZoneInfo,
    trend_end: datetime,
    value_of: Callable[[ReportRow], str],
) -> list[Trend]:
    """The TOP most frequent values in the period (empty ones, e.g. no product, left out)."""
    ranked = [(value, n) for value, n in _ranked(map(value_of, inside)) if value][:TOP]
    span = TREND_WEEKS * WEEK
    trends = []
    for value, count in ranked:
        times = [row.created_at for row in rows if value_of(row) == value]
        trends.append(
            Trend(
                value=value,
                count=count,
                last_weeks=sum(trend_end - span <= at < trend_end for at in times),
                previous_weeks=sum(trend_end - 2 * span <= at < trend_end - span for at in times),
                weekly=tuple(_weekly((r for r in inside if value_of(r) == value), weeks, zone)),
            )
        )
    return trends
