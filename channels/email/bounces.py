"""Machine-sent mail: auto-replies and lists (recorded, never answered), and delivery reports
about mail the bot sent (standard DSNs, or a daemon's prose quoting the original headers)."""

from __future__ import annotations

import email.policy
import re
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

from channels.base import Bounce
from channels.email.charsets import decode_text
from channels.email.headers import header, headers, message_ids
from channels.email.mime import MESSAGE_TYPES, children, content_type, param, payload

_DAEMONS = {"mailer-daemon": "sender MAILER-DAEMON", "postmaster": "sender postmaster"}
_LIST_POST = re.compile(r"<mailto:([^<>?\s]+@[^<>?\s]+)", re.I)
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
_DELAYED = re.compile(r"delayed|not yet been delivered|will (?:keep|continue) trying", re.I)
_QUOTED_HEADERS = re.compile(r"^\s*(?:Message-ID|Received|Return-Path):", re.I | re.M)
_QUOTED_MESSAGE_ID = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.I | re.M)
_QMAIL_RECIPIENT = re.compile(r"^<([^<>\s]+@[^<>\s]+)>:\s*$", re.M)
_AUTO_REPLY_SUBJECT = re.compile(
    r"\s*(?P<prefix>out of (?:the )?office(?: auto-?reply)?|automatic reply|auto-?reply"
    r"|auto(?:matic)?[- ]?(?:reply|response)|auto"
    r"|respuesta autom[aá]tica(?: de fuera de la oficina)?|fuera de (?:la )?oficina"
    r"|自动回复|自动答复|自動回覆|自動答覆|自動回复)\s*[:：]",
    re.I,
)
"""The subject prefixes of auto-replies that carry no header saying so (Outlook's and Gmail's
out-of-office and automatic replies, in English, Spanish and Chinese): only at the start, so a
person's "Re: Automatic reply did not help" is a person's mail."""


def automated(msg: Message, from_address: str, subject: str) -> str:
    """Why the message looks machine-sent (RFC 3834 and the common conventions, and an
    auto-reply's subject prefix), "" if human. `subject`: the decoded Subject."""
    auto_submitted = header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if headers(msg, name):
            return name
    suppress = header(msg, "X-Auto-Response-Suppress")
    if {"all", "oof", "autoreply"} & {w.strip().lower() for w in suppress.split(",")}:
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe"):
        if headers(msg, name):
            return name
    local = from_address.rpartition("@")[0]
    if local in _DAEMONS:
        return _DAEMONS[local]
    if header(msg, "Return-Path") == "<>":
        return "Return-Path: <> (null sender)"
    if found := _AUTO_REPLY_SUBJECT.match(subject):
        return f"Subject: {found['prefix']}"
    return ""


def list_post(msg: Message) -> str:
    """The lower-cased address a list's List-Post header names (RFC 2369, "<mailto:…>"), ""
    when there is none: answering it would write to the whole list."""
    found = _LIST_POST.search(header(msg, "List-Post"))
    return found[1].lower() if found else ""


def read_bounce(msg: Message, from_address: str, full_text: str) -> Bounce | None:
    """Read a delivery report: the standard DSN, or a daemon's text quoting the original headers."""
    report_type = param(msg, "report-type").lower()
    if content_type(msg) == "multipart/report" and report_type == "delivery-status":
        return _dsn(msg, full_text)
    local = from_address.rpartition("@")[0]
    if local in _DAEMONS and (
        headers(msg, "X-Failed-Recipients") or _QUOTED_HEADERS.search(full_text)
    ):
        return _text_bounce(msg, full_text)
    return None


def _dsn(msg: Message, full_text: str) -> Bounce:
    """RFC 3464: the per-recipient fields of message/delivery-status, the original's headers."""
    fields: dict[str, str] = {}
    recipients: list[str] = []
    for part in msg.walk():
        if content_type(part) != "message/delivery-status":
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
    if blocks := children(part):
        return [list(block.raw_items()) for block in blocks]
    text = decode_text(payload(part), None)
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
    return [a.lower() for _, a in getaddresses(headers(msg, "X-Failed-Recipients")) if "@" in a]


def _original_ids(msg: Message, full_text: str) -> tuple[str, ...]:
    """Message-IDs of the bounced mail: from the returned message or its headers, else the text."""
    ids: list[str] = []
    for part in msg.walk():
        ctype = content_type(part)
        if ctype in MESSAGE_TYPES:
            ids += [i for inner in children(part) for i in message_ids(header(inner, "Message-ID"))]
        elif ctype == "text/rfc822-headers":
            returned = HeaderParser(policy=email.policy.compat32).parsestr(
                decode_text(payload(part), None)
            )
            ids += message_ids(header(returned, "Message-ID"))
    if not ids:
        ids = [i for m in _QUOTED_MESSAGE_ID.findall(full_text) for i in message_ids(m)]
    return tuple(dict.fromkeys(ids))
