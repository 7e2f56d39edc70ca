"""What a mail from the bot looks like: From the complaints address, the complaint number in the
subject, a Message-ID signed by the bot so a reply threads without a lookup and cannot be forged,
In-Reply-To/References to the customer's mail, Auto-Submitted on automatic mail, plain text with
an HTML alternative."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr

from channels.base import AUTOMATIC_KINDS, Outbound, bounded_references
from channels.email.settings import EmailSettings
from channels.email.subjects import without_prefixes, without_tags
from complaints import numbers


class MessageIds:
    """The bot's Message-IDs: `<number>.<message>.<a|h>.<signature>@<domain>`, without
    `<number>.` for mail about no complaint (a dead-letter notice, a /link code).

    Every part is a non-empty atom of letters, digits, "_" and "-", so the local part is a
    valid RFC 5322 dot-atom (no leading, trailing or doubled dot). The signature (HMAC of the
    rest under `[email] signing_secret`) lets a reply be threaded to its complaint from the
    In-Reply-To alone, and stops anyone from threading into a complaint by inventing a
    reference; `a` marks automatic mail, so a reply to it is never auto-answered.
    """

    _SHAPE = re.compile(rf"^({numbers.PATTERN})\.([\w-]+)\.([ah])\.([0-9a-f]{{20}})@(.+)$")

    def __init__(self, secret: str, domain: str) -> None:
        self.secret = secret.encode()
        self.domain = domain.lower()

    def make(self, number: str, message_id: str, automatic: bool) -> str:
        atoms = (number, _ATOM_UNSAFE.sub("-", message_id) or "m", "a" if automatic else "h")
        body = ".".join(atom for atom in atoms if atom)
        return f"{body}.{self._sign(body)}@{self.domain}"

    def verify(self, value: str) -> tuple[str, bool] | None:
        """(complaint number, automatic) for a genuine bot Message-ID, else None."""
        found = self._SHAPE.match(value.strip("<> "))
        if not found or found.group(5).lower() != self.domain:
            return None
        number, message, flag, signature = found.group(1, 2, 3, 4)
        if not hmac.compare_digest(signature, self._sign(f"{number}.{message}.{flag}")):
            return None
        return number, flag == "a"

    def _sign(self, body: str) -> str:
        return hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()[:20]


_ATOM_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
"""What may not stand in an atom of our Message-IDs (a dot would split it, "@" or "<" end it)."""


@dataclass(frozen=True, slots=True)
class Composed:
    """A mail ready for the relay: its Message-ID (without brackets) and its bytes (CRLF)."""

    message_id: str
    data: bytes


def compose(settings: EmailSettings, ids: MessageIds, address: str, outbound: Outbound) -> Composed:
    """The mail for `outbound`: multipart/alternative, plain text and HTML, each base64 UTF-8.

    Written out directly rather than through `email.mime` and a generator: the bot writes one
    of these for every answer, and the package's objects cost several times the text itself.
    Tests read the result back with `email`'s own parser."""
    automatic = outbound.kind in AUTOMATIC_KINDS
    message_id = ids.make(outbound.complaint_number, outbound.message_id, automatic)
    name = settings.display_name_in(outbound.language)
    fields = [
        ("From", formataddr((name, settings.address), "utf-8")),
        ("To", address),
        ("Subject", _encoded(_subject(outbound, name))),
        ("Message-ID", f"<{message_id}>"),
        ("Date", format_datetime(datetime.now(UTC))),  # +0000: -0000 says "zone unknown"
    ]
    references = bounded_references(
        [ref for ref in outbound.extra.get("references", []) if _is_msgid(ref)]
    )
    in_reply_to = str(outbound.extra.get("in_reply_to", ""))
    if _is_msgid(in_reply_to):
        fields.append(("In-Reply-To", f"<{in_reply_to}>"))
    if references:  # one Message-ID per line: a long thread never breaks the line limit
        fields.append(("References", f"{CRLF} ".join(f"<{ref}>" for ref in references)))
    if automatic:
        fields += [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]
    if outbound.language:
        fields.append(("Content-Language", outbound.language))
    fields += [
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{BOUNDARY}"'),
    ]
    head = "".join(f"{name}: {_one_line(value)}{CRLF}" for name, value in fields)
    parts = [
        _text_part("plain", outbound.text),
        _text_part("html", _as_html(outbound.text, outbound.language)),
    ]
    delimiter = f"--{BOUNDARY}".encode()
    body = b"".join(delimiter + b"\r\n" + part for part in parts) + delimiter + b"--\r\n"
    return Composed(message_id, head.encode() + b"\r\n" + body)


CRLF = "\r\n"
BOUNDARY = "=_complaint-bot-part"
"""The same for every mail: both parts are base64, whose alphabet has no "_", so no line of
theirs can start with it (the trick mail clients use, e.g. "=_NextPart")."""


def _encoded(subject: str) -> str:
    """Plain ASCII as it is (when short enough for one line), anything else as RFC 2047
    encoded words (base64 UTF-8), one per folded line.

    Written here rather than by `email.header.Header`, which costs 60 to 200 µs a subject
    (it weighs both encodings line by line) against about 3: most acknowledgements carry a
    customer's subject in Chinese or Spanish."""
    if subject.isascii() and subject.isprintable() and len(subject) < 900 and "=?" not in subject:
        return subject
    data = subject.encode("utf-8")
    words, start = [], 0
    while start < len(data):
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # not inside a character
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode()}?=")
        start = end
    return f"{CRLF} ".join(words)


_WORD_BYTES = 42
"""UTF-8 bytes per encoded word: 56 base64 characters, a 68-character word, so even the first
line ("Subject: " and a word) stays within RFC 5322's 78."""


_BARE_BREAK = re.compile(r"\r\n(?![ \t])|\r(?!\n)|(?<!\r)\n")
"""A line break that is not folding (CRLF and a space or tab)."""


def _one_line(value: str) -> str:
    """A field value cannot carry a bare line break: it would start a header of its own."""
    return _BARE_BREAK.sub(" ", value)


def _text_part(subtype: str, text: str) -> bytes:
    encoded = base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + encoded


def _subject(outbound: Outbound, display_name: str) -> str:
    """An answer on the customer's thread: "[C-…] Re: <their subject>" about a complaint (our
    tag and their prefixes taken off first, so they do not pile up), "Re: <their subject>"
    about none (a dead-letter notice: their subject as written after one "Re: ", keeping any
    tag of ours, so it stays in their conversation); with no subject of theirs, the default
    subject in the customer's language. A subject of the notice's own (a hot-spot alert's, about
    a category rather than its complaint) is used as written: it answers no mail of theirs."""
    if outbound.own_subject:
        return outbound.own_subject
    number = outbound.complaint_number
    theirs = outbound.subject or str(outbound.extra.get("subject", ""))
    if not number:  # not about a complaint (a dead-letter notice, a /link code)
        original = without_prefixes(theirs)
        return f"Re: {original}" if original else outbound.default_subject or display_name
    original = without_tags(theirs)
    if original:
        return f"[{number}] Re: {original}"
    return f"[{number}] {outbound.default_subject or number}"


_MSGID = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")


def _is_msgid(value: str) -> bool:
    return bool(_MSGID.match(value))


def _as_html(text: str, language: str) -> str:
    paragraphs = "".join(
        "<p>" + html.escape(block).replace("\n", "<br>\n") + "</p>\n"
        for block in text.split("\n\n")
        if block.strip()
    )
    return (
        f'<!DOCTYPE html><html lang="{html.escape(language or "en")}"><head>'
        f'<meta charset="utf-8"></head><body>\n{paragraphs}</body></html>\n'
    )
