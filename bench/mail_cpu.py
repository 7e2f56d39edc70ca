"""Where one complaint mail's CPU goes inside the bot, in one process: the mail analogue of
`bench/intake_cpu.py`, for the SMTP and end-to-end benches' gap to their bare sink.

    .venv/bin/python bench/mail_cpu.py [--mails 1000] [--rounds 3] [--profile FILE]

Builds the bot as `./run-bot` does (`bot.build_app` on the SMTP bench's settings: a fresh SQLite
store in a temporary folder, SMTP intake on, the relay pointing at a bare sink,
`bench/baseline_smtp.py`, run as a separate process so its CPU is not counted), without the
SMTP protocol (aiosmtpd's, the same for bot and sink), then hands the mails
`bench/mail_e2e.py` sends (`bench/mails.py`, mixed charsets, some HTML-only) to the handlers'
`handle_DATA` four at a time, as four connections would, and measures the process's CPU time
(every thread) per mail for:

- `bare sink`: `bench/baseline_smtp.py`'s own `handle_DATA` (parse with policy.default, one
  SQLite insert on its writer thread), the reference every other figure is a ratio to;
- `intake`: the bot's `handle_DATA` (the Return-Path line, `parse_mail`, the `Inbound`, the
  whole of `Intake.receive` with routing, the acknowledgement rendered and queued);
- `intake, routing free`: the same with `route` answering a decision made beforehand;
- `parse`: `parse_mail` alone;
- `route`: the router alone, on the parsed mails;
- `acknowledge`: the outbox dispatching the queued acknowledgements (`dispatch_due`: claim,
  compose, the relay's SMTP conversation, record), per mail;
- `served`: `intake` with the outbox's dispatcher running beside it as in the bot (woken by
  each commit, so it sends small batches), until every acknowledgement left: the bot's whole
  work per mail but aiosmtpd's protocol.

Each figure is also given as a ratio to `bare sink`. `--profile FILE` writes cProfile's
statistics of one more round of `served` (the event loop and the store's writer thread,
each thread's CPU time, sorted by cumulative time) to FILE, and the raw statistics beside it
(FILE.prof).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the packages are importable only from the root
    sys.path.insert(0, str(ROOT))

from aiosmtpd.smtp import Envelope  # noqa: E402

from bench import cpu  # noqa: E402
from bench.baseline_smtp import Handler, Store  # noqa: E402
from bench.mail_e2e import corpus  # noqa: E402
from bench.mails import BOT_ADDRESS  # noqa: E402
from bench.report import invalid  # noqa: E402
from bench.servers import PYTHON, free_port, serving  # noqa: E402
from bench.smtp_intake import write_settings  # noqa: E402
from bench.smtpload import wait_smtp  # noqa: E402
from bot import build_app  # noqa: E402
from channels.email.channel import EmailChannel  # noqa: E402
from channels.email.parse import parse_mail  # noqa: E402
from channels.email.smtp_server import SmtpHandler  # noqa: E402
from config import load_settings  # noqa: E402

GROUP = 4
"""Mails handed over at once, as the SMTP benches' four connections keep in flight."""


def envelope(sender: str, raw: bytes) -> Envelope:
    """What aiosmtpd hands `handle_DATA` after one client's MAIL, RCPT and DATA."""
    made = Envelope()
    made.mail_from = sender
    made.rcpt_tos = [BOT_ADDRESS]
    made.original_content = made.content = raw
    return made


async def profiled(database: Any, path: Path, work: Awaitable[Any]) -> None:
    """cProfile `work` on the event loop and on the store's writer thread (where intake's
    transaction, routing included, runs); statistics of both to `path`, raw ones beside it."""
    loop = asyncio.get_running_loop()
    profilers = [cProfile.Profile(time.thread_time), cProfile.Profile(time.thread_time)]
    await loop.run_in_executor(database._writes, profilers[1].enable)
    profilers[0].enable()
    await work
    profilers[0].disable()
    await loop.run_in_executor(database._writes, profilers[1].disable)
    text = io.StringIO()
    stats = pstats.Stats(profilers[0], stream=text)
    stats.add(profilers[1])
    stats.dump_stats(path.with_suffix(".prof"))
    stats.sort_stats("cumulative").print_stats(120)
    await asyncio.to_thread(path.write_text, text.getvalue())


async def measure(args: argparse.Namespace, folder: Path, relay_port: int) -> bool:
    """Print the figures; False when the bot did not store or acknowledge every mail."""
    http_port, smtp_port = free_port(), free_port()
    settings = load_settings(write_settings(folder, http_port, smtp_port, relay_port)[0])
    app = build_app(settings, dispatch_in_background=False, sweep_in_background=False)
    async with app.router.lifespan_context(app):
        services = app.state.services
        channel = services.channels["email"]
        assert isinstance(channel, EmailChannel)
        own = {settings.email.address, *settings.email.aliases}
        bot = SmtpHandler(channel.receive, settings.email.address, own, offer_auth=False)
        store = Store(str(folder / "sink.db"))
        await store.open()
        sink = Handler(store)
        model, rules = services.triage.current, services.rule_book.current

        async def bare(item: Envelope) -> None:
            assert (await sink.handle_DATA(None, None, item)).startswith("250")  # type: ignore[arg-type]

        async def whole(item: Envelope) -> None:
            answer = await bot.handle_DATA(None, None, item)  # type: ignore[arg-type]
            assert answer.startswith("250 2.0.0 recorded in"), answer

        async def parse(item: Envelope) -> None:
            parse_mail(item.original_content)  # type: ignore[arg-type]

        def route_only(item: Envelope) -> Any:
            """As `intake.opening.open_complaint` calls it, for a sender without history."""
            inbound = channel.inbound(parse_mail(item.original_content), b"")  # type: ignore[arg-type]
            return cpu.routed(inbound, rules, model, settings), inbound.text

        async def acknowledge() -> int:
            """Dispatch what is due until nothing is; how many items were claimed."""
            sent = 0
            while count := await services.dispatcher.dispatch_due():
                sent += count
            return sent

        async def pending() -> int:
            return int(
                await services.database.read(
                    lambda s: (
                        s.connection()
                        .exec_driver_sql("SELECT count(*) FROM outbox WHERE status = 'pending'")
                        .scalar()
                    )
                )
            )

        async def served(items: list[Envelope]) -> float:
            """CPU per mail of intake with the outbox's dispatcher running beside it, as the
            bot serves (woken by each commit, sending small batches), until all is sent."""
            task = asyncio.create_task(services.dispatcher.run(), name="bench-dispatcher")
            started = time.process_time()
            for at in range(0, len(items), GROUP):
                await asyncio.gather(*(whole(item) for item in items[at : at + GROUP]))
            while await pending():  # noqa: ASYNC110 - the store is the only sign of "all sent"
                await asyncio.sleep(0.01)
            used = (time.process_time() - started) / len(items) * 1e6
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return used

        def batch(start: int) -> list[Envelope]:
            return [envelope(m.sender, m.raw) for m in corpus(args.mails, args.seed, start)]

        warm = batch(10**7)[: GROUP * 10]
        await cpu.per_item(warm, whole, GROUP)
        await cpu.per_item(warm[:GROUP], bare, GROUP)
        await acknowledge()
        figures: dict[str, list[float]] = {}
        acknowledged = 0
        for round_ in range(args.rounds + (1 if args.profile else 0)):
            mails = [batch((round_ * 4 + k) * args.mails) for k in range(4)]
            decisions = dict(route_only(item)[::-1] for item in mails[2])
            if round_ == args.rounds:
                await profiled(services.database, args.profile, served(mails[3]))
                break
            used = await cpu.per_item(mails[1], whole, GROUP)
            figures.setdefault("bare sink", []).append(await cpu.per_item(mails[0], bare, GROUP))
            figures.setdefault("intake", []).append(used)
            started = time.process_time()
            acknowledged += await acknowledge()
            ack = (time.process_time() - started) / len(mails[1]) * 1e6
            with cpu.routing_answered_by(decisions):
                free = await cpu.per_item(mails[2], whole, GROUP)
            figures.setdefault("intake, routing free", []).append(free)
            await acknowledge()
            figures.setdefault("acknowledge", []).append(ack)
            figures.setdefault("served", []).append(await served(mails[3]))
            figures.setdefault("parse", []).append(await cpu.per_item(mails[1], parse, GROUP))
            figures.setdefault("route (with parse)", []).append(cpu.per_call(mails[1], route_only))
            cpu.print_round(round_, figures)
        store.close()
    print(f"acknowledged: {acknowledged:,} mails (expected {args.rounds * args.mails:,})")
    if acknowledged != args.rounds * args.mails:
        invalid([f"{acknowledged} acknowledgements for {args.rounds * args.mails} mails"])
        return False
    cpu.print_medians(figures, "bare sink", "mail", args.mails, GROUP)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = cpu.arguments(__doc__, "mails", 1000, seed=20260302)
    parser.add_argument("--profile", type=Path, help="cProfile one more intake round into FILE")
    args = parser.parse_args(argv)
    if args.mails < GROUP or args.rounds < 1:
        parser.error(f"--mails must be at least {GROUP} and --rounds at least 1")
    with tempfile.TemporaryDirectory(prefix="mail-cpu-") as name:
        folder, relay_port = Path(name), free_port()
        relay = [PYTHON, "bench/baseline_smtp.py", "--port", str(relay_port)]
        relay += ["--db", str(Path(name) / "relay.db")]
        with serving(relay, relay_port, folder / "relay.log", ready=wait_smtp):
            return 0 if asyncio.run(measure(args, folder, relay_port)) else 1


if __name__ == "__main__":
    sys.exit(main())
