"""A report's period: [since, until) from the query, in weeks that start on Monday at 00:00 in
the bot's time zone (settings `[bot] timezone`), the zone staff plan their weeks in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from complaints.errors import ReportError

WEEK = timedelta(days=7)
DEFAULT_WEEKS = 12
MAX_PERIOD = timedelta(days=366)


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
            "%(period_field)s='%(text)s' is not a date; write 2026-03-02 or 2026-03-02T09:00Z",
            period_field=name,
            text=text,
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
        raise ReportError("%(start)s must be before %(end)s", start="since", end="until")
    if end - start > MAX_PERIOD:
        raise ReportError(
            "a report covers at most %(days)s days; shorten the period", days=MAX_PERIOD.days
        )
    return start, end
