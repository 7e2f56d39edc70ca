"""The scheduler's settings: `[scheduler]` and the due work it does, `[survey]`,
`[escalation]` and `[hot_spots]`."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from complaints.addresses import STAFF_ADDRESS, STAFF_ADDRESS_HINT
from complaints.durations import PositiveDuration


class SchedulerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sweep_every: PositiveDuration = timedelta(seconds=60)
    """How often due work (progress updates, surveys, closing) is done."""
    batch: int = Field(default=500, ge=1)
    """Rows one sweep takes at a time."""


class SurveySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    delay: timedelta = timedelta(days=7)
    """After resolution, the satisfaction survey goes out."""
    reopen_at_or_below: int = Field(default=2, ge=0, le=5)
    """A score this low (1-5) reopens the complaint."""
    close_after: timedelta = timedelta(days=14)
    """No answer by then: the complaint is closed."""


class EscalationSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    raise_grade: bool = True
    warn_before: timedelta = timedelta(hours=1)
    levels: tuple[str, ...] = ()
    """Where later misses go, after the department's supervisor: "email:…" or "telegram:…"."""

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for level in value:
            if not STAFF_ADDRESS.match(level):
                raise ValueError(f"{level!r} is not {STAFF_ADDRESS_HINT}")
        return value


class HotSpotSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    window: PositiveDuration = timedelta(days=1)
    baseline_windows: int = Field(default=7, ge=1, le=365)
    """The baseline is the mean count of the same category or product over this many earlier
    windows."""
    factor: float = Field(default=2.0, ge=1)
    min_count: int = Field(default=5, ge=1)
    """A spot needs at least this many complaints in the window, and factor × its baseline."""
