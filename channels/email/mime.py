"""Walk a message's MIME tree: which parts are the body text, which are attachments, and how to
get their content out when encodings, boundaries or parameters are broken."""

from __future__ import annotations

import binascii
import contextlib
import email
import email.policy
import mimetypes
import re
from dataclasses import dataclass, field, replace
from email.message import Message

from channels.base import safe_filename
from channels.email.charsets import SURROGATES, decode_text, without_surrogates
from channels.email.headers import (
    declared_charset,
    decode_words,
    header,
    unescape_8bit,
    words_charset,
)
from channels.email.text import html_to_text


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes


def parsed(raw: bytes) -> Message:
    """The MIME structure under policy.compat32: its headers stay plain strings.

    policy.default would build a structured header object at every header read (the parser
    itself reads Content-Type several times per part), which cost most of the parsing time,
    and its parsing can raise on broken headers; `content_type` reads that one field with
    policy.default's rules, and everything else is read raw (`headers`)."""
    return email.message_from_bytes(raw, policy=email.policy.compat32)


_BODY_TYPES = ("text/plain", "text/html")
MESSAGE_TYPES = ("message/rfc822", "message/global")
# Machine-readable parts of a delivery report: read by `read_bounce`, neither body nor attachment.
_REPORT_PARTS = ("message/delivery-status", "text/rfc822-headers")
_MAX_DEPTH = 30
_MIME = mimetypes.MimeTypes()  # the built-in table only, not /etc/mime.types: same on every host


@dataclass
class Parts:
    """What a walk over the MIME tree found: body texts in reading order, and the attachments."""

    texts: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    """The texts of attached messages (forwards), each starting with `FORWARD_LINE`."""
    read_messages: bool = True
    """Whether an attached message's text is read: not inside a delivery report (the message
    it returns is the bot's own) nor inside a forwarded message (its own history)."""
    charset_hint: str | None = None
    """The mail's own charset where its text parts carry no label (`headers.words_charset`)."""


def collect(part: Message, found: Parts, depth: int = 0) -> None:
    """Sort one MIME part (and its children) into body text and attachments."""
    if depth > _MAX_DEPTH:
        return
    ctype = content_type(part)
    if ctype in MESSAGE_TYPES:
        # A forwarded message: kept whole as a file, and its text read as a forward (not the
        # message a delivery report returns, which is the bot's own).
        found.attachments.append(MailAttachment("forwarded.eml", ctype, _message_bytes(part)))
        if found.read_messages:
            found.forwarded.extend(_forwarded_text(part, depth))
    elif ctype in _REPORT_PARTS:
        return
    elif part.is_multipart():
        if ctype == "multipart/alternative":
            _collect_alternative(part, found, depth)
        else:
            found.read_messages = found.read_messages and ctype != "multipart/report"
            for sub in children(part):
                collect(sub, found, depth + 1)
    elif ctype.startswith("multipart/"):
        rescued = _rescued_multipart(part)
        if rescued is not None:
            collect(rescued, found, depth + 1)
        else:
            found.texts.append(_part_text(part, found.charset_hint))
    elif ctype not in _BODY_TYPES or _disposition(part) == "attachment" or _filename(part):
        found.attachments.append(MailAttachment(_filename(part), ctype, payload(part)))
    elif ctype == "text/html":
        found.texts.append(html_to_text(_part_text(part, found.charset_hint)))
    else:
        found.texts.append(_part_text(part, found.charset_hint))


FORWARD_LINE = "---------- Forwarded message ---------"
"""What a forwarded message's text starts with in the body (Gmail's line, so `history` reads it
as a forward)."""


def _forwarded_text(part: Message, depth: int) -> list[str]:
    """The text of an attached message: a forward line, its From, Date and Subject, its body."""
    texts: list[str] = []
    for inner in children(part)[:1]:
        body = Parts(read_messages=False, charset_hint=words_charset(inner))
        collect(inner, body, depth + 1)
        text = "\n\n".join(t for t in body.texts if t.strip()).strip()
        fields = [
            f"{name}: {value}"
            for name in ("From", "Date", "Subject")
            if (value := decode_words(header(inner, name)).strip())
        ]
        if text or fields:
            texts.append("\n".join((FORWARD_LINE, *fields, "", text)).strip())
    return texts


def _collect_alternative(part: Message, found: Parts, depth: int) -> None:
    """Take the plain-text alternative unless it is empty, else the richest non-empty one.

    Attachments of every alternative count: inline images sit in the HTML's multipart/related.
    """
    plain, other = "", ""
    for sub in children(part):
        branch = Parts(charset_hint=found.charset_hint)
        collect(sub, branch, depth + 1)
        found.attachments.extend(branch.attachments)
        text = "\n\n".join(t for t in branch.texts if t.strip())
        if not text.strip():
            continue
        if content_type(sub) == "text/plain":
            plain = plain or text
        else:
            other = text
    if plain or other:
        found.texts.append(plain or other)


def _rescued_multipart(part: Message) -> Message | None:
    """Re-parse a multipart whose boundary parameter is missing, guessing it from the body.

    The package leaves such a body as one text; its first "--boundary" line followed by a header
    is the boundary the sender meant.
    """
    body = payload(part)
    match = re.search(rb"^--([^\s\"][^\r\n\"]{0,69}?)[ \t]*\r?\n(?=[!-9;-~]+:)", body, re.M)
    if match is None:
        return None
    head = b'Content-Type: %s; boundary="%s"\r\n\r\n' % (
        content_type(part).encode("ascii", "replace"),
        match.group(1),
    )
    rescued = parsed(head + body)
    return rescued if rescued.is_multipart() else None


def content_type(part: Message) -> str:
    """The part's type, lower case, as policy.default reads it: a plain `type/subtype` at once,
    anything else (comments, stray characters) through policy.default's own header parser."""
    raw = part.get("content-type")
    if raw is None:
        return part.get_default_type()
    value = str(raw)
    simple = _SIMPLE_TYPE.match(value)
    if simple:
        return simple.group(1).lower()
    try:
        found = str(email.policy.default.header_factory("content-type", value).content_type)  # type: ignore[attr-defined]
    except Exception:  # the structured parser raised on it: the lenient reading
        return part.get_content_type()
    return found if found.count("/") == 1 else "text/plain"


_MIME_NAME = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_SIMPLE_TYPE = re.compile(rf"[ \t]*({_MIME_NAME}/{_MIME_NAME})[ \t]*(?:;|$)")


def _compat_view(part: Message) -> Message:
    """The part's raw headers under policy.compat32, whose plain string parsing is lenient
    (the part itself, when it was parsed so)."""
    if part.policy is email.policy.compat32:
        return part
    view = Message(policy=email.policy.compat32)
    for key, value in part.raw_items():
        view[key] = value
    return view


def _disposition(part: Message) -> str:
    return _compat_view(part).get_content_disposition() or ""


def param(part: Message, name: str, header: str = "content-type") -> str:
    """A header parameter decoded from RFC 2231 or RFC 2047, "" when absent."""
    try:
        value = _compat_view(part).get_param(name, None, header)
    except (TypeError, ValueError, IndexError):  # RFC 2231 continuations it cannot sort
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text holding the raw bytes)
        charset, _language, text = value
        try:
            return decode_text(text.encode("latin-1", "surrogateescape"), charset or None)
        except UnicodeEncodeError:  # already characters, not bytes
            return without_surrogates(text)
    if value and SURROGATES.search(value):  # raw 8-bit bytes: in the part's own charset?
        value = unescape_8bit(value, declared_charset(part))
    return decode_words(value) if value else ""


def _filename(part: Message) -> str:
    """The file's name without any directory part a client or attacker put in front."""
    return safe_filename(param(part, "filename", "content-disposition") or param(part, "name"))


def payload(part: Message) -> bytes:
    """The part's content with base64 or quoted-printable undone; b"" when there is none."""
    try:
        body = part.get_payload()
        if isinstance(body, str) and header(part, "Content-Transfer-Encoding").lower() == "base64":
            return _lenient_base64(body)
        data = part.get_payload(decode=True)
    except Exception:  # policy.default raised on a broken Content-Transfer-Encoding header
        return b""
    return data if isinstance(data, bytes) else b""


def _lenient_base64(text: str) -> bytes:
    """Decode base64 as far as it goes, where the package would give up or return it undecoded.

    Stray characters are skipped; each "="-terminated run (some clients concatenate encoded
    blocks) is decoded on its own, and a truncated last group yields the bytes it holds.
    """
    decoded = []
    for run in re.sub(r"[^A-Za-z0-9+/=]", "", text).split("="):
        run = run[: len(run) - 1] if len(run) % 4 == 1 else run  # one char holds no whole byte
        decoded.append(binascii.a2b_base64(run + "=" * (-len(run) % 4)))
    return b"".join(decoded)


def _part_text(part: Message, hint: str | None) -> str:
    text = decode_text(payload(part), param(part, "charset").lower() or None, hint)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if param(part, "format").lower() == "flowed":
        text = _unflow(text, delsp=param(part, "delsp").lower() == "yes")
    return text


def _unflow(text: str, *, delsp: bool) -> str:
    """Join RFC 3676 soft line breaks (a line ending in a space continues on the next line)."""
    lines: list[str] = []
    pending: tuple[int, str] | None = None  # quote depth and text of a line still continuing
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")  # the space after ">", or space-stuffing
        if pending and pending[0] == depth:
            content = pending[1] + content
        elif pending:
            lines.append(_quote(*pending))
        pending = None
        if content.endswith(" ") and content != "-- ":
            pending = (depth, content[:-1] if delsp else content)
        else:
            lines.append(_quote(depth, content))
    if pending:
        lines.append(_quote(*pending))
    return "\n".join(lines)


def _quote(depth: int, content: str) -> str:
    return f"{'>' * depth} {content}" if depth else content


def _message_bytes(part: Message) -> bytes:
    """A nested message as bytes, headers as they were written (compat32 does not refold)."""
    for inner in children(part)[:1]:
        with contextlib.suppress(Exception):
            return inner.as_bytes(policy=email.policy.compat32)
    return payload(part)


def children(part: Message) -> list[Message]:
    """The sub-messages the parser made of a message/* or multipart part, [] for a leaf."""
    if not part.is_multipart():  # get_payload() of a leaf parses headers, which can raise
        return []
    return [p for p in part.get_payload() if isinstance(p, Message)]


def named(attachments: list[MailAttachment]) -> tuple[MailAttachment, ...]:
    """Give nameless attachments a name from their position and type: "attachment-2.png"."""
    named = []
    for index, attachment in enumerate(attachments, start=1):
        if not attachment.filename:
            extension = _MIME.guess_extension(attachment.content_type) or ".bin"
            attachment = replace(attachment, filename=f"attachment-{index}{extension}")
        named.append(attachment)
    return tuple(named)
