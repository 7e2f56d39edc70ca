"""Decode mail text whose charset label may lie.

Labels that are subsets of a codec mail clients really use are read by the superset (gb2312 as
gb18030, big5 as big5hkscs); a label that does not decode cleanly is tried against UTF-8 and the
likeliest guesses, so a mislabelled complaint still reads right (pitfalls.md, "E-mail").

Bytes with no usable label (raw 8-bit headers, unknown labels) are guessed by `guess`. GB18030
and Big5 decode almost any run of high bytes, Latin-1 text included ("Mar\xeda" is "Mar韆" in
GB18030): a CJK reading is taken only when it looks like CJK text, else cp1252.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import re

# Labels that are subsets of a codec mail clients really use: decoding by the superset gives the
# same text for honest mail and the right text for mislabelled mail (pitfalls.md, "E-mail").
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "iso8859-1": "cp1252"}
# The CJK codecs `guess` tries after UTF-8, when the text reads as CJK in them.
_CJK_GUESSES = ("gb18030", "big5hkscs")
# Han, CJK punctuation, kana, hangul, compatibility ideographs, fullwidth forms, supplementary
# ideographs: what a CJK reading of real CJK text yields.
_CJK = re.compile(
    r"[\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    r"\U00020000-\U0003ffff]"
)
_ASCII_LETTER = re.compile(r"[A-Za-z]")
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


def decode_text(data: bytes, label: str | None, hint: str | None = None) -> str:
    """Decode text bytes, trusting the charset label only as far as it decodes cleanly.

    A known label is tried first, then UTF-8 (the commonest mislabel); an unknown or missing
    label, or us-ascii on 8-bit bytes (what the `email` package assumes for a body without a
    label), is guessed (`guess`), with `hint` (the charset the mail uses elsewhere, e.g. in its
    encoded words) as the declared one. A multi-byte character cut off at the end (truncated
    base64) is dropped rather than turned into U+FFFD.
    """
    codec = _codec(label)
    if codec is None or (codec == "ascii" and not data.isascii()):
        return guess(data, hint)
    candidates = (codec, "utf-8")
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
        return without_surrogates(data.decode(codec, "replace"))
    return data.decode("latin-1")


def guess(data: bytes, declared: str | None = None) -> str:
    """Decode bytes that carry no label of their own: valid UTF-8 first; then `declared`, the
    charset the mail declares for its text (a raw header is in the sender's local charset, as
    the body is), when it decodes cleanly; then GB18030 or Big5-HKSCS when their reading looks
    like CJK text (the one that reads best, `_cjk_share`); else cp1252, or Latin-1 for bytes
    cp1252 leaves undefined. A UTF-8 character cut off at the end (truncated base64) is dropped
    when the rest holds UTF-8 characters ("Jos\xe9" is Latin-1, not a cut-off "Jos")."""
    try:
        return without_surrogates(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        if _cut_short(exc, data) and not data[: exc.start].isascii():
            with contextlib.suppress(UnicodeError):
                return without_surrogates(data[: exc.start].decode("utf-8"))
    codec = _codec(declared)
    if codec and codec not in ("ascii", "utf-8"):
        with contextlib.suppress(UnicodeError):
            return without_surrogates(data.decode(codec))
    readings = []
    for name in _CJK_GUESSES:
        with contextlib.suppress(UnicodeError):
            readings.append(data.decode(name))
    best = max(readings, key=_cjk_share, default="")  # the first on a tie: GB18030
    if best and _cjk_share(best) >= 0.5:
        return without_surrogates(best)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _cjk_share(text: str) -> float:
    """How much a CJK codec's reading of 8-bit bytes looks like CJK text: the share of its
    non-ASCII characters that are CJK characters not touching an ASCII letter. Latin-1 text
    read as GB18030 or Big5 turns each accented letter and the byte after it into one Han
    character inside a Latin word ("err髇ea", "Mar韆"); real Chinese keeps its characters
    together, beside spaces, digits or punctuation ("Re: 退货", "iPhone 15 屏幕坏了"), and
    the wrong one of the two codecs yields private-use or Cyrillic characters among them."""
    wide = [i for i, char in enumerate(text) if ord(char) > 0x7F]
    plausible = sum(
        1
        for i in wide
        if _CJK.match(text[i])
        and not _ASCII_LETTER.match(text[i - 1 : i] or " ")
        and not _ASCII_LETTER.match(text[i + 1 : i + 2] or " ")
    )
    return plausible / len(wide) if wide else 0.0


def without_surrogates(text: str) -> str:
    """utf-7 and friends can yield lone surrogates, which no database or JSON encoder accepts."""
    return SURROGATES.sub("\ufffd", text)


def _cut_short(exc: UnicodeDecodeError, data: bytes) -> bool:
    """Whether decoding failed only because the last character is incomplete."""
    return exc.end == len(data) and exc.reason in (
        "unexpected end of data",
        "incomplete multibyte sequence",
    )
