"""Turn one raw e-mail into what intake needs: who wrote, what they newly wrote, and what it is.

Pure and standard-library only, so the SMTP and IMAP adapters share it and tests need no server.
`parse_mail` is lenient: real mail is often broken (a lost MIME boundary, truncated base64, charset
labels that lie), and a complaint must not be lost because of that. It raises `MalformedMail` only
when the bytes are not a usable message at all, and never anything else.

The `email` package (policy.default) parses the MIME structure. Header values and text bodies are
decoded here instead of by the package, because it decodes by the declared charset and quietly puts
U+FFFD where the label lies (gb2312 mail holding GBK characters, big5 holding HKSCS ones), and its
structured header parsing can itself raise on broken headers.
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import email
import email.policy
import functools
import mimetypes
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import errors
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from complaints.errors import MalformedMail


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Bounce:
    """A delivery-status notification about a message we sent."""

    original_message_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    status: str
    permanent: bool
    diagnostic: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_name: str
    from_address: str
    to: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    """What the customer newly wrote: the best body with quoted history and signature removed."""
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
    if not list(msg.raw_items()):
        raise MalformedMail("not an e-mail message: no header lines")
    from_name, from_address = _sender(msg)
    if not from_address:
        raise MalformedMail("no usable From address")

    found = _Parts()
    _collect(msg, found)
    full_text = "\n\n".join(text for text in found.texts if text.strip()).strip()
    bounce = _bounce(msg, from_address, full_text)
    return ParsedMail(
        message_id=next(iter(_message_ids(_header(msg, "Message-ID"))), ""),
        in_reply_to=_message_ids(_header(msg, "In-Reply-To")),
        references=_message_ids(_header(msg, "References")),
        from_name=from_name,
        from_address=from_address,
        to=_recipients(msg),
        subject=_decode_words(_header(msg, "Subject")),
        date=_date(_header(msg, "Date")),
        text=strip_quoted(full_text),
        full_text=full_text,
        language_hint=_header(msg, "Content-Language").split(",")[0].strip(),
        attachments=_named(found.attachments),
        automated="delivery status notification" if bounce else _automated(msg, from_address),
        bounce=bounce,
    )


def _message(raw: bytes) -> Message:
    """Parse with policy.default, again without junk lines inside the header block if needed.

    The package ends the header block at a line that is no header ("X-Broken without colon")
    and reads the headers after it as body text, losing Content-Type and the rest.
    """
    msg = _parsed(raw)
    if any(isinstance(d, errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
        repaired = _without_junk_header_lines(raw)
        if repaired != raw:
            msg = _parsed(repaired)
    return msg


def _parsed(raw: bytes) -> Message:
    """policy.default, or compat32 when policy.default's header parsing raises inside the parser
    (it does on an encoded word that decodes to a lone surrogate, among others)."""
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:
        return email.message_from_bytes(raw, policy=email.policy.compat32)


def _without_junk_header_lines(raw: bytes) -> bytes:
    """Drop lines of the header block that are neither a field nor a continuation, when real
    fields follow them (otherwise they are the body of a message without the blank line)."""
    lines = raw.splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if line in (b"\n", b"\r\n")), len(lines))
    fields = [i for i in range(end) if _FIELD_LINE.match(lines[i])]
    last_field = fields[-1] if fields else -1
    return b"".join(
        line
        for i, line in enumerate(lines)
        if i >= end or i > last_field or _FIELD_LINE.match(line) or line[:1] in b" \t"
    )


# --- charsets -----------------------------------------------------------------------------------

# Labels that are subsets of a codec mail clients really use: decoding by the superset gives the
# same text for honest mail and the right text for mislabelled mail (pitfalls.md, "E-mail").
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "iso8859-1": "cp1252"}
# What to try when the label is missing from Python or absent: most likely first.
_GUESSES = ("utf-8", "gb18030", "big5hkscs", "cp1252")
# Codecs that turn escape sequences in the text into arbitrary characters: never a real charset.
_REFUSED = {"unicode-escape", "raw-unicode-escape"}
_SURROGATES = re.compile(r"[\ud800-\udfff]")


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


def _decode_text(data: bytes, label: str | None) -> str:
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
            return _without_surrogates(data.decode(name))
        except UnicodeDecodeError as exc:
            if name == candidates[0] and _cut_short(exc, data):
                with contextlib.suppress(UnicodeError):
                    return _without_surrogates(data[: exc.start].decode(name))
        except UnicodeError:  # "idna" and other odd codecs raise the base class
            continue
    with contextlib.suppress(UnicodeError):
        fallback = codec if codec and codec != "ascii" else "latin-1"
        return _without_surrogates(data.decode(fallback, "replace"))
    return data.decode("latin-1")


def _without_surrogates(text: str) -> str:
    """utf-7 and friends can yield lone surrogates, which no database or JSON encoder accepts."""
    return _SURROGATES.sub("\ufffd", text)


def _cut_short(exc: UnicodeDecodeError, data: bytes) -> bool:
    """Whether decoding failed only because the last character is incomplete."""
    return exc.end == len(data) and exc.reason in (
        "unexpected end of data",
        "incomplete multibyte sequence",
    )


# --- headers ------------------------------------------------------------------------------------

_FIELD_LINE = re.compile(rb"[!-9;-~]+:")  # RFC 5322 field name: printable ASCII but ":"
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_NAME_ADDRESS = re.compile(r"(?P<name>.*?)<(?P<address>[^<>\s@]+@[^<>\s@]+)>", re.S)
_BARE_ADDRESS = re.compile(r"[^\s<>\"(),;:@]+@[^\s<>\"(),;:@]+")


def _header(msg: Message, name: str) -> str:
    """The first raw value of a header, unfolded, "" when absent.

    Raw values sidestep policy.default's structured parsing, which can raise on broken headers.
    8-bit bytes in the header (the parser keeps them as surrogate escapes) are decoded here.
    """
    values = _headers(msg, name)
    return values[0].strip() if values else ""


def _headers(msg: Message, name: str) -> list[str]:
    """Every raw value of a header, unfolded and with 8-bit bytes decoded."""
    lowered = name.lower()
    return [
        _unescape_8bit(re.sub(r"\r?\n(?=[ \t])", "", str(value)))
        for key, value in msg.raw_items()
        if key.lower() == lowered
    ]


def _unescape_8bit(value: str) -> str:
    """Decode raw 8-bit header bytes (RFC 6532 UTF-8, or a client's local charset) by guessing."""
    if not _SURROGATES.search(value):
        return value
    return _decode_text(value.encode("utf-8", "surrogateescape"), None)


def _decode_words(value: str) -> str:
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
        _decode_text(part, charset) if isinstance(part, bytes) else part for part, charset in pieces
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


def _sender(msg: Message) -> tuple[str, str]:
    """Display name and lower-cased address from From; the address is "" when none is usable.

    `Name <address>` is read directly: `getaddresses` splits an encoded word holding a comma and
    gives up on an unbalanced quote. Other forms go through `getaddresses`, then a bare search.
    """
    value = _header(msg, "From")
    if match := _NAME_ADDRESS.search(value):
        name = match["name"].strip().strip('"').replace('\\"', '"')
        return _decode_words(name), match["address"].lower()
    for name, address in getaddresses([value]):
        local, _, domain = address.strip().rpartition("@")
        if local and domain and not re.search(r"[\s<>]", address.strip()):
            return _decode_words(name), address.strip().lower()
    bare = _BARE_ADDRESS.search(value)
    return "", bare[0].lower() if bare else ""


def _recipients(msg: Message) -> tuple[str, ...]:
    addresses = getaddresses(_headers(msg, "To") + _headers(msg, "Cc"))
    found = [a.strip().lower() for _, a in addresses if "@" in a]
    return tuple(dict.fromkeys(found))


def _message_ids(value: str) -> tuple[str, ...]:
    """Message-IDs without <>, in order, once each; bare ids (without brackets) count too."""
    ids = _MESSAGE_ID.findall(value) or [word for word in value.split() if "@" in word]
    return tuple(dict.fromkeys(i.strip("<>") for i in ids if i.strip("<>")))


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" means "UTC, local zone unknown" (RFC 5322), which the package leaves naive.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# --- MIME structure -----------------------------------------------------------------------------

_BODY_TYPES = ("text/plain", "text/html")
_MESSAGE_TYPES = ("message/rfc822", "message/global")
# Machine-readable parts of a delivery report: read by `_bounce`, neither body nor attachment.
_REPORT_PARTS = ("message/delivery-status", "text/rfc822-headers")
_MAX_DEPTH = 30
_MIME = mimetypes.MimeTypes()  # the built-in table only, not /etc/mime.types: same on every host


@dataclass
class _Parts:
    """What a walk over the MIME tree found: body texts in reading order, and the attachments."""

    texts: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)


def _collect(part: Message, found: _Parts, depth: int = 0) -> None:
    """Sort one MIME part (and its children) into body text and attachments."""
    if depth > _MAX_DEPTH:
        return
    ctype = _content_type(part)
    if ctype in _MESSAGE_TYPES:
        # A forwarded message is what someone else wrote: keep it whole, as a file.
        found.attachments.append(MailAttachment("forwarded.eml", ctype, _message_bytes(part)))
    elif ctype in _REPORT_PARTS:
        return
    elif part.is_multipart():
        if ctype == "multipart/alternative":
            _collect_alternative(part, found, depth)
        else:
            for sub in _children(part):
                _collect(sub, found, depth + 1)
    elif ctype.startswith("multipart/"):
        rescued = _rescued_multipart(part)
        if rescued is not None:
            _collect(rescued, found, depth + 1)
        else:
            found.texts.append(_part_text(part))
    elif ctype not in _BODY_TYPES or _disposition(part) == "attachment" or _filename(part):
        found.attachments.append(MailAttachment(_filename(part), ctype, _payload(part)))
    elif ctype == "text/html":
        found.texts.append(html_to_text(_part_text(part)))
    else:
        found.texts.append(_part_text(part))


def _collect_alternative(part: Message, found: _Parts, depth: int) -> None:
    """Take the plain-text alternative unless it is empty, else the richest non-empty one.

    Attachments of every alternative count: inline images sit in the HTML's multipart/related.
    """
    plain, other = "", ""
    for sub in _children(part):
        branch = _Parts()
        _collect(sub, branch, depth + 1)
        found.attachments.extend(branch.attachments)
        text = "\n\n".join(t for t in branch.texts if t.strip())
        if not text.strip():
            continue
        if _content_type(sub) == "text/plain":
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
    body = _payload(part)
    match = re.search(rb"^--([^\s\"][^\r\n\"]{0,69}?)[ \t]*\r?\n(?=[!-9;-~]+:)", body, re.M)
    if match is None:
        return None
    head = b'Content-Type: %s; boundary="%s"\r\n\r\n' % (
        _content_type(part).encode("ascii", "replace"),
        match.group(1),
    )
    rescued = _parsed(head + body)
    return rescued if rescued.is_multipart() else None


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # policy.default's parser raised on a broken Content-Type
        return _compat_view(part).get_content_type()


def _compat_view(part: Message) -> Message:
    """The part's raw headers under policy.compat32, whose plain string parsing is lenient."""
    view = Message(policy=email.policy.compat32)
    for key, value in part.raw_items():
        view[key] = value
    return view


def _disposition(part: Message) -> str:
    return _compat_view(part).get_content_disposition() or ""


def _param(part: Message, name: str, header: str = "content-type") -> str:
    """A header parameter decoded from RFC 2231 or RFC 2047, "" when absent."""
    try:
        value = _compat_view(part).get_param(name, None, header)
    except (TypeError, ValueError, IndexError):  # RFC 2231 continuations it cannot sort
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text holding the raw bytes)
        charset, _language, text = value
        try:
            return _decode_text(text.encode("latin-1", "surrogateescape"), charset or None)
        except UnicodeEncodeError:  # already characters, not bytes
            return _without_surrogates(text)
    return _decode_words(_unescape_8bit(value)) if value else ""


def _filename(part: Message) -> str:
    """The file's name without any directory part a client or attacker put in front."""
    name = _param(part, "filename", "content-disposition") or _param(part, "name")
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()


def _payload(part: Message) -> bytes:
    """The part's content with base64 or quoted-printable undone; b"" when there is none."""
    try:
        body = part.get_payload()
        if isinstance(body, str) and _header(part, "Content-Transfer-Encoding").lower() == "base64":
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


def _part_text(part: Message) -> str:
    text = _decode_text(_payload(part), _param(part, "charset").lower() or "us-ascii")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if _param(part, "format").lower() == "flowed":
        text = _unflow(text, delsp=_param(part, "delsp").lower() == "yes")
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
    for inner in _children(part)[:1]:
        with contextlib.suppress(Exception):
            return inner.as_bytes(policy=email.policy.compat32)
    return _payload(part)


def _children(part: Message) -> list[Message]:
    """The sub-messages the parser made of a message/* or multipart part, [] for a leaf."""
    if not part.is_multipart():  # get_payload() of a leaf parses headers, which can raise
        return []
    return [p for p in part.get_payload() if isinstance(p, Message)]


def _named(attachments: list[MailAttachment]) -> tuple[MailAttachment, ...]:
    """Give nameless attachments a name from their position and type: "attachment-2.png"."""
    named = []
    for index, attachment in enumerate(attachments, start=1):
        if not attachment.filename:
            extension = _MIME.guess_extension(attachment.content_type) or ".bin"
            attachment = replace(attachment, filename=f"attachment-{index}{extension}")
        named.append(attachment)
    return tuple(named)


# --- automated mail and bounces -----------------------------------------------------------------

_DAEMONS = {"mailer-daemon": "sender MAILER-DAEMON", "postmaster": "sender postmaster"}
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
_DELAYED = re.compile(r"delayed|not yet been delivered|will (?:keep|continue) trying", re.I)
_QUOTED_HEADERS = re.compile(r"^\s*(?:Message-ID|Received|Return-Path):", re.I | re.M)
_QUOTED_MESSAGE_ID = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.I | re.M)
_QMAIL_RECIPIENT = re.compile(r"^<([^<>\s]+@[^<>\s]+)>:\s*$", re.M)


def _automated(msg: Message, from_address: str) -> str:
    """Why the message looks machine-sent (RFC 3834 and the common conventions), "" if human."""
    auto_submitted = _header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if _headers(msg, name):
            return name
    suppress = _header(msg, "X-Auto-Response-Suppress")
    if {"all", "oof", "autoreply"} & {w.strip().lower() for w in suppress.split(",")}:
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe"):
        if _headers(msg, name):
            return name
    local = from_address.rpartition("@")[0]
    if local in _DAEMONS:
        return _DAEMONS[local]
    if _header(msg, "Return-Path") == "<>":
        return "Return-Path: <> (null sender)"
    return ""


def _bounce(msg: Message, from_address: str, full_text: str) -> Bounce | None:
    """Read a delivery report: the standard DSN, or a daemon's text quoting the original headers."""
    report_type = _param(msg, "report-type").lower()
    if _content_type(msg) == "multipart/report" and report_type == "delivery-status":
        return _dsn(msg, full_text)
    local = from_address.rpartition("@")[0]
    if local in _DAEMONS and (
        _headers(msg, "X-Failed-Recipients") or _QUOTED_HEADERS.search(full_text)
    ):
        return _text_bounce(msg, full_text)
    return None


def _dsn(msg: Message, full_text: str) -> Bounce:
    """RFC 3464: the per-recipient fields of message/delivery-status, the original's headers."""
    fields: dict[str, str] = {}
    recipients: list[str] = []
    for part in msg.walk():
        if _content_type(part) != "message/delivery-status":
            continue
        for block in _status_blocks(part):
            for key, value in block:
                key, value = key.lower(), " ".join(str(value).split())
                if key in ("final-recipient", "original-recipient"):
                    recipients.append(value.rpartition(";")[2].strip(" <>").lower())
                elif key in ("action", "status", "diagnostic-code"):
                    fields.setdefault(key, value)
    recipients += _failed_recipients(msg)
    status = _STATUS.search(fields.get("status", ""))
    action = fields.get("action", "").lower()
    permanent = action == "failed" or (action != "delayed" and (not status or status[1] == "5"))
    code = fields.get("diagnostic-code", "")
    return Bounce(
        original_message_ids=_original_ids(msg, full_text),
        recipients=tuple(dict.fromkeys(r for r in recipients if r)),
        status=status[0] if status else "",
        permanent=permanent,
        diagnostic=(code.partition(";")[2] or code).strip()[:300],  # "smtp; 550 5.1.1 ..."
    )


def _status_blocks(part: Message) -> list[list[tuple[str, str]]]:
    """The field blocks of a message/delivery-status part, however the parser left them."""
    if blocks := _children(part):
        return [list(block.raw_items()) for block in blocks]
    text = _decode_text(_payload(part), None)
    parser = HeaderParser(policy=email.policy.compat32)
    return [list(parser.parsestr(b.strip()).items()) for b in re.split(r"\n\s*\n", text)]


def _text_bounce(msg: Message, full_text: str) -> Bounce:
    """A qmail or Exim bounce: recipients, status and reason read from the daemon's prose."""
    recipients = _failed_recipients(msg) + _QMAIL_RECIPIENT.findall(full_text)
    status = _STATUS.search(full_text)
    diagnostic = ""
    if status:
        start = full_text.rfind("\n", 0, status.start()) + 1
        end = full_text.find("\n", status.end())
        diagnostic = full_text[start : end if end >= 0 else None].strip()
    permanent = status[1] == "5" if status else not _DELAYED.search(full_text)
    return Bounce(
        original_message_ids=_original_ids(msg, full_text),
        recipients=tuple(dict.fromkeys(r.lower() for r in recipients)),
        status=status[0] if status else "",
        permanent=permanent,
        diagnostic=" ".join(diagnostic.split())[:300],
    )


def _failed_recipients(msg: Message) -> list[str]:
    """Exim's X-Failed-Recipients header."""
    return [a.lower() for _, a in getaddresses(_headers(msg, "X-Failed-Recipients")) if "@" in a]


def _original_ids(msg: Message, full_text: str) -> tuple[str, ...]:
    """Message-IDs of the bounced mail: from the returned message or its headers, else the text."""
    ids: list[str] = []
    for part in msg.walk():
        ctype = _content_type(part)
        if ctype in _MESSAGE_TYPES:
            ids += [
                i for inner in _children(part) for i in _message_ids(_header(inner, "Message-ID"))
            ]
        elif ctype == "text/rfc822-headers":
            headers = HeaderParser(policy=email.policy.compat32).parsestr(
                _decode_text(_payload(part), None)
            )
            ids += _message_ids(_header(headers, "Message-ID"))
    if not ids:
        ids = [i for m in _QUOTED_MESSAGE_ID.findall(full_text) for i in _message_ids(m)]
    return tuple(dict.fromkeys(ids))


# --- text ---------------------------------------------------------------------------------------

_SKIPPED_TAGS = {"script", "style", "head", "title"}
_BLOCK_TAGS = {
    "div", "table", "tr", "li", "ul", "ol", "blockquote", "pre", "hr", "section", "article",
    "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "address", "center", "dl", "dt", "dd",
}  # fmt: skip


class _HtmlText(HTMLParser):
    """Collect an HTML body's readable text, with block elements as line breaks.

    Block boundaries are owed as `breaks` and paid before the next text, so nested or adjacent
    blocks give one line break (two around a paragraph), not a stack of blank lines.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.breaks = 0
        self.bullet = ""
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag == "body":
            self.skipping = 0  # a <head> that was never closed
        elif tag == "br":
            self.breaks += 1
        elif tag == "p":
            self.breaks = max(self.breaks, 2)
        elif tag in _BLOCK_TAGS:
            self.breaks = max(self.breaks, 1)
            self.bullet = "- " if tag == "li" else self.bullet
        elif tag in ("td", "th"):
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "p" or tag in _BLOCK_TAGS:
            self.breaks = max(self.breaks, 2 if tag == "p" else 1)

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)  # HTML collapses white space
        if self.skipping or (self.breaks and not text.strip()):
            return
        if self.chunks and self.breaks:
            self.chunks.append("\n" * self.breaks)
        self.chunks.append(self.bullet + text)
        self.breaks, self.bullet = 0, ""


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: paragraphs and breaks kept, markup and scripts dropped."""
    parser = _HtmlText()
    # _markupbase raises AssertionError on some malformed "<![...[" sections: keep what was read.
    with contextlib.suppress(AssertionError):
        parser.feed(html)
        parser.close()
    lines = (line.strip() for line in "".join(parser.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_ATTRIBUTION = re.compile(
    r"(?:(?:On|El)\s.*\d{1,2}:\d{2}.*\s(?:wrote|escribió)"  # Gmail, Apple Mail, Thunderbird
    r"|.*\d{4}\s*年.*(?:写道|寫道))\s*[:：]",  # 在/於 2026年3月2日 …写道：
    re.I,
)
_SEPARATOR = re.compile(
    r"-{3,}\s*(?:original message|original|mensaje original|原始邮件|原始郵件)\s*-{3,}|_{10,}",
    re.I,
)
_SIGNATURE = re.compile(
    r"--|(?:Sent from my|Enviado desde mi|Get Outlook for|Obtener Outlook para)\s.+"
    r"|发自我的.+|從我的\s*.+\s*傳送",
    re.I,
)
_HEADER_BLOCK_CJK = re.compile(r"[*\s]*(?:发件人|發件人|寄件者)\s*\**\s*[:：]")
_HEADER_FROM = re.compile(r"[*\s]*(?:From|De)\s*\**\s*:")
_HEADER_SENT = re.compile(r"[*\s]*(?:Sent|Date|Enviado(?: el)?|Fecha)\s*\**\s*:", re.I)


def strip_quoted(text: str) -> str:
    """The new text of a reply: no quoted history, no signature; all of it if nothing is left."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = min(_history_start(lines), _trailing_quote_start(lines))
    return "\n".join(lines[:cut]).strip() or text.strip()


def _history_start(lines: list[str]) -> int:
    """Index of the first attribution, Outlook header block, separator or signature line."""
    for index, raw_line in enumerate(lines):
        line = raw_line.strip()
        following = [next_line.strip() for next_line in lines[index + 1 : index + 4]]
        if (
            _SEPARATOR.fullmatch(line)
            or _SIGNATURE.fullmatch(line)
            or _HEADER_BLOCK_CJK.match(line)
            or (_HEADER_FROM.match(line) and any(_HEADER_SENT.match(f) for f in following))
            or _is_attribution(line, following[0] if following else "")
        ):
            return index
    return len(lines)


def _is_attribution(line: str, next_line: str) -> bool:
    """An "On … wrote:" line, also when the client wrapped it onto the next line (Gmail does)."""
    if len(line) < 300 and _ATTRIBUTION.fullmatch(line):
        return True
    wrapped = f"{line} {next_line}"
    return (
        len(wrapped) < 300
        and not _ATTRIBUTION.fullmatch(next_line)
        and _ATTRIBUTION.fullmatch(wrapped) is not None
    )


def _trailing_quote_start(lines: list[str]) -> int:
    """Start of the block of ">" lines that ends the text, with the attribution line before it."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and (lines[start - 1].lstrip().startswith(">") or not lines[start - 1].strip()):
        start -= 1
    if start == end:
        return len(lines)
    if start and lines[start - 1].rstrip().endswith((":", "：")):
        start -= 1  # "Am 02.03.2026 schrieb Ana:" and other attributions we do not know
    return start
