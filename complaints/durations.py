"""Durations as people write them in settings and filters ("90m", "8h", "7d", "1d12h"): one
reading for settings.toml and the queue's `due_within`, so both accept the same words."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import Field

_DURATION = re.compile(r"^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")


def parse_duration(value: str) -> timedelta:
    """Parse "2h", "90m", "7d", "1d12h"; raise ValueError on anything else."""
    found = _DURATION.match(value) if isinstance(value, str) else None
    if not found or not any(found.groups()):
        raise ValueError(f"{value!r} is not a duration such as '90m', '8h', '7d' or '1d12h'")
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def written(duration: timedelta) -> str:
    """`duration` as a settings file writes it: "0s", "90m" as "1h30m", "1d12h"."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


PositiveDuration = Annotated[timedelta, Field(gt=timedelta(0))]
"""A setting's duration that must be longer than nothing: an interval between sweeps, a
timeout, a window divided by, a retry's first wait. "0s" is refused at check-config naming the
key, rather than a sweep that divides by it or a delivery that times out at once. A duration
whose zero means "at once" (a survey's delay) is a plain `timedelta`."""
