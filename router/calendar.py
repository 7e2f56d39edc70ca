"""Working-time arithmetic: when a service-level target falls due if only business hours count.

A grade's targets ("answer within 8 hours") are working time when the desk has business hours,
so a complaint that arrives on Friday evening is not late on Saturday morning. `None` as the
calendar means the desk is always open and a deadline is plain elapsed time.

How wall-clock shifts become instants: each shift of each local date is built as two aware
datetimes in the calendar's zone and compared in UTC. A shift therefore lasts the real elapsed
time between its local start and end as the zone defines that day: 09:00-18:00 is 9 hours on
every ordinary date, and 00:00-06:00 is 5 hours on a spring-forward night and 7 on a fall-back
one. A wall time the clocks skip (02:30 on a spring-forward night) stands for the instant the
clocks jump; a wall time that happens twice stands for its first occurrence. Both rules keep the
mapping from wall time to instant monotonic, so shifts never overlap or run backwards.

Everything here is pure and uses only the standard library; instants go in aware and come out
in UTC, the form the store keeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Shift = tuple[time, time]
"""A local (start, end) pair; an end of 00:00 means midnight at the end of the day ("24:00")."""

END_OF_DAY = time(0)
"""A shift end of 00:00 reads as 24:00: `time` cannot say 24:00 and a shift cannot end at 0."""

ALWAYS_OPEN: None = None
"""The calendar of a desk that never closes: deadlines are start plus duration."""

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_SHIFT = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarError(ValueError):
    """A wrong entry of a calendar's settings form: `setting` names which of them (timezone,
    hours or holidays) and `reason` says what is wrong with it, so that the settings loader
    names the key itself instead of the key it happened to be checking."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"{setting}: {reason}")
        self.setting, self.reason = setting, reason


@dataclass(frozen=True)
class WorkingCalendar:
    """Business hours in one time zone, with holidays; see the module docstring for DST.

    `shifts` maps a weekday (0 = Monday) to its ordered, non-overlapping shifts; a weekday that
    is missing or empty is not worked, and split shifts such as ((09:00, 13:00), (14:00, 18:00))
    are fine. Shifts are half-open: 18:00 is already closed. `holidays` are local dates on which
    no shift is worked; a shift running to 24:00 belongs wholly to the date it starts on.
    """

    timezone: ZoneInfo
    shifts: Mapping[int, tuple[Shift, ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        checked: dict[int, tuple[Shift, ...]] = {}
        for weekday, day_shifts in self.shifts.items():
            if weekday not in range(7):
                raise ValueError(f"weekday {weekday!r} is not 0 (Monday) to 6 (Sunday)")
            day_shifts = tuple(day_shifts)
            _check_day(DAY_KEYS[weekday], day_shifts)
            if day_shifts:
                checked[weekday] = day_shifts
        if not checked:
            raise ValueError("no working hours: every day of the week is closed")
        # A private read-only copy: the caller's dict may change, the calendar may not.
        object.__setattr__(self, "shifts", MappingProxyType(checked))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `start`, in UTC.

        A start outside working time counts from the next opening, so a zero duration gives
        `start` itself when the desk is open and the next opening when it is not. A duration
        that runs out exactly at a closing time gives that closing time, not the next opening:
        a reply due "by the end of the day" is due at 18:00, not at 09:00 tomorrow.
        Work goes day by day, never minute by minute, so long targets stay cheap.
        """
        _require_aware(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration {duration} is negative")
        now = start.astimezone(UTC)
        remaining = duration
        for opens, closes in self._intervals_from(now):
            if closes <= now:
                continue
            begin = max(opens, now)
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    def is_working(self, moment: datetime) -> bool:
        """Whether the desk is open at `moment` (opening instant included, closing excluded)."""
        _require_aware(moment, "moment")
        instant = moment.astimezone(UTC)
        day = instant.astimezone(self.timezone).date()
        return any(
            opens <= instant < closes
            for other in (day - _DAY, day, day + _DAY)
            for opens, closes in self._intervals(other)
        )

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much working time lies in [start, end); `add(start, it)` lands back on `end`.

        The round trip holds whenever `end` is in working time or is a closing time; an `end`
        in closed hours comes back as the closing time before it (or, with no working time
        in between, as the next opening).
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        begin, finish = start.astimezone(UTC), end.astimezone(UTC)
        if finish < begin:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        total = _ZERO
        for opens, closes in self._intervals_from(begin):
            if opens >= finish:
                break
            overlap = min(closes, finish) - max(opens, begin)
            if overlap > _ZERO:
                total += overlap
        return total

    def _intervals_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Every working interval, in order, from the local date before `instant` onwards.

        The day before is included so that nothing reaching into `instant`'s date is missed;
        callers skip intervals that closed already. Endless: a calendar always has a weekday
        with hours and only finitely many holidays.
        """
        day = instant.astimezone(self.timezone).date() - _DAY
        while True:
            yield from self._intervals(day)
            day += _DAY

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The shifts of one local date as UTC instants; empty on holidays and closed days."""
        if day in self.holidays:
            return []
        intervals = []
        for start, end in self.shifts.get(day.weekday(), ()):
            opens = _instant(day, start, self.timezone)
            if end == END_OF_DAY:
                closes = _instant(day + _DAY, END_OF_DAY, self.timezone)
            else:
                closes = _instant(day, end, self.timezone)
            if closes > opens:  # a shift lying wholly in a DST gap has no length that day
                intervals.append((opens, closes))
        return intervals


def deadline(start: datetime, duration: timedelta, calendar: WorkingCalendar | None) -> datetime:
    """When a target of `duration` counted from `start` falls due, in UTC.

    Without a calendar the desk is always open and the answer is elapsed time, added in UTC:
    aware arithmetic in a local zone would add wall-clock time and be an hour off across DST.
    """
    if calendar is None:
        _require_aware(start, "start")
        return start.astimezone(UTC) + duration
    return calendar.add(start, duration)


def parse_calendar(
    timezone: str, hours: Mapping[str, list[str]], holidays: list[str]
) -> WorkingCalendar:
    """A calendar from its settings form; a `CalendarError` names the entry that is wrong.

    `hours` maps day keys ("mon".."sun", or a range such as "mon-fri") to shifts written
    "09:00-13:00"; a shift may end at "24:00". `holidays` are dates written "2026-12-25".
    A day named twice (say by "mon-fri" and "mon") is refused rather than merged or overridden,
    because either reading would be a guess.
    """
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        reason = f'unknown time zone {timezone!r}; write an IANA zone such as "Europe/Madrid"'
        raise CalendarError("timezone", reason) from None

    shifts: dict[int, tuple[Shift, ...]] = {}
    for key, entries in hours.items():
        if isinstance(entries, str) or not isinstance(entries, list | tuple):
            raise CalendarError("hours", f"{key!r}: expected a list of shifts like ['09:00-18:00']")
        day_shifts = tuple(sorted(_parse_shift(key, entry) for entry in entries))
        _check_day(key, day_shifts, midnight_end_written="24:00")
        for weekday in _parse_day_key(key):
            if weekday in shifts:
                raise CalendarError(
                    "hours", f"{key!r}: {DAY_KEYS[weekday]} is given more than once"
                )
            shifts[weekday] = day_shifts

    if not any(shifts.values()):
        raise CalendarError("hours", "no working hours: every day of the week is closed")
    return WorkingCalendar(
        timezone=zone,
        shifts=shifts,
        holidays=frozenset(_parse_holiday(entry) for entry in holidays),
    )


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `wall` on local date `day` (see the module docstring)."""
    local = datetime.combine(day, wall, tzinfo=zone)  # fold=0: first occurrence when repeated
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    return _jump(local)


def _jump(skipped: datetime) -> datetime:
    """The instant the clocks jumped over the nonexistent local time `skipped`.

    The zone's offset changes somewhere between reading `skipped` with the later offset
    (an instant just before the jump) and with the earlier one (just after it); offsets change
    on whole seconds, so a bisection of a few steps finds it.
    """
    zone = skipped.tzinfo
    before = int(skipped.replace(fold=1).astimezone(UTC).timestamp())
    after = int(skipped.replace(fold=0).astimezone(UTC).timestamp())
    offset_before = datetime.fromtimestamp(before, zone).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return datetime.fromtimestamp(after, UTC)


def _check_day(
    key: str, day_shifts: tuple[Shift, ...], midnight_end_written: str = "00:00"
) -> None:
    """Refuse shifts that are not naive, ordered, forward and non-overlapping."""
    previous_end: time | None = None
    for start, end in day_shifts:
        shown = f"{start:%H:%M}-{midnight_end_written if end == END_OF_DAY else f'{end:%H:%M}'}"
        if start.tzinfo is not None or end.tzinfo is not None:
            raise CalendarError(
                "hours", f"{key!r}: shift {shown} must use local times without a zone"
            )
        if end != END_OF_DAY and end < start:
            raise CalendarError("hours", f"{key!r}: shift {shown} ends before it starts")
        if end != END_OF_DAY and end == start:
            raise CalendarError("hours", f"{key!r}: shift {shown} starts and ends at the same time")
        if previous_end is not None and (previous_end == END_OF_DAY or start < previous_end):
            raise CalendarError("hours", f"{key!r}: shift {shown} overlaps the shift before it")
        previous_end = end


def _parse_shift(key: str, entry: object) -> Shift:
    found = _SHIFT.fullmatch(entry) if isinstance(entry, str) else None
    if found is None:
        raise CalendarError("hours", f"{key!r}: {entry!r} is not a shift like '09:00-18:00'")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in found.groups())
    if start_hour > 23 or start_minute > 59:
        raise CalendarError("hours", f"{key!r}: {entry!r} has a bad start time")
    if (end_hour, end_minute) == (24, 0):
        return time(start_hour, start_minute), END_OF_DAY
    if end_hour > 23 or end_minute > 59:
        raise CalendarError("hours", f"{key!r}: {entry!r} has a bad end time")
    if (end_hour, end_minute) == (0, 0):
        raise CalendarError("hours", f"{key!r}: {entry!r} ends at 00:00; write 24:00 for midnight")
    return time(start_hour, start_minute), time(end_hour, end_minute)


def _parse_day_key(key: str) -> range:
    """Weekday numbers for "mon" or for a forward range such as "mon-fri"."""
    first, dash, last = key.strip().lower().partition("-")
    if first in DAY_KEYS and not dash:
        return range(DAY_KEYS.index(first), DAY_KEYS.index(first) + 1)
    if first in DAY_KEYS and last in DAY_KEYS and DAY_KEYS.index(first) < DAY_KEYS.index(last):
        return range(DAY_KEYS.index(first), DAY_KEYS.index(last) + 1)
    raise CalendarError("hours", f"{key!r}: unknown day; use mon..sun or a range such as mon-fri")


def _parse_holiday(entry: object) -> date:
    if isinstance(entry, str) and _DATE.fullmatch(entry.strip()):
        try:
            return date.fromisoformat(entry.strip())
        except ValueError:
            pass
    raise CalendarError("holidays", f'{entry!r} is not a date; write YYYY-MM-DD, e.g. "2026-12-25"')


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} {moment.isoformat()} has no time zone")
