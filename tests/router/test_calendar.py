"""Working-time deadlines: weekends, split shifts, holidays, time zones and DST, as tables."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from router.calendar import (
    ALWAYS_OPEN,
    END_OF_DAY,
    WorkingCalendar,
    deadline,
    parse_calendar,
)

MADRID = ZoneInfo("Europe/Madrid")

# Madrid office: split shifts, Christmas, New Year and Easter (Thu 2, Fri 3, Mon 6 April 2026).
OFFICE = parse_calendar(
    "Europe/Madrid",
    {"mon-fri": ["09:00-13:00", "14:00-18:00"]},
    ["2026-12-25", "2027-01-01", "2026-04-02", "2026-04-03", "2026-04-06"],
)
SHANGHAI = parse_calendar("Asia/Shanghai", {"mon-fri": ["09:00-18:00"]}, [])
TAIPEI = parse_calendar("Asia/Taipei", {"mon-fri": ["08:30-12:00", "13:00-17:30"]}, [])
MEXICO = parse_calendar(
    "America/Mexico_City", {"mon-fri": ["09:00-18:00"], "sat": ["09:00-14:00"]}, []
)
# Madrid, shifts that straddle the DST changes (02:00 -> 03:00 in March, 03:00 -> 02:00 in October).
ROUND_THE_CLOCK = parse_calendar("Europe/Madrid", {"mon-sun": ["00:00-24:00"]}, [])
SUNDAY_NIGHT = parse_calendar("Europe/Madrid", {"sun": ["00:00-06:00"]}, [])
IN_THE_GAP = parse_calendar("Europe/Madrid", {"sun": ["02:30-04:00"]}, [])
# Chile moves its clocks at midnight: 2026-09-06 00:00 does not exist there.
SANTIAGO = parse_calendar("America/Santiago", {"sat-sun": ["00:00-24:00"]}, [])
LATE = parse_calendar("Europe/Madrid", {"mon-fri": ["16:00-24:00"]}, [])
YEAR_OFF = parse_calendar(
    "Europe/Madrid",
    {"mon-fri": ["09:00-18:00"]},
    [(date(2026, 1, 1) + timedelta(days=n)).isoformat() for n in range(365)],
)


def madrid(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MADRID)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    calendar: WorkingCalendar
    start: datetime
    duration: timedelta
    expected: datetime


H = timedelta(hours=1)
M = timedelta(minutes=1)

# 2026-03-02 is a Monday; Madrid is UTC+1 until 2026-03-29 and from 2026-10-25, else UTC+2.
CASES: Mapping[str, Case] = {
    # Madrid office, split shift 09-13 / 14-18.
    "within-a-shift": Case(OFFICE, madrid("2026-03-02 10:00"), 2 * H, madrid("2026-03-02 12:00")),
    "crossing-lunch": Case(OFFICE, madrid("2026-03-02 12:00"), 2 * H, madrid("2026-03-02 15:00")),
    "up-to-lunch-is-13:00": Case(
        OFFICE, madrid("2026-03-02 10:00"), 3 * H, madrid("2026-03-02 13:00")
    ),
    "start-at-lunch": Case(OFFICE, madrid("2026-03-02 13:30"), H, madrid("2026-03-02 15:00")),
    "friday-17:00-to-monday": Case(
        OFFICE, madrid("2026-03-06 17:00"), 2 * H, madrid("2026-03-09 10:00")
    ),
    "start-on-saturday": Case(OFFICE, madrid("2026-03-07 11:00"), H, madrid("2026-03-09 10:00")),
    "start-sunday-before-midnight": Case(
        OFFICE, madrid("2026-03-08 23:59"), 30 * M, madrid("2026-03-09 09:30")
    ),
    "start-before-opening": Case(OFFICE, madrid("2026-03-02 07:00"), H, madrid("2026-03-02 10:00")),
    "start-after-closing": Case(OFFICE, madrid("2026-03-02 20:00"), H, madrid("2026-03-03 10:00")),
    "start-at-closing": Case(OFFICE, madrid("2026-03-02 18:00"), H, madrid("2026-03-03 10:00")),
    "8h-ends-at-closing-not-next-opening": Case(
        OFFICE, madrid("2026-03-02 09:00"), 8 * H, madrid("2026-03-02 18:00")
    ),
    "8h-from-before-opening": Case(
        OFFICE, madrid("2026-03-02 08:00"), 8 * H, madrid("2026-03-02 18:00")
    ),
    "zero-inside-hours": Case(
        OFFICE, madrid("2026-03-02 10:00"), 0 * H, madrid("2026-03-02 10:00")
    ),
    "zero-at-opening": Case(OFFICE, madrid("2026-03-02 09:00"), 0 * H, madrid("2026-03-02 09:00")),
    "zero-at-lunch": Case(OFFICE, madrid("2026-03-02 13:00"), 0 * H, madrid("2026-03-02 14:00")),
    "zero-at-closing": Case(OFFICE, madrid("2026-03-02 18:00"), 0 * H, madrid("2026-03-03 09:00")),
    "zero-on-saturday": Case(OFFICE, madrid("2026-03-07 12:00"), 0 * H, madrid("2026-03-09 09:00")),
    "24h-of-work-is-three-days": Case(
        OFFICE, madrid("2026-03-02 09:00"), 24 * H, madrid("2026-03-04 18:00")
    ),
    "24h-of-work-over-a-weekend": Case(
        OFFICE, madrid("2026-03-04 15:00"), 24 * H, madrid("2026-03-09 15:00")
    ),
    "christmas-friday-holiday": Case(
        OFFICE, madrid("2026-12-24 17:00"), 2 * H, madrid("2026-12-28 10:00")
    ),
    "new-year-holiday": Case(OFFICE, madrid("2026-12-31 12:00"), 8 * H, madrid("2027-01-04 12:00")),
    "easter-consecutive-holidays": Case(
        OFFICE, madrid("2026-04-01 17:00"), 2 * H, madrid("2026-04-07 10:00")
    ),
    "30-days-of-work-over-easter-and-dst": Case(
        OFFICE, madrid("2026-03-02 09:00"), 240 * H, madrid("2026-04-15 18:00")
    ),
    "a-year-of-holidays": Case(YEAR_OFF, madrid("2026-01-01 09:00"), H, madrid("2027-01-01 10:00")),
    # Time zones, UTC in and out.
    "shanghai-utc": Case(SHANGHAI, utc("2026-03-02 01:00"), 4 * H, utc("2026-03-02 05:00")),
    "shanghai-utc-sunday-is-local-monday": Case(
        SHANGHAI, utc("2026-03-01 23:30"), H, utc("2026-03-02 02:00")
    ),
    "shanghai-utc-at-local-closing": Case(
        SHANGHAI, utc("2026-03-02 10:00"), H, utc("2026-03-03 02:00")
    ),
    "taipei-utc-friday-to-monday": Case(
        TAIPEI, utc("2026-03-06 09:00"), H, utc("2026-03-09 01:00")
    ),
    "taipei-utc-lunch": Case(TAIPEI, utc("2026-03-09 03:30"), H, utc("2026-03-09 05:30")),
    "mexico-utc-saturday-shift": Case(
        MEXICO, utc("2026-03-06 23:00"), 3 * H, utc("2026-03-07 17:00")
    ),
    "mexico-utc-no-dst-in-april": Case(MEXICO, utc("2026-04-06 15:00"), H, utc("2026-04-06 16:00")),
    "madrid-utc-weekend-of-spring-forward": Case(
        OFFICE, utc("2026-03-27 16:00"), 2 * H, utc("2026-03-30 08:00")
    ),
    "madrid-utc-weekend-of-fall-back": Case(
        OFFICE, utc("2026-10-23 15:00"), 2 * H, utc("2026-10-26 09:00")
    ),
    # DST days themselves: a shift is the real time between its wall-clock ends.
    "spring-forward-24h-open-is-24h-elapsed": Case(
        ROUND_THE_CLOCK, madrid("2026-03-28 12:00"), 24 * H, madrid("2026-03-29 13:00")
    ),
    "fall-back-24h-open-is-24h-elapsed": Case(
        ROUND_THE_CLOCK, madrid("2026-10-24 12:00"), 24 * H, madrid("2026-10-25 11:00")
    ),
    "spring-forward-00-06-is-5h": Case(
        SUNDAY_NIGHT, madrid("2026-03-29 00:00"), 5 * H, madrid("2026-03-29 06:00")
    ),
    "fall-back-00-06-is-7h": Case(
        SUNDAY_NIGHT, utc("2026-10-24 22:00"), 7 * H, utc("2026-10-25 05:00")
    ),
    "ordinary-sunday-00-06-is-6h": Case(
        SUNDAY_NIGHT, madrid("2026-03-22 00:00"), 6 * H, madrid("2026-03-22 06:00")
    ),
    "across-the-spring-gap": Case(
        SUNDAY_NIGHT, madrid("2026-03-29 01:30"), H, utc("2026-03-29 01:30")
    ),
    "shift-starting-in-the-gap-opens-at-the-jump": Case(
        IN_THE_GAP, madrid("2026-03-29 00:00"), 30 * M, madrid("2026-03-29 03:30")
    ),
    "shift-starting-in-the-repeated-hour-opens-at-its-first": Case(
        IN_THE_GAP, utc("2026-10-24 22:00"), 150 * M, utc("2026-10-25 03:00")
    ),
    "santiago-midnight-that-never-comes": Case(
        SANTIAGO, utc("2026-09-06 03:00"), 2 * H, utc("2026-09-06 05:00")
    ),
    "santiago-saturday-is-24h-sunday-23h": Case(
        SANTIAGO, utc("2026-09-05 04:00"), 47 * H, utc("2026-09-07 03:00")
    ),
    # Shifts running to 24:00.
    "shift-to-24:00-continues-next-day": Case(
        LATE, madrid("2026-03-02 23:00"), 2 * H, madrid("2026-03-03 17:00")
    ),
    "shift-to-24:00-ends-at-midnight": Case(
        LATE, madrid("2026-03-02 16:00"), 8 * H, madrid("2026-03-03 00:00")
    ),
    "24:00-meets-next-00:00": Case(
        ROUND_THE_CLOCK, madrid("2026-03-07 23:00"), 2 * H, madrid("2026-03-08 01:00")
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_add(case: Case) -> None:
    got = case.calendar.add(case.start, case.duration)
    assert got == case.expected, f"{got.astimezone(case.calendar.timezone)}"
    assert got.tzinfo is UTC


def test_the_gap_shift_is_one_hour_and_the_fold_shift_two_and_a_half() -> None:
    spring = IN_THE_GAP.working_time_between(madrid("2026-03-29 00:00"), madrid("2026-03-30 00:00"))
    autumn = IN_THE_GAP.working_time_between(madrid("2026-10-25 00:00"), madrid("2026-10-26 00:00"))
    assert (spring, autumn) == (H, 150 * M)


IS_WORKING = {
    "opening-instant": (OFFICE, madrid("2026-03-02 09:00"), True),
    "minute-before-opening": (OFFICE, madrid("2026-03-02 08:59"), False),
    "lunch": (OFFICE, madrid("2026-03-02 13:00"), False),
    "last-minute": (OFFICE, madrid("2026-03-02 17:59"), True),
    "closing-instant": (OFFICE, madrid("2026-03-02 18:00"), False),
    "saturday": (OFFICE, madrid("2026-03-07 10:00"), False),
    "christmas": (OFFICE, madrid("2026-12-25 10:00"), False),
    "utc-input": (SHANGHAI, utc("2026-03-02 01:00"), True),
    "before-24:00": (LATE, madrid("2026-03-02 23:59"), True),
    "after-24:00": (LATE, madrid("2026-03-03 00:00"), False),
}


@pytest.mark.parametrize(("calendar", "moment", "expected"), IS_WORKING.values(), ids=IS_WORKING)
def test_is_working(calendar: WorkingCalendar, moment: datetime, expected: bool) -> None:
    assert calendar.is_working(moment) is expected


def test_working_time_between() -> None:
    assert OFFICE.working_time_between(madrid("2026-03-02 00:00"), madrid("2026-03-09 00:00")) == (
        40 * H
    )
    christmas_week = (madrid("2026-12-21 00:00"), madrid("2026-12-28 00:00"))
    assert OFFICE.working_time_between(*christmas_week) == 32 * H
    assert OFFICE.working_time_between(madrid("2026-03-02 10:00"), madrid("2026-03-02 10:00")) == (
        0 * H
    )


# Windows around DST changes, Easter and Christmas, where mistakes would show.
WINDOWS = (
    utc("2026-03-20 00:00"),
    utc("2026-08-29 00:00"),
    utc("2026-10-17 00:00"),
    utc("2026-12-18 00:00"),
)
CALENDARS = (
    OFFICE,
    SHANGHAI,
    TAIPEI,
    MEXICO,
    ROUND_THE_CLOCK,
    SUNDAY_NIGHT,
    IN_THE_GAP,
    SANTIAGO,
    LATE,
)


def random_instant(rng: random.Random) -> datetime:
    return rng.choice(WINDOWS) + timedelta(minutes=rng.randrange(21 * 24 * 60))


def test_working_time_between_undoes_add() -> None:
    rng = random.Random(20260302)
    for _ in range(400):
        calendar = rng.choice(CALENDARS)
        start = random_instant(rng)
        duration = timedelta(minutes=rng.randrange(5 * 24 * 60))
        end = calendar.add(start, duration)
        assert end >= start
        assert calendar.working_time_between(start, end) == duration, (calendar, start, duration)
        if duration:
            assert calendar.is_working(end - timedelta(microseconds=1))


def test_add_undoes_working_time_between_for_working_ends() -> None:
    rng = random.Random(20261225)
    checked = 0
    for _ in range(600):
        calendar = rng.choice(CALENDARS)
        start = random_instant(rng)
        end = start + timedelta(minutes=rng.randrange(10 * 24 * 60))
        if calendar.is_working(end):
            checked += 1
            assert calendar.add(start, calendar.working_time_between(start, end)) == end
    assert checked > 100


def test_deadline_without_a_calendar_is_elapsed_time_in_utc() -> None:
    got = deadline(madrid("2026-03-28 12:00"), 24 * H, ALWAYS_OPEN)
    assert got == madrid("2026-03-29 13:00")
    assert got.tzinfo is UTC


def test_deadline_with_a_calendar_counts_working_time() -> None:
    assert deadline(madrid("2026-03-06 17:00"), 2 * H, OFFICE) == madrid("2026-03-09 10:00")


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        OFFICE.add(datetime(2026, 3, 2, 10), H)  # noqa: DTZ001
    with pytest.raises(ValueError, match="has no time zone"):
        deadline(datetime(2026, 3, 2, 10), H, None)  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add(madrid("2026-03-02 10:00"), -H)
    with pytest.raises(ValueError, match="before start"):
        OFFICE.working_time_between(madrid("2026-03-02 10:00"), madrid("2026-03-02 09:00"))


def test_parse_calendar() -> None:
    calendar = parse_calendar(
        "Asia/Taipei",
        {"mon-fri": ["14:00-18:00", "09:00-13:00"], "sat": ["20:00-24:00"], "SUN": []},
        ["2026-12-25"],
    )
    assert calendar.timezone == ZoneInfo("Asia/Taipei")
    split = ((time(9), time(13)), (time(14), time(18)))
    assert dict(calendar.shifts) == {day: split for day in range(5)} | {
        5: ((time(20), END_OF_DAY),)
    }
    assert calendar.holidays == {date(2026, 12, 25)}


def test_parse_calendar_day_ranges() -> None:
    calendar = parse_calendar("UTC", {"sat-sun": ["10:00-14:00"]}, [])
    assert set(calendar.shifts) == {5, 6}


GOOD_HOURS = {"mon-fri": ["09:00-18:00"]}
PARSE_ERRORS = {
    "unknown-time-zone": ("Mars/Olympus", GOOD_HOURS, [], "unknown time zone 'Mars/Olympus'"),
    "time-zone-path": ("../etc/passwd", GOOD_HOURS, [], "unknown time zone"),
    "bad-minute": ("UTC", {"mon": ["09:60-18:00"]}, [], "'09:60-18:00' has a bad start time"),
    "bad-hour": ("UTC", {"mon": ["25:00-26:00"]}, [], "'25:00-26:00' has a bad start time"),
    "bad-end": ("UTC", {"mon": ["09:00-18:75"]}, [], "'09:00-18:75' has a bad end time"),
    "start-at-24:00": ("UTC", {"mon": ["24:00-24:00"]}, [], "bad start time"),
    "not-a-shift": ("UTC", {"mon": ["9am-5pm"]}, [], "'9am-5pm' is not a shift"),
    "end-before-start": (
        "UTC",
        {"tue": ["18:00-09:00"]},
        [],
        "'tue': shift 18:00-09:00 ends before",
    ),
    "empty-shift": ("UTC", {"mon": ["09:00-09:00"]}, [], "starts and ends at the same time"),
    "midnight-as-00:00": ("UTC", {"mon": ["22:00-00:00"]}, [], "write 24:00"),
    "overlapping-shifts": (
        "UTC",
        {"mon-fri": ["09:00-13:00", "12:00-18:00"]},
        [],
        "'mon-fri': shift 12:00-18:00 overlaps",
    ),
    "shift-after-24:00": ("UTC", {"mon": ["20:00-24:00", "23:00-23:30"]}, [], "overlaps"),
    "unknown-day": ("UTC", {"monday": ["09:00-18:00"]}, [], "'monday': unknown day"),
    "backwards-range": ("UTC", {"fri-mon": ["09:00-18:00"]}, [], "'fri-mon': unknown day"),
    "day-twice": (
        "UTC",
        {"mon-fri": ["09:00-18:00"], "mon": ["10:00-12:00"]},
        [],
        "mon is given more than once",
    ),
    "hours-not-a-list": ("UTC", {"mon": "09:00-18:00"}, [], "expected a list"),
    "bad-month": ("UTC", GOOD_HOURS, ["2026-13-01"], "'2026-13-01' is not a date"),
    "bad-day-of-month": ("UTC", GOOD_HOURS, ["2026-02-30"], "'2026-02-30' is not a date"),
    "date-in-another-form": ("UTC", GOOD_HOURS, ["25/12/2026"], "'25/12/2026' is not a date"),
    "no-hours-at-all": ("UTC", {}, [], "no working hours"),
    "only-empty-days": ("UTC", {"mon-sun": []}, [], "no working hours"),
}


@pytest.mark.parametrize(
    ("zone", "hours", "holidays", "message"), PARSE_ERRORS.values(), ids=PARSE_ERRORS
)
def test_parse_errors(zone: str, hours: Any, holidays: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_calendar(zone, hours, holidays)


def test_a_calendar_built_directly_is_checked_too() -> None:
    with pytest.raises(ValueError, match="no working hours"):
        WorkingCalendar(MADRID, {0: ()})
    with pytest.raises(ValueError, match="weekday 7"):
        WorkingCalendar(MADRID, {7: ((time(9), time(17)),)})
    with pytest.raises(ValueError, match="overlaps"):
        WorkingCalendar(MADRID, {0: ((time(9), time(13)), (time(12), time(17)))})


def test_the_calendar_keeps_its_own_copy_of_the_shifts() -> None:
    shifts = {0: ((time(9), time(17)),)}
    calendar = WorkingCalendar(MADRID, shifts)
    shifts[1] = ((time(9), time(17)),)
    assert set(calendar.shifts) == {0}
