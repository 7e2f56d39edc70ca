"""Input is cleaned before it is validated, so what is checked is what is kept.

A NUL (U+0000) means nothing in a text and PostgreSQL's text columns refuse it, so it is
dropped; dropped after validation, a value checked as non-empty could become empty ("\\u0000"
as a customer id), and an id could become another one ("a\\u0000b" stored as "ab").
Identifiers are therefore refused when they hold one (`refuse_nul`), other strings cleaned
(`nul_free`). A text of characters that show nothing (zero-width spaces, a byte order mark,
soft hyphens, Hangul fillers) is as empty as one of spaces (`is_blank`).

What a channel hands over to intake (an `Inbound`, a `Bounce`: a mail with a 0x00 byte in its
body or in an encoded header) loses NUL from every text field the same way (`without_nul`),
or it would fail on every retry; bytes (attachments, a dead letter's raw mail) are kept.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Collection, Mapping
from typing import Any, TypeVar, cast

T = TypeVar("T")

NUL = "\x00"
FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
"""Hangul fillers: letters by category, yet they show nothing (a known way to send "no text")."""


def without_nul(value: T) -> T:
    """`value` with NUL dropped from every string in it: strings, lists, tuples, mappings and
    the (frozen) dataclasses channels hand over, such as `Inbound` and `Bounce`."""
    return cast(T, _clean(value))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, list | tuple):
        return type(value)(_clean(item) for item in value)
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


def nul_free(data: Any, keep: Collection[str] = ()) -> Any:
    """A body's fields (a JSON object before validation) with NUL dropped from each string and
    list of strings, but for the fields in `keep` (identifiers, which `refuse_nul` checks).
    Nested objects clean themselves: each model of a body does this for its own fields."""
    if not isinstance(data, dict):
        return data
    return {key: value if key in keep else _own_strings(value) for key, value in data.items()}


def _own_strings(value: Any) -> Any:
    """A field's string, or the strings of its list, without NUL; objects are left to their
    own model, which knows which of its fields are identifiers."""
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, list) and any(isinstance(item, str) for item in value):
        return [without_nul(item) if isinstance(item, str) else item for item in value]
    return value


def refuse_nul(value: str) -> str:
    """An identifier as given, refused when it holds NUL: cleaned it would be another id."""
    if NUL in value:
        raise ValueError("must not contain NUL (U+0000)")
    return value


def is_blank(text: str) -> bool:
    """Whether `text` shows nothing: only whitespace, format and control characters
    (U+200B, U+FEFF, U+00AD...) and Hangul fillers."""
    return all(
        char.isspace() or char in FILLERS or unicodedata.category(char) in ("Cf", "Cc")
        for char in text
    )
