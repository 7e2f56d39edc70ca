"""Complaint numbers: the one format (C-2026-000123: the year it was opened and a serial that
never repeats) and the one pattern every channel, form and API field recognises it by."""

from __future__ import annotations

import re

PATTERN = r"C-\d{4}-\d{6,}"
"""A complaint number inside a larger pattern (a subject tag, a signed Message-ID)."""
FIELD_PATTERN = rf"^{PATTERN}$"
"""A field that must hold exactly one complaint number (API paths and bodies)."""
IN_TEXT = re.compile(rf"\b{PATTERN}\b")
"""Complaint numbers a customer or an agent wrote in free text."""
_ANY_CASE = re.compile(IN_TEXT.pattern, re.IGNORECASE)


def complaint_number(complaint_id: int, year: int) -> str:
    """The human number of the complaint with database id `complaint_id`, opened in `year`."""
    return f"C-{year}-{complaint_id:06d}"


def numbers_in(text: str) -> list[str]:
    """Every complaint number in `text`, in order, upper-cased: a customer typing
    "c-2026-000013" names C-2026-000013."""
    return [number.upper() for number in _ANY_CASE.findall(text)]
