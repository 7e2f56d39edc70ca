"""The clock every time-dependent part is given, so tests move time instead of sleeping; and
the one form in which a moment leaves the bot as JSON (`Moment`, `json_moment`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Protocol

from pydantic import PlainSerializer, TypeAdapter


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> None:
        self._now += by


_PYDANTIC_FORM = TypeAdapter(datetime)


def json_moment(moment: datetime) -> str:
    """`moment` as every JSON answer writes it: in UTC, ending in `Z`, with a fraction of a
    second only when it has one (`2026-03-02T09:00:00Z`). This is pydantic's own form for a UTC
    time, which every model field and stored row dumped to JSON already has, so a moment
    written by hand (`isoformat()` says `+00:00`) or held in another zone reads the same:
    clients parse one form."""
    form: str = _PYDANTIC_FORM.dump_python(moment.astimezone(UTC), mode="json")
    return form


Moment = Annotated[datetime, PlainSerializer(json_moment, return_type=str, when_used="json")]
"""A response model's datetime field: written by `json_moment` whatever zone it holds."""
