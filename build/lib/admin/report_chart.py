"""Charts for the console's report page, as self-contained SVG."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

_BAR_HEIGHT, _GAP, _LABEL_WIDTH, _BAR_WIDTH, _TOP_MARGIN = 20, 6, 200, 360, 32


def bar_chart_svg(title: str, bars: Sequence[tuple[str, float]]) -> str:
    """A horizontal bar chart as a self-contained SVG (no scripts), for the console to embed.

    Labels come from customers (product names), so every text is XML-escaped; screen readers
    get the title through role="img" and aria-label."""
    largest = max((value for _, value in bars), default=0) or 1
    height = _TOP_MARGIN + len(bars) * (_BAR_HEIGHT + _GAP) + _GAP
    width = _LABEL_WIDTH + _BAR_WIDTH + 80
    quoted = escape(title, {'"': "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{quoted}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(bars):
        y = _TOP_MARGIN + index * (_BAR_HEIGHT + _GAP)
        shown = label if len(label) <= 30 else label[:29] + "…"
        length = round(_BAR_WIDTH * max(value, 0) / largest, 1)
        middle = y + _BAR_HEIGHT * 0.7
        parts += [
            f'<text x="{_LABEL_WIDTH - 6}" y="{middle}" font-size="12" '
            f'text-anchor="end">{escape(shown)}</text>',
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{length}" height="{_BAR_HEIGHT}" '
            'fill="#4a78b5"/>',
            f'<text x="{_LABEL_WIDTH + length + 6}" y="{middle}" font-size="12">{value:g}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)
