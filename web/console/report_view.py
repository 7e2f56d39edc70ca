"""How the report page shows times and the weekly series: durations in the unit a reader thinks
in ("2 min", "3.5 h", "2.1 d" rather than 0.03 h), and the weeks as a column chart with axes.

Both return numbers and unit codes, not words: the template says "min", "h" or "d" (and the
chart's caption), so each can be translated there. The chart is inline SVG drawn here, since
the console's CSP allows no script and no other origin; it holds only numbers and dates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

MINUTES_BELOW_HOURS = 60
HOURS_BELOW_DAYS = 48
"""Up to two days a time reads best in hours ("36 h"); after that in days ("2.1 d")."""


@dataclass(frozen=True)
class Duration:
    amount: str
    """The number as shown: "2", "3.5", or "< 1" for under a minute."""
    unit: str
    """"min", "h" or "d"."""


def duration(hours: float | None) -> Duration | None:
    """`hours` (as the report API gives them) in minutes, hours or days; None for no value."""
    if hours is None:
        return None
    minutes = round(hours * 60)
    if minutes < MINUTES_BELOW_HOURS:
        return Duration("< 1" if 0 < hours * 60 < 0.5 else str(minutes), "min")
    if round(hours, 1) < HOURS_BELOW_DAYS:
        return Duration(_one_decimal(hours), "h")
    return Duration(_one_decimal(hours / 24), "d")


def _one_decimal(value: float) -> str:
    """3.46 → "3.5", 2.0 → "2": a trailing .0 says nothing."""
    return f"{value:.1f}".removesuffix(".0")


# ---- the weekly column chart ----------------------------------------------------------------

_PLOT_WIDTH = 640
_PLOT_HEIGHT = 200
_LEFT = 44
"""Room for the y axis's numbers."""
_TOP = 16
_BOTTOM = 40
"""Room for the week labels."""
_LABEL_EVERY_PX = 48
"""A week label needs about this much room; with more weeks, every n-th week is labelled."""


def ticks(largest: float) -> list[int]:
    """Round values from 0 to at least `largest`, 1, 2 or 5 times a power of ten apart, three to
    six of them: what a reader can read off a y axis."""
    if largest <= 0:
        return [0, 1]
    rough = largest / 5
    power = 10 ** math.floor(math.log10(rough))
    step = next(n * power for n in (1, 2, 5, 10) if n * power >= rough)
    step = max(1, int(step))
    count = math.ceil(largest / step)
    return [i * step for i in range(count + 1)]


def week_chart_svg(weeks: Sequence[date], counts: Sequence[int], labelled_by: str) -> Markup:
    """Complaints per week as columns over a y axis with ticks and an x axis of week starts
    (month-day; each column's tooltip has the full date and count). `labelled_by` is the id of
    the caption that names the chart for screen readers."""
    if len(weeks) != len(counts):
        raise ValueError("one count per week")
    scale = ticks(max(counts, default=0))
    top = scale[-1]
    slot = _PLOT_WIDTH / max(len(weeks), 1)
    every = max(1, math.ceil(_LABEL_EVERY_PX / slot))
    width, height = _LEFT + _PLOT_WIDTH + 8, _TOP + _PLOT_HEIGHT + _BOTTOM
    base = _TOP + _PLOT_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="week-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(labelled_by)}" font-size="12" fill="#1d2430">'
    ]
    for value in scale:
        y = round(base - _PLOT_HEIGHT * value / top, 1)
        parts += [
            f'<line class="grid" x1="{_LEFT}" y1="{y}" x2="{_LEFT + _PLOT_WIDTH}" y2="{y}" '
            'stroke="#d8dee6"/>',
            f'<text class="y-tick" x="{_LEFT - 6}" y="{y + 4}" text-anchor="end">{value}</text>',
        ]
    for index, (week, count) in enumerate(zip(weeks, counts, strict=True)):
        parts += _column(index, week, count, slot, top, show_label=index % every == 0)
    parts += [
        f'<line class="x-axis" x1="{_LEFT}" y1="{base}" x2="{_LEFT + _PLOT_WIDTH}" y2="{base}" '
        'stroke="#5f6b7a"/>',
        f'<line class="y-axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" '
        'stroke="#5f6b7a"/>',
        "</svg>",
    ]
    # Numbers and dates only, formatted here; the label id is escaped.
    return Markup("".join(parts))  # noqa: S704


def _column(
    index: int, week: date, count: int, slot: float, top: int, *, show_label: bool
) -> list[str]:
    base = _TOP + _PLOT_HEIGHT
    height = round(_PLOT_HEIGHT * count / top, 1)
    x = round(_LEFT + index * slot + slot * 0.15, 1)
    middle = round(_LEFT + (index + 0.5) * slot, 1)
    parts = [
        f'<rect class="column" data-week="{week.isoformat()}" data-count="{count}" x="{x}" '
        f'y="{round(base - height, 1)}" width="{round(slot * 0.7, 1)}" height="{height}" '
        f'fill="#4a78b5"><title>{week.isoformat()}: {count}</title></rect>'
    ]
    if count and slot >= 20:
        parts.append(
            f'<text class="value" x="{middle}" y="{round(base - height - 4, 1)}" '
            f'text-anchor="middle">{count}</text>'
        )
    if show_label:
        parts.append(
            f'<text class="x-tick" x="{middle}" y="{base + 16}" text-anchor="middle">'
            f"{week.strftime('%m-%d')}</text>"
        )
    return parts
