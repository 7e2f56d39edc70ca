"""A number of bytes as people read it, one way everywhere: a limit in a customer's text ("files
can be at most 5 MB"), a refusal ("attachment 'clip.mp4' is 12.4 MB; the limit is 10 MB"), a
size in the console. Units of 1,024 (B, KB, MB, GB, the same symbols in every language), one
decimal unless it is 0, and the decimal mark of the reader's language (a comma in Spanish)."""

from __future__ import annotations

import math

UNITS = ("B", "KB", "MB", "GB")


def readable_size(count: int, language: str = "en", *, up: bool = False) -> str:
    """`count` bytes in the largest unit it reaches: 13002342 → "12.4 MB" ("12,4 MB" in
    Spanish). `up` rounds up, for a size shown beside the limit it breaks: 5 MB and a byte is
    "5.1 MB", never "5 MB" next to "the limit is 5 MB"."""
    amount, unit = float(count), 0
    while amount >= 1024 and unit < len(UNITS) - 1:
        amount, unit = amount / 1024, unit + 1
    tenths = math.ceil(amount * 10 - 1e-9) if up else round(amount * 10)
    if tenths >= 10240 and unit < len(UNITS) - 1:  # 1023.97 KB reads as 1 MB, not 1024 KB
        tenths, unit = 10, unit + 1
    whole, tenth = divmod(tenths, 10)
    mark = "," if language.startswith("es") else "."
    shown = f"{whole}{mark}{tenth}" if tenth and unit else str(whole)
    return f"{shown} {UNITS[unit]}"
