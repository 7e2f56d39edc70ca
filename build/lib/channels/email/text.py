"""The readable text of a body: HTML turned into text, and a reply's quoted history and
signature removed so only what the customer newly wrote remains."""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

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
