"""What the measuring benchmarks print: rounds, medians, ratios, checks, the `BENCH-RESULT` line.

Machines here differ from day to day by a factor of two, so a figure means something only as a
ratio to a bare baseline measured in the same run, and a run means something only if its
checks held. Every benchmark reports alike so that its readers, and `bench/all.py` (which
parses the `BENCH-RESULT` line), can trust the same words: one round per line, then
`label: median (median of N rounds: ...)`, the ratio as the median of the rounds' ratios, each
failed check as `INVALID RUN: ...` (exit status 1), and the figures as JSON on the last line.
The benches import this module as `out`: each has a `report` function of its own.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom else 0.0


def verdict(met: bool) -> str:
    """How a target is marked: a missed one in capitals, so it is not overlooked."""
    return "met" if met else "MISSED"


def rounds_line(label: str, values: Sequence[float], unit: str = "") -> str:
    """`label: median (round figures)`: the spread shows whether the machine was quiet."""
    shown = ", ".join(f"{value:.2f}" for value in values)
    return f"{label}: {median(values):.2f}{unit} (median of {len(values)} rounds: {shown})"


def print_table(
    title: str,
    columns: str,
    series: Mapping[str, Sequence[Item]],
    describe: Callable[[Item, str], str],
    note: str = "",
) -> None:
    """The run's title, then its rounds as a table: the column heads, one line per round and
    server in the order of `series` (the servers of a round stand together, so a disturbed
    round shows in each), what the columns mean, and a blank line before the figures."""
    print(title)
    print()
    print(columns)
    for index in range(len(next(iter(series.values())))):
        for label, items in series.items():
            print(describe(items[index], f"{label} {index + 1}"))
    if note:
        print(note)
    print()


def by_label(
    series: Mapping[str, Sequence[Item]], figure: Callable[[Item], float]
) -> dict[str, list[float]]:
    """Each server's `figure`, round by round."""
    return {label: [figure(item) for item in items] for label, items in series.items()}


def medians(
    series: Mapping[str, Sequence[Item]], figure: Callable[[Item], float]
) -> dict[str, float]:
    """Each server's median `figure` over the rounds."""
    return {label: median(values) for label, values in by_label(series, figure).items()}


def compare(
    bottom: tuple[str, Sequence[float]],
    top: tuple[str, Sequence[float]],
    ratio_label: str = "ratio bot/baseline",
    target: float | None = None,
) -> list[float]:
    """Print both rates' rounds and their ratio round by round (each round's servers ran on
    the same machine at the same time; the ratio of two medians would mix rounds), with the
    target when there is one; the rounds' ratios."""
    ratios = [ratio(high, low) for high, low in zip(top[1], bottom[1], strict=True)]
    print(rounds_line(*bottom))
    print(rounds_line(*top))
    met = "" if target is None else f"   (target >= {target}: {verdict(median(ratios) >= target)})"
    print(rounds_line(ratio_label, ratios) + met)
    return ratios


def memory_line(idle_mb: float, memory: Mapping[str, float]) -> str:
    """The bot's resident memory before the load, after it, and at its peak (VmHWM)."""
    return (
        f"{idle_mb:.1f} MB before the load, {memory['VmRSS']:.1f} MB after,"
        f" {memory['VmHWM']:.1f} MB peak"
    )


def invalid(problems: Sequence[str]) -> int:
    """Print each failed check; the exit status: 1 when any failed, the run then counts for
    nothing."""
    for problem in problems:
        print(f"INVALID RUN: {problem}")
    return 1 if problems else 0


def log_tail(log: str, heading: str = "the bot's log", chars: int = 3000) -> str | None:
    """The end of a server's log under a heading, to show beside failed checks; None if empty."""
    return f"---- {heading} (last lines)\n{log[-chars:]}" if log.strip() else None


def emit_result(**figures: Any) -> None:
    """The benchmark's figures on one line, for `bench/all.py` to put in its table."""
    print("BENCH-RESULT " + json.dumps(figures, ensure_ascii=False), flush=True)


def conclude(problems: Sequence[str], log: str | None, **figures: Any) -> int:
    """The end of a measuring benchmark's report: the failed checks, then (when any failed) the
    `log` text, then the `BENCH-RESULT` line, valid only without failed checks; the exit
    status. `ratio` and `rss_mb` are rounded here, as `bench/all.py`'s table shows them."""
    status = invalid(problems)
    if problems and log is not None:
        print(log)
    figures.update(ratio=round(figures["ratio"], 2), rss_mb=round(figures["rss_mb"], 1))
    emit_result(**figures, valid=not problems)
    return status
