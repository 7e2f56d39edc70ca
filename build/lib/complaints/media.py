"""Media types as an attachment's `content_type` may hold them: one rule for intake and download.

A media type is `type/subtype` (RFC 6838 tokens) with optional `; name=value` parameters; anything
else (a CR/LF, spaces inside, a bare word, non-ASCII) is not one, and would break the download's
Content-Type header.
"""

from __future__ import annotations

import re

_NAME = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_QUOTED = r'"[^"\\\x00-\x1f\x7f]*"'
_MEDIA_TYPE = re.compile(
    rf"(?P<type>{_NAME}/{_NAME})(?P<parameters>(?:[ \t]*;[ \t]*{_NAME}=(?:{_NAME}|{_QUOTED}))*)"
)

FALLBACK = "application/octet-stream"
"""What a file of unknown or unusable type is served as."""


def media_type(value: str) -> str:
    """`value` as a media type with `type/subtype` in lower case, or "" when it is none."""
    found = _MEDIA_TYPE.fullmatch(value.strip(" \t"))
    if found is None:
        return ""
    return found["type"].lower() + found["parameters"]
