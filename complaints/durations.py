"""Durations as people write them in settings and filters ("90m", "8h", "7d", "1d12h"): one
reading for settings.toml and the queue's `due_within`, so both accept the same words."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")


def parse_duration(value: str) -> timedelta:
    """Parse "2h", "90m", "7d", "1d12h"; raise ValueError on anything else."""
    found = _DURATION.match(value) if isinstance(value, str) else None
    if not found or not any(found.groups()):
        raise ValueError(f"{value!r} is not a duration such as '90m', '8h', '7d' or '1d12h'")
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
