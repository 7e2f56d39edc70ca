"""Reports for continuous improvement: where complaints come from, how fast they are answered
and resolved, whether the service levels are kept, how satisfied customers are, and which
categories and products are getting worse.

Every figure is about the complaints *opened* in the period [since, until); their outcome
(answered, resolved, surveyed) is judged as it stands now. Weeks start on Monday at 00:00 in
the bot's time zone (settings `[bot] timezone`), the zone staff plan their weeks in. Rows are
fetched as plain tuples and bucketed in Python, so the same code runs on SQLite and PostgreSQL
(a period holds at most tens of thousands of complaints).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from admin.accounts import sees
from complaints.clock import Clock
from complaints.errors import NotAllowed, ReportError
from complaints.workflow import FINISHED, SOLVED
from store.database import Database
from store.models import Agent, Department
from store.queries import COMPLAINTS

WEEK = timedelta(days=7)
DEFAULT_WEEKS = 12
TREND_WEEKS = 4
"""A trend compares the last TREND_WEEKS weeks with the TREND_WEEKS weeks before them."""
TOP = 10
MAX_PERIOD = timedelta(days=366)
RESOLVED = SOLVED
"""A reopened complaint is not resolved any more, whatever its old resolved_at says."""
NOT_SERVED = FINISHED - SOLVED
"""Left out of SLA compliance: a rejected complaint is not worked to a resolution, and a merged
one is served (and counted) on the complaint it was merged into."""
TABLES = (
    "by_category",
    "by_department",
    "by_grade",
    "by_channel",
    "by_week",
    "top_categories",
    "top_products",
    "times",
)
"""The tables a report can be downloaded as (CSV)."""


class Row(NamedTuple):
    """One complaint, as much of it as a report needs."""

    created_at: datetime
    category: str
    department: str
    grade: str
    channel: str
    product: str
    status: str
    first_response_due: datetime | None
    first_response_at: datetime | None
    resolution_due: datetime | None
    resolved_at: datetime | None
    survey_score: int | None


_COLUMNS = [getattr(COMPLAINTS.c, name) for name in Row._fields]


@dataclass(frozen=True)
class Durations:
    """How long something took, in hours."""

    count: int
    median_hours: float | None
    mean_hours: float | None
    p90_hours: float | None

    @classmethod
    def of(cls, hours: Sequence[float]) -> Durations:
        """p90 interpolates between the two nearest values (statistics' "inclusive" method)."""
        if not hours:
            return cls(0, None, None, None)
        p90 = (
            hours[0]
            if len(hours) == 1
            else statistics.quantiles(hours, n=10, method="inclusive")[-1]
        )
        return cls(
            len(hours),
            round(statistics.median(hours), 2),
            round(statistics.fmean(hours), 2),
            round(p90, 2),
        )


@dataclass(frozen=True)
class Compliance:
    met: int
    missed: int

    @property
    def share(self) -> float | None:
        """Met / (met + missed); None when nothing was due yet."""
        judged = self.met + self.missed
        return round(self.met / judged, 4) if judged else None

    def cells(self) -> list[Any]:
        return [self.met, self.missed, self.share]


@dataclass(frozen=True)
class Satisfaction:
    answered: int
    mean: float | None
    distribution: dict[int, int]


@dataclass(frozen=True)
class Trend:
    """A category or product: its count in the period, the last four weeks against the four
    before (up to now, or to the period's end if that is earlier), and one count per week."""

    value: str
    count: int
    last_weeks: int
    previous_weeks: int
    weekly: tuple[int, ...]


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    timezone: str
    department: str | None
    scope: tuple[str, ...] | None
    """The departments the reader may see; None: all."""
    total: int
    by_category: list[tuple[str, int]]
    by_department: list[tuple[str, int]]
    by_grade: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    weeks: list[date]
    by_week: list[int]
    first_response: Durations
    resolution: Durations
    first_response_sla: Compliance
    resolution_sla: Compliance
    satisfaction: Satisfaction
    top_categories: list[Trend]
    top_products: list[Trend]

    def as_json(self) -> dict[str, Any]:
        def counts(pairs: list[tuple[str, int]]) -> list[dict[str, Any]]:
            return [{"value": value, "count": count} for value, count in pairs]

        def trends(items: list[Trend]) -> list[dict[str, Any]]:
            return [
                {
                    "value": t.value,
                    "count": t.count,
                    f"last_{TREND_WEEKS}_weeks": t.last_weeks,
                    f"previous_{TREND_WEEKS}_weeks": t.previous_weeks,
                    "weekly": list(t.weekly),
                }
                for t in items
            ]

        def sla(compliance: Compliance) -> dict[str, Any]:
            return {"met": compliance.met, "missed": compliance.missed, "share": compliance.share}

        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "timezone": self.timezone,
            "department": self.department,
            "departments": list(self.scope) if self.scope is not None else None,
            "total": self.total,
            "by_category": counts(self.by_category),
            "by_department": counts(self.by_department),
            "by_grade": counts(self.by_grade),
            "by_channel": counts(self.by_channel),
            "by_week": [
                {"week": week.isoformat(), "count": count}
                for week, count in zip(self.weeks, self.by_week, strict=True)
            ],
            "first_response": vars(self.first_response),
            "resolution": vars(self.resolution),
            "sla": {
                "first_response": sla(self.first_response_sla),
                "resolution": sla(self.resolution_sla),
            },
            "satisfaction": {
                "answered": self.satisfaction.answered,
                "mean": self.satisfaction.mean,
                "distribution": {str(k): v for k, v in self.satisfaction.distribution.items()},
            },
            "top_categories": trends(self.top_categories),
            "top_products": trends(self.top_products),
        }

    def table(self, name: str) -> tuple[list[str], list[list[Any]]]:
        """One of TABLES as a header and rows, for CSV."""
        counted = {
            "by_category": ("category", self.by_category),
            "by_department": ("department", self.by_department),
            "by_grade": ("grade", self.by_grade),
            "by_channel": ("channel", self.by_channel),
        }
        if name in counted:
            label, pairs = counted[name]
            return [label, "complaints"], [[value, count] for value, count in pairs]
        if name == "by_week":
            weeks = zip(self.weeks, self.by_week, strict=True)
            return ["week_start", "complaints"], [[w.isoformat(), n] for w, n in weeks]
        if name in ("top_categories", "top_products"):
            header = [
                "category" if name == "top_categories" else "product",
                "complaints",
                f"last_{TREND_WEEKS}_weeks",
                f"previous_{TREND_WEEKS}_weeks",
                *(week.isoformat() for week in self.weeks),
            ]
            items = self.top_categories if name == "top_categories" else self.top_products
            return header, [
                [t.value, t.count, t.last_weeks, t.previous_weeks, *t.weekly] for t in items
            ]
        if name == "times":
            header = ["measure", "count", "median_hours", "mean_hours", "p90_hours"]
            header += ["sla_met", "sla_missed", "sla_share"]
            rows = [
                [measure, d.count, d.median_hours, d.mean_hours, d.p90_hours, *sla.cells()]
                for measure, d, sla in (
                    ("first_response", self.first_response, self.first_response_sla),
                    ("resolution", self.resolution, self.resolution_sla),
                )
            ]
            return header, rows
        raise ReportError(f"there is no report table {name!r}; tables: {', '.join(TABLES)}")


# ---- the period -------------------------------------------------------------------------------


def week_start(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday of the week `moment` falls in, in `zone`."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def parse_moment(text: str, name: str, zone: ZoneInfo) -> datetime:
    """A date (its midnight) or an ISO 8601 time; without an offset it is in `zone`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ReportError(
            f"{name}={text!r} is not a date; write 2026-03-02 or 2026-03-02T09:00Z"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def period(
    since: str | None, until: str | None, now: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """[since, until) from the query; by default the last DEFAULT_WEEKS weeks up to now, the
    first starting on a Monday, so every week but the running one is complete."""
    end = parse_moment(until, "until", zone) if until else now
    if since:
        start = parse_moment(since, "since", zone)
    else:
        first = week_start(end - timedelta.resolution, zone) - (DEFAULT_WEEKS - 1) * WEEK
        start = datetime.combine(first, time(), zone)
    if start >= end:
        raise ReportError("since must be before until")
    if end - start > MAX_PERIOD:
        raise ReportError(f"a report covers at most {MAX_PERIOD.days} days; shorten the period")
    return start, end


# ---- the report -------------------------------------------------------------------------------


class Reports:
    def __init__(self, database: Database, clock: Clock, zone: ZoneInfo) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone

    async def report(
        self,
        reader: Agent,
        since: str | None = None,
        until: str | None = None,
        department: str | None = None,
    ) -> Report:
        """The report `reader` may see: a supervisor only their departments' complaints."""
        now = self.clock.now()
        start, end = period(since, until, now, self.zone)
        if department and not sees(reader, department):
            raise NotAllowed(
                f"you see reports of {', '.join(reader.departments or [])} only, "
                f"not of {department}"
            )
        scope = (
            None if reader.role == "admin" or not reader.departments else tuple(reader.departments)
        )
        trend_end = min(end, now)
        fetch_from = min(start, trend_end - 2 * TREND_WEEKS * WEEK)

        def work(session: Session) -> list[Row]:
            if department and session.get(Department, department) is None:
                known = ", ".join(sorted(session.exec(select(Department.key))))
                raise ReportError(f"there is no department {department!r}; departments: {known}")
            return _rows(session, fetch_from, end, [department] if department else scope)

        rows = await self.database.read(work)
        return build(rows, start, end, now, self.zone, department or None, scope)


def _rows(
    session: Session, since: datetime, until: datetime, departments: Sequence[str] | None
) -> list[Row]:
    """The complaints opened in [since, until) of `departments` (None: all)."""
    query = sa.select(*_COLUMNS).where(
        COMPLAINTS.c.created_at >= since, COMPLAINTS.c.created_at < until
    )
    if departments is not None:
        query = query.where(COMPLAINTS.c.department.in_(list(departments)))
    return [Row(*row) for row in session.execute(query)]


def build(
    rows: Sequence[Row],
    since: datetime,
    until: datetime,
    now: datetime,
    zone: ZoneInfo,
    department: str | None = None,
    scope: tuple[str, ...] | None = None,
) -> Report:
    """The report over `rows` (which may reach back further than `since`, for the trends)."""
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
        satisfaction=_satisfaction(inside),
        top_categories=_top(rows, inside, weeks, zone, trend_end, lambda row: row.category),
        top_products=_top(rows, inside, weeks, zone, trend_end, lambda row: row.product),
    )


def _weeks(since: datetime, until: datetime, zone: ZoneInfo) -> list[date]:
    first, last = week_start(since, zone), week_start(until - timedelta.resolution, zone)
    return [first + timedelta(days=7 * n) for n in range((last - first).days // 7 + 1)]


def _weekly(rows: Iterable[Row], weeks: list[date], zone: ZoneInfo) -> list[int]:
    counted = Counter(week_start(row.created_at, zone) for row in rows)
    return [counted[week] for week in weeks]


def _ranked(values: Iterable[str]) -> list[tuple[str, int]]:
    """Counts, the most frequent first, then by name."""
    return sorted(Counter(values).items(), key=lambda pair: (-pair[1], pair[0]))


def _hours(span: timedelta) -> float:
    return span.total_seconds() / 3600


def _resolved_at(row: Row) -> datetime | None:
    return row.resolved_at if row.status in RESOLVED else None


def _compliance(
    cases: Iterable[tuple[str, datetime | None, datetime | None]], now: datetime
) -> Compliance:
    """Met: done by the due time. Missed: done later, or not done and already past due.
    Left out: not yet due, no due time, rejected or merged (NOT_SERVED)."""
    met = missed = 0
    for status, due, done in cases:
        if status in NOT_SERVED or due is None:
            continue
        if done is not None:
            met += done <= due
            missed += done > due
        elif due <= now:
            missed += 1
    return Compliance(met, missed)


def _satisfaction(rows: Iterable[Row]) -> Satisfaction:
    scores = [row.survey_score for row in rows if row.survey_score is not None]
    counted = Counter(scores)
    return Satisfaction(
        answered=len(scores),
        mean=round(statistics.fmean(scores), 2) if scores else None,
        distribution={score: counted[score] for score in range(1, 6)},
    )


def _top(
    rows: Sequence[Row],
    inside: Sequence[Row],
    weeks: list[date],
    zone: ZoneInfo,
    trend_end: datetime,
    value_of: Callable[[Row], str],
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


# ---- charts -------------------------------------------------------------------------------------

_BAR_HEIGHT, _GAP, _LABEL_WIDTH, _BAR_WIDTH, _TOP_MARGIN = 20, 6, 200, 360, 32


def bar_chart_svg(title: str, bars: Sequence[tuple[str, float]]) -> str:
    """A horizontal bar chart as a self-contained SVG (no scripts), for the console to embed.

    Labels come from customers (product names), so every text is XML-escaped; screen readers
    get the title through role="img" and aria-label."""
    largest = max((value for _, value in bars), default=0) or 1
    height = _TOP_MARGIN + len(bars) * (_BAR_HEIGHT + _GAP) + _GAP
    width = _LABEL_WIDTH + _BAR_WIDTH + 80
    quoted = escape(title, {'"': "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{quoted}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(bars):
        y = _TOP_MARGIN + index * (_BAR_HEIGHT + _GAP)
        shown = label if len(label) <= 30 else label[:29] + "…"
        length = round(_BAR_WIDTH * max(value, 0) / largest, 1)
        middle = y + _BAR_HEIGHT * 0.7
        parts += [
            f'<text x="{_LABEL_WIDTH - 6}" y="{middle}" font-size="12" '
            f'text-anchor="end">{escape(shown)}</text>',
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{length}" height="{_BAR_HEIGHT}" '
            'fill="#4a78b5"/>',
            f'<text x="{_LABEL_WIDTH + length + 6}" y="{middle}" font-size="12">{value:g}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)
