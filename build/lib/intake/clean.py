"""What arrives is cleaned of what no store can hold before intake records it.

A NUL character (U+0000) means nothing in a complaint, yet PostgreSQL's text columns refuse it,
so a webhook text or a mail (a 0x00 byte in the body, or in an encoded header) holding one would
fail on every retry. It is dropped, from every text field of what a channel hands over; bytes
(attachments, a dead letter's raw mail) are kept as they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar, cast

T = TypeVar("T")

NUL = "\x00"


def without_nul(value: T) -> T:
    """`value` with NUL dropped from every string in it: strings, tuples, mappings and the
    (frozen) dataclasses channels hand over, such as `Inbound` and `Bounce`."""
    return cast(T, _clean(value))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, tuple):
        return tuple(_clean(item) for item in value)
    if isinstance(value, Mapping):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: _clean(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.init
        }
        return dataclasses.replace(value, **changes)
    return value
