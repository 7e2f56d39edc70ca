"""Turn one raw e-mail into what intake needs: who wrote, what they newly wrote, and what it is.

Pure and standard-library only, so the SMTP and IMAP adapters share it and tests need no server.
`parse_mail` is lenient: real mail is often broken (a lost MIME boundary, truncated base64, charset
labels that lie), and a complaint must not be lost because of that. It raises `MalformedMail` only
when the bytes are not a usable message at all, and never anything else.

The `email` package (policy.default) parses the MIME structure. Header values and text bodies are
decoded by the modules beside this one instead of by the package, because it decodes by the
declared charset and quietly puts U+FFFD where the label lies (gb2312 mail holding GBK characters,
big5 holding HKSCS ones), and its structured header parsing can itself raise on broken headers:
`charsets` decodes bytes, `headers` reads header fields, `mime` walks the parts, `bounces` tells
machine mail and delivery reports, `text` turns HTML into text, `history` drops a reply's quoted
history and keeps a forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import errors
from email.message import Message

from channels.base import Bounce
from channels.email.bounces import automated, list_post, read_bounce
from channels.email.headers import (
    FIELD_LINE,
    decode_words,
    header,
    message_ids,
    parse_date,
    reply_to,
    return_path,
    sender,
    words_charset,
)
from channels.email.history import read_body, signature_phone
from channels.email.mime import MailAttachment, Parts, collect, named, parsed
from channels.email.subjects import FORWARD_SUBJECT
from complaints.errors import MalformedMail


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_name: str
    from_address: str
    reply_to_name: str
    reply_to_address: str
    """The first usable address of Reply-To (lower-cased), "" when none can be read."""
    list_post: str
    """The address List-Post names (a list's own, RFC 2369), "" when none."""
    subject: str
    date: datetime | None
    text: str
    """What the customer newly wrote: the best body with quoted history and signature removed,
    and what they forwarded (inline, or attached as a message) kept."""
    shown_text: str
    """What is kept for staff: `text` with the signature where it stood."""
    phone: str
    """A phone number the signature clearly gives, else ""."""
    full_text: str
    language_hint: str
    attachments: tuple[MailAttachment, ...]
    automated: str
    """Empty for a human message, else why it looks machine-sent (auto-reply, list, bounce)."""
    bounce: Bounce | None


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes; raise `MalformedMail` (and only that) when they are unusable."""
    try:
        return _parse(raw)
    except MalformedMail:
        raise
    except Exception as exc:  # hostile input must not crash the channel with a stray exception
        raise MalformedMail(f"unreadable message ({type(exc).__name__}: {exc})") from exc


def _parse(raw: bytes) -> ParsedMail:
    if not raw.strip():
        raise MalformedMail("empty message")
    msg = _message(raw)
    if all(key.lower() == "return-path" for key, _ in msg.raw_items()):  # the trace line alone
        raise MalformedMail("not an e-mail message: no header lines")
    from_name, from_address = sender(msg)
    from_address = from_address or return_path(msg)  # the envelope, when From names nobody
    if not from_address:
        raise MalformedMail("no usable From address")

    reply_name, reply_address = reply_to(msg)
    found = Parts(charset_hint=words_charset(msg))
    collect(msg, found)
    body = "\n\n".join(text for text in found.texts if text.strip()).strip()
    full_text = "\n\n".join((body, *found.forwarded)).strip()
    bounce = read_bounce(msg, from_address, body)
    subject = decode_words(header(msg, "Subject"))
    reading = read_body(body, forward=FORWARD_SUBJECT.match(subject) is not None)
    text = "\n\n".join(t for t in (reading.text, *found.forwarded) if t) or full_text
    shown = "\n\n".join(t for t in (reading.shown, *found.forwarded) if t) or full_text
    return ParsedMail(
        message_id=next(iter(message_ids(header(msg, "Message-ID"))), ""),
        in_reply_to=message_ids(header(msg, "In-Reply-To")),
        references=message_ids(header(msg, "References")),
        from_name=from_name,
        from_address=from_address,
        reply_to_name=reply_name,
        reply_to_address=reply_address,
        list_post=list_post(msg),
        subject=subject,
        date=parse_date(header(msg, "Date")),
        text=text,
        shown_text=shown,
        phone=signature_phone(reading.signature),
        full_text=full_text,
        language_hint=header(msg, "Content-Language").split(",")[0].strip(),
        attachments=named(found.attachments),
        automated=(
            "delivery status notification" if bounce else automated(msg, from_address, subject)
        ),
        bounce=bounce,
    )


def _message(raw: bytes) -> Message:
    """Parse with policy.default, again without junk lines inside the header block if needed.

    The package ends the header block at a line that is no header ("X-Broken without colon")
    and reads the headers after it as body text, losing Content-Type and the rest.
    """
    msg = parsed(raw)
    if any(isinstance(d, errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
        repaired = _without_junk_header_lines(raw)
        if repaired != raw:
            msg = parsed(repaired)
    return msg


def _without_junk_header_lines(raw: bytes) -> bytes:
    """Drop lines of the header block that are neither a field nor a continuation, when real
    fields follow them (otherwise they are the body of a message without the blank line)."""
    lines = raw.splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if line in (b"\n", b"\r\n")), len(lines))
    fields = [i for i in range(end) if FIELD_LINE.match(lines[i])]
    last_field = fields[-1] if fields else -1
    return b"".join(
        line
        for i, line in enumerate(lines)
        if i >= end or i > last_field or FIELD_LINE.match(line) or line[:1] in b" \t"
    )
