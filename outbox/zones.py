"""A time zone's name in the reader's language.

A desk that serves Taiwan and Spain shows its Taiwanese customers Taipei's time and its Spanish
ones Madrid's (`[bot] customer_timezones`, by the customer's language; `[bot] timezone` for the
others), and names the zone in full in the reader's language ("台北標準時間", "hora estándar de
Europa central") instead of by an abbreviation: "CST" is China's time to a reader in Taipei and
the US Central time to one in Madrid.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import get_timezone_name

_NAMES: dict[tuple[str, str, bool], str] = {}
"""Babel's lookup costs tens of microseconds and an acknowledgement names a zone every time."""


def zone_name(local: datetime, language: str) -> str:
    """The long name of the zone `local` is in, in `language`, summer time told apart."""
    summer = bool(local.dst())
    key = (str(local.tzinfo), language, summer)
    name = _NAMES.get(key)
    if name is None:
        name = get_timezone_name(local, "long", locale=language.replace("-", "_"))
        _NAMES[key] = name
    return name
