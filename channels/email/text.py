"""The readable text of an HTML body (what the customer newly wrote is read from it by
`history`)."""

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
            if _is_signature(attrs):  # the "-- " line the plain-text alternative has
                self.handle_data("-- ")
                self.breaks = 1
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


def _is_signature(attrs: list[tuple[str, str | None]]) -> bool:
    """Gmail's signature block (class "gmail_signature") and Outlook's (id "Signature")."""
    found = dict(attrs)
    return "gmail_signature" in (found.get("class") or "").split() or found.get("id") == "Signature"


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: paragraphs and breaks kept, markup and scripts dropped."""
    parser = _HtmlText()
    # _markupbase raises AssertionError on some malformed "<![...[" sections: keep what was read.
    with contextlib.suppress(AssertionError):
        parser.feed(html)
        parser.close()
    lines = (line.strip() for line in "".join(parser.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
