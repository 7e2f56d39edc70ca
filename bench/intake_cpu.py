"""Where one webhook complaint's CPU goes inside the bot, in one process: issue 15's "say exactly
where the time goes", as figures anyone can reproduce.

    .venv/bin/python bench/intake_cpu.py [--complaints 3000] [--rounds 3]

Builds the bot as `./run-bot` does (`bot.build_app` on the shipped settings with free ports and
a fresh SQLite store in a temporary folder, as bench/servers.py writes them; the shipped triage
model fitted or read from the model cache), without HTTP, then hands the same kind of
complaints `bench/intake.py` posts (`bench/corpus.py`) to intake in groups of 32, as 32
connections would, and measures the process's CPU time per complaint for:

- `bare insert`: the bare webhook endpoint's storage (`bench/baseline_app.py`: one row a
  complaint on its writer thread), the reference every other figure is a ratio to;
- `intake`: the whole of `Intake.receive` (dedupe, customer, routing with the rules and the
  model, complaint, message, events, the acknowledgement rendered and queued);
- `intake, routing free`: the same with `route` answering a decision made beforehand, so what is
  left is everything but routing;
- `route`: the router alone, on the same complaints.

Each figure is also given as a ratio to `bare insert`, measured in the same process. HTTP
(FastAPI, uvicorn, the signature check) is not here: `bench/intake.py` measures the whole
request, and its bare endpoint costs about a third of a millisecond a request on this machine.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the packages are importable only from the root
    sys.path.insert(0, str(ROOT))

from bench import cpu  # noqa: E402
from bench.corpus import SOURCE, complaints  # noqa: E402
from bench.report import invalid  # noqa: E402
from bench.servers import free_port, write_bot_settings  # noqa: E402
from bot import build_app  # noqa: E402
from channels.base import Inbound, Sender  # noqa: E402
from complaints.clock import SystemClock  # noqa: E402
from config import load_settings  # noqa: E402

Row = tuple[str, str, str, str, str, str]

GROUP = 32
"""Complaints handed over at once, as `bench/intake.py`'s 32 connections keep in flight."""


def baseline_storage(path: Path) -> Callable[[Row], Awaitable[int]]:
    """The bare endpoint's own storage (`bench/baseline_app.py`): one INSERT on its one writer
    thread, in this process."""
    os.environ["BENCH_BASELINE_DB"] = str(path)
    from bench import baseline_app  # reads its database path on import

    loop = asyncio.get_running_loop()
    baseline_app._connection = baseline_app._open()

    async def insert(row: Row) -> int:
        return await loop.run_in_executor(baseline_app._writer, baseline_app._insert, row)

    return insert


def inbounds(count: int, seed: int, start: int) -> list[Inbound]:
    """What the webhook adapter makes of `bench/corpus.py`'s bodies (channels/webhook)."""
    now = SystemClock().now()
    made = []
    for body in complaints(count, seed, start):
        customer = body["customer"]
        made.append(
            Inbound(
                channel="webhook",
                external_id=f"{SOURCE}:{body['id']}",
                sender=Sender(
                    "webhook",
                    f"{SOURCE}:{customer['id']}",
                    customer.get("name", ""),
                    customer.get("email", ""),
                    customer.get("phone", ""),
                    customer.get("tier", ""),
                ),
                text=body["text"],
                received_at=now,
                subject=body.get("subject", ""),
                language_hint=body.get("language", ""),
                source=SOURCE,
            )
        )
    return made


async def measure(complaint_count: int, rounds: int, seed: int) -> bool:
    """Print the figures; False when intake did not store every complaint it was given."""
    with tempfile.TemporaryDirectory(prefix="intake-cpu-") as folder:
        # free ports, as every bench: the shipped SMTP port may be another bot's
        settings = load_settings(write_bot_settings(Path(folder), free_port())[0])
        app = build_app(settings, dispatch_in_background=False, sweep_in_background=False)
        async with app.router.lifespan_context(app):
            services = app.state.services
            receive = services.intake.receive
            bare_store = baseline_storage(Path(folder) / "baseline.db")
            model = services.triage.current
            rules = services.rule_book.current

            async def bare(item: Inbound) -> None:
                row = (
                    SOURCE,
                    item.external_id,
                    item.sender.address,
                    item.language_hint,
                    item.text,
                    item.received_at.isoformat(),
                )
                await bare_store(row)

            def route_only(item: Inbound) -> Any:
                """As `intake.opening.open_complaint` calls it, for a sender without history."""
                return cpu.routed(item, rules, model, settings)

            await cpu.per_item(inbounds(GROUP * 8, seed, 10**8), receive, GROUP)  # warm
            figures: dict[str, list[float]] = {}
            for round_ in range(rounds):
                start = round_ * complaint_count * 4
                batch = [
                    inbounds(complaint_count, seed, start + k * complaint_count) for k in range(3)
                ]
                decisions = {item.text: route_only(item) for item in batch[2]}
                figures.setdefault("bare insert", []).append(
                    await cpu.per_item(batch[0], bare, GROUP)
                )
                figures.setdefault("intake", []).append(
                    await cpu.per_item(batch[1], receive, GROUP)
                )
                with cpu.routing_answered_by(decisions):
                    free = await cpu.per_item(batch[2], receive, GROUP)
                figures.setdefault("intake, routing free", []).append(free)
                figures.setdefault("route", []).append(cpu.per_call(batch[1], route_only))
                cpu.print_round(round_, figures)
            stored = await services.database.read(
                lambda s: s.connection().exec_driver_sql("SELECT count(*) FROM complaints").scalar()
            )
    expected = GROUP * 8 + rounds * 2 * complaint_count
    print(f"stored: {stored:,} complaints (expected {expected:,}, warm-up included)")
    if stored != expected:
        invalid(["intake did not store every complaint it was given"])
        return False
    cpu.print_medians(figures, "bare insert", "complaint", complaint_count, GROUP)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = cpu.arguments(__doc__, "complaints", 3000, seed=15)
    args = parser.parse_args(argv)
    if args.complaints < 1 or args.rounds < 1:
        parser.error("--complaints and --rounds must be at least 1")
    return 0 if asyncio.run(measure(args.complaints, args.rounds, args.seed)) else 1


if __name__ == "__main__":
    sys.exit(main())
