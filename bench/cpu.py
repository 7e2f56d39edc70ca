"""Where the CPU goes, in one process: what `bench/intake_cpu.py` and `bench/mail_cpu.py` share.

Both hand the bot's handlers the same items as the wire benches send, a few in flight at once as
their connections keep them, and read the process's CPU time (every thread: intake's
transaction runs on the store's writer thread) per item. Each figure is a ratio to a bare
reference run in the same process, for the same reason the wire benches measure a baseline
beside the bot: this machine's speed changes from day to day, the ratio much less.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import intake.opening
from channels.base import Inbound
from config import Settings
from router.decide import CustomerHistory


async def per_item(
    items: Sequence[Any], handle: Callable[[Any], Awaitable[Any]], group: int
) -> float:
    """Microseconds of the process's CPU (every thread) per item, `group` items in flight."""
    started = time.process_time()
    for at in range(0, len(items), group):
        await asyncio.gather(*(handle(item) for item in items[at : at + group]))
    return (time.process_time() - started) / len(items) * 1e6


def per_call(items: Sequence[Any], call: Callable[[Any], Any]) -> float:
    """Microseconds of the process's CPU per item for a plain call, one after the other."""
    started = time.process_time()
    for item in items:
        call(item)
    return (time.process_time() - started) / len(items) * 1e6


def arguments(doc: str, items: str, count: int, seed: int) -> argparse.ArgumentParser:
    """The options both benches take: `--<items>` per measurement, `--rounds`, `--seed`."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument(f"--{items}", type=int, default=count, help=f"{items} per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--seed", type=int, default=seed, help=f"seed of the {items}")
    return parser


@contextmanager
def routing_answered_by(decisions: dict[str, Any]) -> Iterator[None]:
    """`route` as intake calls it, answering the decision made beforehand for each text: what
    intake costs without routing."""
    real = intake.opening.route

    def decided(message: Any, *args: Any, **kwargs: Any) -> Any:
        return decisions[message.text]

    intake.opening.route = decided  # type: ignore[assignment]
    try:
        yield
    finally:
        intake.opening.route = real


def routed(inbound: Inbound, rules: Any, model: Any, settings: Settings) -> Any:
    """`route` as `intake.opening.open_complaint` calls it for a sender without history: the
    router alone, with the rules and the model the bot holds."""
    return intake.opening.route(
        intake.opening.routing_input(inbound),
        CustomerHistory(inbound.sender.tier),
        rules,
        settings.service_levels,
        settings.default_language,
        model=model,
    )


def print_round(index: int, figures: dict[str, list[float]]) -> None:
    """The round's figures as they come, so a disturbed round shows."""
    print(f"round {index + 1}: " + ", ".join(f"{k} {v[-1]:,.0f} us" for k, v in figures.items()))


def print_medians(
    figures: dict[str, list[float]], reference: str, per: str, count: int, group: int
) -> None:
    """Each figure's median over the rounds (of `count` items `per` each, `group` in flight),
    and as a ratio to `reference`'s median."""
    reference_us = statistics.median(figures[reference])
    rounds = len(figures[reference])
    print(f"\nCPU per {per}, median of {rounds} rounds of {count:,} ({group} in flight):")
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"  {name:22s} {median:7,.0f} us   {median / reference_us:5.2f} x {reference}")
