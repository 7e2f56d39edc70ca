"""A purchase date as the bot stores it: ISO `YYYY-MM-DD`, never free text.

Every path that accepts one (the guided chat's answer, an agent's field edit, the webhook's
`details`) reads it here. Accepted: a calendar date in the usual shapes (2026-03-02, 2026/3/2,
02/03/2026 day first, 2026年3月2日) and the words for today, yesterday and the day before in
the four languages, counted back from the injected clock's date. Anything else ("last
tuesday", "el martes pasado", "上周") and a date after today are refused: the caller says what
form is expected (`EXPECTED`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

EXPECTED = "a date such as 2026-03-02 (YYYY-MM-DD)"

_SHAPES = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?$"), (1, 2, 3)),
)

DAYS_BACK: dict[str, int] = {
    "today": 0,
    "yesterday": 1,
    "the day before yesterday": 2,
    "hoy": 0,
    "ayer": 1,
    "anteayer": 2,
    "antier": 2,
    "antes de ayer": 2,
    "今天": 0,
    "今日": 0,
    "昨天": 1,
    "昨日": 1,
    "前天": 2,
}
"""The relative dates taken as a purchase date, in days before today (all four languages)."""

_FILLER = re.compile(
    r"^(?:it was |i bought it |bought |fue |lo compré |la compré |compré )"
    r"|[买買购購]?了?的?[.!。！]*$",
    re.IGNORECASE,
)


def purchase_date(text: str, today: date) -> str:
    """`text` as an ISO date, or "" when it is not one of the accepted forms or lies after
    `today`."""
    value = text.strip()
    found = _explicit(value)
    if found is None:
        days = DAYS_BACK.get(_FILLER.sub("", value.lower()).strip())
        found = None if days is None else today - timedelta(days=days)
    if found is None or found > today:
        return ""
    return found.isoformat()


def _explicit(text: str) -> date | None:
    for pattern, (year, month, day) in _SHAPES:
        found = pattern.match(text)
        if found:
            try:
                return date(int(found.group(year)), int(found.group(month)), int(found.group(day)))
            except ValueError:
                return None
    return None
