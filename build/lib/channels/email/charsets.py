"""Decode mail text whose charset label may lie.

Labels that are subsets of a codec mail clients really use are read by the superset (gb2312 as
gb18030, big5 as big5hkscs); a label that does not decode cleanly is tried against UTF-8 and the
likeliest guesses, so a mislabelled complaint still reads right (pitfalls.md, "E-mail").
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import re

# Labels that are subsets of a codec mail clients really use: decoding by the superset gives the
# same text for honest mail and the right text for mislabelled mail (pitfalls.md, "E-mail").
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "iso8859-1": "cp1252"}
# What to try when the label is missing from Python or absent: most likely first.
_GUESSES = ("utf-8", "gb18030", "big5hkscs", "cp1252")
# Codecs that turn escape sequences in the text into arbitrary characters: never a real charset.
_REFUSED = {"unicode-escape", "raw-unicode-escape"}
SURROGATES = re.compile(r"[\ud800-\udfff]")


@functools.lru_cache(maxsize=256)
def _codec(label: str | None) -> str | None:
    """Python's codec for a charset label, superset preferred; None if Python has no text codec."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
        b"x".decode(name)  # "base64" or "zlib" are codecs too, but not text encodings
    except UnicodeDecodeError:
        pass  # a text codec that just wants more bytes (utf-16)
    except (LookupError, UnicodeError, ValueError, TypeError):
        return None
    return None if name in _REFUSED else _SUPERSETS.get(name, name)


def decode_text(data: bytes, label: str | None) -> str:
    """Decode text bytes, trusting the charset label only as far as it decodes cleanly.

    A known label is tried first, then UTF-8 (the commonest mislabel); us-ascii with 8-bit bytes
    tries UTF-8 then cp1252; an unknown or missing label tries `_GUESSES`. A multi-byte character
    cut off at the end (truncated base64) is dropped rather than turned into U+FFFD.
    """
    codec = _codec(label)
    if codec == "ascii":
        candidates: tuple[str, ...] = ("ascii", "utf-8", "cp1252")
    elif codec:
        candidates = (codec, "utf-8")
    else:
        candidates = _GUESSES
    for name in candidates:
        try:
            return without_surrogates(data.decode(name))
        except UnicodeDecodeError as exc:
            if name == candidates[0] and _cut_short(exc, data):
                with contextlib.suppress(UnicodeError):
                    return without_surrogates(data[: exc.start].decode(name))
        except UnicodeError:  # "idna" and other odd codecs raise the base class
            continue
    with contextlib.suppress(UnicodeError):
        fallback = codec if codec and codec != "ascii" else "latin-1"
        return without_surrogates(data.decode(fallback, "replace"))
    return data.decode("latin-1")


def without_surrogates(text: str) -> str:
    """utf-7 and friends can yield lone surrogates, which no database or JSON encoder accepts."""
    return SURROGATES.sub("\ufffd", text)


def _cut_short(exc: UnicodeDecodeError, data: bytes) -> bool:
    """Whether decoding failed only because the last character is incomplete."""
    return exc.end == len(data) and exc.reason in (
        "unexpected end of data",
        "incomplete multibyte sequence",
    )
