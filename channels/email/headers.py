"""Read header fields of a possibly broken message without trusting the `email` package's
structured parsing, which can raise on them: raw values, RFC 2047 encoded words, addresses,
Message-IDs and dates."""

from __future__ import annotations

import binascii
import itertools
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from channels.email.charsets import SURROGATES, decode_text, guess

FIELD_LINE = re.compile(rb"[!-9;-~]+:")  # RFC 5322 field name: printable ASCII but ":"
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_NAME_ADDRESS = re.compile(r"(?P<name>.*?)<(?P<address>[^<>\s@]+@[^<>\s@]+)>", re.S)
_ATOM = r"[^\s<>\"(),;:@\[\]\\.]+"  # a run of what an address may hold, without dots
USABLE_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})+")
"""An address mail can be sent to: a local part and a dotted domain, nothing else."""
_BARE_ADDRESS = re.compile(r"[^\s<>\"(),;:@]+@[^\s<>\"(),;:@]+")


def header(msg: Message, name: str) -> str:
    """The first raw value of a header, unfolded, "" when absent.

    Raw values sidestep policy.default's structured parsing, which can raise on broken headers.
    8-bit bytes in the header (the parser keeps them as surrogate escapes) are decoded here.
    """
    values = headers(msg, name)
    return values[0].strip() if values else ""


def headers(msg: Message, name: str) -> list[str]:
    """Every raw value of a header, unfolded and with 8-bit bytes decoded."""
    lowered = name.lower()
    values = [
        _FOLD.sub("", value) if "\n" in value else value
        for value in (str(raw) for key, raw in msg.raw_items() if key.lower() == lowered)
    ]
    if not any(SURROGATES.search(value) for value in values):
        return values
    declared = declared_charset(msg)
    return [unescape_8bit(value, declared) for value in values]


def declared_charset(msg: Message) -> str | None:
    """The charset the message declares for its text (its first text part's), or None: the
    best hint for raw 8-bit headers, which a client writes in the same local charset."""
    try:
        for part in itertools.islice(msg.walk(), 50):  # the first parts only: hostile nesting
            charset = part.get_param("charset") if part.get_content_maintype() == "text" else None
            if isinstance(charset, str) and charset.strip():
                return charset
    except (TypeError, ValueError, IndexError, RecursionError):  # parameters it cannot sort
        return None
    return None


def words_charset(msg: Message) -> str | None:
    """The charset of the first encoded word in Subject or From that is neither ASCII nor
    UTF-8, or None: the client's local charset, the best hint for a body it sent without a
    label (an old client writes `=?gbk?b?...?=` and GBK bytes in an unlabelled body)."""
    for name in ("Subject", "From"):
        for found in _ENCODED_WORD.finditer(header(msg, name)):
            charset = found.group(1).split("*")[0].lower()
            if charset not in ("us-ascii", "ascii", "utf-8", "utf8"):
                return charset
    return None


def unescape_8bit(value: str, declared: str | None = None) -> str:
    """Decode raw 8-bit header bytes (RFC 6532 UTF-8, or a client's local charset, which the
    mail's `declared` body charset names when it has one) as `charsets.guess` does."""
    if not SURROGATES.search(value):
        return value
    return guess(value.encode("utf-8", "surrogateescape"), declared)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words, whitespace-normalised, keeping malformed words as written.

    Adjacent words in one charset are joined before decoding, since clients split a multi-byte
    character across two words; the charset-superset rule applies as for bodies. (The package's
    `decode_header` mangles unencoded non-ASCII text, and `make_header` trusts the label.)
    """
    pieces: list[tuple[bytes | str, str]] = []  # decoded bytes with charset, or plain text
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between, position = value[position : match.start()], match.end()
        charset = match.group(1).split("*")[0].lower()  # RFC 2231 allows "utf-8*es"
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            pieces.append((between + match.group(0), ""))
            continue
        last = pieces[-1][0] if pieces else ""
        adjacent = isinstance(last, bytes) and not between.strip()  # the space between is dropped
        if isinstance(last, bytes) and adjacent and pieces[-1][1] == charset:
            pieces[-1] = (last + data, charset)
        else:
            if between and not adjacent:
                pieces.append((between, ""))
            pieces.append((data, charset))
    pieces.append((value[position:], ""))
    text = "".join(
        decode_text(part, charset) if isinstance(part, bytes) else part for part, charset in pieces
    )
    return " ".join(text.split())


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    """The bytes an encoded word carries, None when its payload cannot be decoded."""
    try:
        if encoding in "bB":  # strict: a word with stray characters is not base64 at all
            payload = payload.rstrip("=")
            return binascii.a2b_base64(payload + "=" * (-len(payload) % 4), strict_mode=True)
        return binascii.a2b_qp(payload.encode("ascii"), header=True)
    except (binascii.Error, ValueError):
        return None


def sender(msg: Message) -> tuple[str, str]:
    """Display name and lower-cased address from From; the address is "" when none is usable.

    `Name <address>` is read directly: `getaddresses` splits an encoded word holding a comma and
    gives up on an unbalanced quote. Other forms go through `getaddresses`, then a bare search.
    """
    return _name_and_address(header(msg, "From"))


def reply_to(msg: Message) -> tuple[str, str]:
    """Display name and lower-cased address of the first usable address in Reply-To (RFC
    5322 §3.6.2 allows several; one answer goes to one address, the first, which is the one
    clients put there themselves); ("", "") when there is none or it cannot be read."""
    value = header(msg, "Reply-To")
    if not value:
        return "", ""
    decoded = value if "@" in _ENCODED_WORD.sub("", value) else decode_words(value)
    for name, address in getaddresses([decoded]):
        if USABLE_ADDRESS.fullmatch(address.strip()):
            return decode_words(name), address.strip().lower()
    name, address = _name_and_address(value)
    return (name, address) if USABLE_ADDRESS.fullmatch(address) else ("", "")


def _name_and_address(value: str) -> tuple[str, str]:
    """`sender` of one header value."""
    if "@" not in _ENCODED_WORD.sub("", value):
        # The whole `Name <address>` in encoded words, as compat32's `Header` writes a non-ASCII
        # name: decoded first. Only then, since a decoded name may hold "<", "," or quotes.
        value = decode_words(value)
    if match := _NAME_ADDRESS.search(value):
        name = match["name"].strip().strip('"').replace('\\"', '"')
        return decode_words(name), match["address"].lower()
    for name, address in getaddresses([value]):
        local, _, domain = address.strip().rpartition("@")
        if local and domain and not re.search(r"[\s<>]", address.strip()):
            return decode_words(name), address.strip().lower()
    bare = _BARE_ADDRESS.search(value)
    return "", bare[0].lower() if bare else ""


def return_path(msg: Message) -> str:
    """The lower-cased envelope sender the final delivery recorded in the topmost Return-Path
    (the bot's SMTP server, or the mailbox's server), "" when null, absent or unusable."""
    match = _BARE_ADDRESS.search(header(msg, "Return-Path"))
    return match[0].lower() if match else ""


def message_ids(value: str) -> tuple[str, ...]:
    """Message-IDs without <>, in order, once each; bare ids (without brackets) count too."""
    ids = _MESSAGE_ID.findall(value) or [word for word in value.split() if "@" in word]
    return tuple(dict.fromkeys(i.strip("<>") for i in ids if i.strip("<>")))


def parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" means "UTC, local zone unknown" (RFC 5322), which the package leaves naive.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
