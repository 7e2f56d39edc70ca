"""What a customer newly wrote in a mail body: a reply's quoted history cut off, a forwarded
message kept (it is what they complain about), the signature set apart.

A reply quotes the conversation so far, mostly the bot's own mail: it is cut, so the timeline
shows only what is new. A forward carries someone's earlier mail, usually the customer's own
complaint sent again or a shop's promise: it is content, kept and routed. Both can look alike
(Outlook writes "-----Original Message-----" above either), so a block counts as forwarded when
its separator says so ("Forwarded message", "Mensaje reenviado", "转发的邮件", "轉寄的郵件",
Apple's "Begin forwarded message:"), or when the subject says the mail is a forward ("Fwd:",
"RV:", "转发:", "轉寄:") and the block starts with the client's separator or header lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaints.phones import LABELLED, NUMBER, plausible

_ATTRIBUTION = re.compile(
    r"(?:(?:On|El)\s.*\d{1,2}:\d{2}.*\s(?:wrote|escribió)"  # Gmail, Apple Mail, Thunderbird
    r"|.*\d{4}\s*年.*(?:写道|寫道))\s*[:：]",  # 在/於 2026年3月2日 …写道：
    re.I,
)
_SEPARATOR = re.compile(
    r"-{3,}\s*(?:original message|original|mensaje original|原始邮件|原始郵件)\s*-{3,}|_{10,}",
    re.I,
)
_FORWARD = re.compile(
    r"-{3,}\s*(?:forwarded message|mensaje reenviado|转发的邮件|转发邮件|转发的消息|轉寄的郵件"
    r"|轉寄郵件|轉寄的訊息|轉發的郵件)\s*-{3,}"
    r"|(?:begin forwarded message|inicio del mensaje reenviado|comienzo del mensaje reenviado"
    r"|以下是转发的邮件|以下為轉寄的郵件|以下为转发的邮件)\s*[:：]?",
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


_BARE_PHONE = re.compile(r"\s*" + NUMBER + r"\s*")


def signature_phone(signature: str) -> str:
    """The phone number a signature clearly gives: on a line labelled as a phone ("Tel.",
    "Móvil:", "手机：", "電話:"), else the only line that is nothing but a number; "" when
    there is none or it is unclear (two bare numbers, a fax)."""
    lines = [line.strip() for line in signature.split("\n")]
    for line in lines:
        if (found := LABELLED.fullmatch(line)) and plausible(found[1]):
            return found[1]
    bare = {found[1] for line in lines if (found := _BARE_PHONE.fullmatch(line))}
    only = bare.pop() if len(bare) == 1 else ""
    return only if plausible(only) else ""


@dataclass(frozen=True)
class Reading:
    """A body read: `text` is what intake and the router read (the new words and any forwarded
    message, no signature, no quoted history); `shown` is what is kept for staff (the same
    with the signature where it stood); `signature` is the signature block alone, or without
    a marked one (`-- `, "Sent from…") the closing line when it is nothing but a labelled phone
    number ("電話：0912-345-678", "Móvil: 612 345 678"): the contact line many customers end
    with, which stays in `text` too."""

    text: str
    shown: str
    signature: str


def read_body(text: str, *, forward: bool = False) -> Reading:
    """Read a mail body; `forward`: the subject says the mail is a forward."""
    lines = text.replace("\r\n", "\n").split("\n")
    lines = lines[_leading_quote_end(lines) :]
    signature_at, cut, forward_at = _markers(lines, forward=forward)
    if forward_at is None:
        cut = min(cut, _trailing_quote_start(lines))
    own_end = cut if forward_at is None else forward_at
    body_end = own_end if signature_at is None else min(signature_at, own_end)
    body = _joined(lines[:body_end])
    signature = _joined(lines[body_end:own_end]) or _contact_line(body)
    forwarded = _joined(lines[forward_at:]) if forward_at is not None else ""
    new = "\n\n".join(part for part in (body, forwarded) if part)
    if not new:  # nothing but quote or signature: keep all of it rather than nothing
        whole = text.strip()
        return Reading(whole, whole, "")
    shown = _joined(lines[:cut])
    return Reading(new, shown, signature)


def _contact_line(body: str) -> str:
    """The body's last line when it is a labelled phone number, else "". Only the last: a
    labelled number further up is more likely the line the complaint is about."""
    last = body.rsplit("\n", 1)[-1].strip()
    return last if LABELLED.fullmatch(last) else ""


def strip_quoted(text: str) -> str:
    """The new text of a reply: no quoted history, no signature; all of it if nothing is left."""
    return read_body(text).text


def _joined(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def _markers(lines: list[str], *, forward: bool) -> tuple[int | None, int, int | None]:
    """(first signature line or None, where quoted history starts, where a forward starts)."""
    signature_at: int | None = None
    for index, raw_line in enumerate(lines):
        line = raw_line.strip()
        if _FORWARD.fullmatch(line):
            return signature_at, len(lines), index
        if signature_at is None and _SIGNATURE.fullmatch(line):
            signature_at = index
            continue
        following = [next_line.strip() for next_line in lines[index + 1 : index + 4]]
        block = (
            _SEPARATOR.fullmatch(line)
            or _HEADER_BLOCK_CJK.match(line)
            or (_HEADER_FROM.match(line) and any(_HEADER_SENT.match(f) for f in following))
        )
        if block and forward:
            return signature_at, len(lines), index
        if block or _is_attribution(line, following[0] if following else ""):
            return signature_at, index, None
    return signature_at, len(lines), None


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


def _leading_quote_end(lines: list[str]) -> int:
    """Where a bottom-posted reply's new words start: after an attribution ("On … wrote:") and
    the block of ">" lines it introduces, at the top; 0 when the text does not start so, or
    when ">" lines follow later (answers written between the quoted lines are kept whole)."""
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    quote = start
    for attribution_lines in (1, 2):  # Gmail wraps a long attribution onto a second line
        head = " ".join(line.strip() for line in lines[start : start + attribution_lines])
        below = lines[start + attribution_lines : start + attribution_lines + 1]
        if head.endswith((":", "：")) and below and below[0].lstrip().startswith(">"):
            quote = start + attribution_lines
            break
    end = quote
    while end < len(lines) and (lines[end].lstrip().startswith(">") or not lines[end].strip()):
        end += 1
    rest = lines[end:]
    quoted = any(line.lstrip().startswith(">") for line in lines[quote:end])
    if not quoted or not rest or any(line.lstrip().startswith(">") for line in rest):
        return 0
    return end


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
