"""Complaint numbers: the one format (C-2026-000123: the year it was opened and a serial that
never repeats) and the one pattern every channel, form and API field recognises it by."""

from __future__ import annotations

import re
import unicodedata

PATTERN = r"C-\d{4}-\d{6,}"
"""A complaint number inside a larger pattern (a subject tag, a signed Message-ID)."""
FIELD_PATTERN = rf"^{PATTERN}$"
"""A field that must hold exactly one complaint number (API paths and bodies)."""
IN_TEXT = re.compile(rf"(?<![A-Za-z0-9]){PATTERN}(?![0-9])", re.ASCII)
"""Complaint numbers a customer or an agent wrote in free text: next to any word but a Latin
letter or a digit ("投訴C-2026-000007號" names one; `\\b` would not see it, Chinese characters
being word characters)."""
_TYPED = re.compile(r"(?<![A-Za-z0-9])C-(\d{4})-(\d+)(?![0-9])", re.ASCII | re.IGNORECASE)


def complaint_number(complaint_id: int, year: int) -> str:
    """The human number of the complaint with database id `complaint_id`, opened in `year`."""
    return f"C-{year}-{complaint_id:06d}"


def numbers_in(text: str) -> list[str]:
    """Every complaint number in `text`, in order, as the bot writes it, however the customer
    typed it: in lower case ("c-2026-000013"), full-width as Chinese input methods type digits
    ("Ｃ－２０２６－００００１３", folded by NFKC) or with leading zeros missing or extra
    ("C-2026-00013"): the serial is the number, and only the sender's own complaints are ever
    joined by it (`intake.threads`)."""
    folded = unicodedata.normalize("NFKC", text)
    return [complaint_number(int(serial), int(year)) for year, serial in _TYPED.findall(folded)]


def without_numbers(text: str) -> str:
    """`text` folded as `numbers_in` reads it, with every complaint number it names taken out,
    with the brackets of a subject tag ("[C-2026-000123]"): what is left says whether the text
    holds anything but a reference to a complaint."""
    folded = unicodedata.normalize("NFKC", text)
    return _TAGGED.sub(" ", folded)


_TAGGED = re.compile(rf"\[\s*{_TYPED.pattern}\s*\]|{_TYPED.pattern}", re.ASCII | re.IGNORECASE)


def as_written(typed: str) -> str:
    """`typed` as the bot writes the number when it is one number typed as `numbers_in` reads
    it, else unchanged (for a field whose pattern then says what is wrong)."""
    found = _TYPED.fullmatch(unicodedata.normalize("NFKC", typed).strip())
    return complaint_number(int(found[2]), int(found[1])) if found else typed
