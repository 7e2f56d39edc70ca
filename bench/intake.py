"""Webhook intake benchmark: the bot against a bare baseline, measured in the same run.

    .venv/bin/python bench/intake.py [--requests 3000] [--connections 32] [--rounds 3]

Run it from anywhere; it starts everything itself from the project root. It measures:

- the baseline: `bench/baseline_app.py` under uvicorn, a FastAPI endpoint that checks the same
  HMAC signature, parses the same JSON with the bot's `ComplaintIn` model and inserts one SQLite
  row (WAL, synchronous=NORMAL, one writer thread);
- the bot: `./run-bot --config <temporary settings>` on a fresh SQLite store, with a webhook
  source `bench` that has no callback URL (the acknowledgement travels in the response).

Both servers start once and get a warm-up load first (not measured). Then, in each of
`--rounds` rounds, the baseline and then the bot get the same load from `wrk` (bench/wrk.py):
`--requests` pre-generated, distinct signed complaints that neither has seen (four languages,
mostly new customers and a few recurring ones), each sent exactly once over `--connections`
keep-alive connections, each with one request in flight: 32 concurrent clients.

Printed per round and server: requests, seconds from the first request sent to the last answer,
requests/s, p50/p99/max latency (per request as the client saw it, wrk's coordinated-omission
samples removed), non-2xx answers, socket errors, the server's CPU per request. Then the medians,
the bot/baseline throughput ratio (the median of the rounds' ratios), the bot's resident memory
and each target of issue 15: ratio >= 0.4, p99 < 60 ms, resident memory < 200 MB.
`--profile FILE` records the bot under py-spy during the first round (collapsed stacks).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, `bench` is importable only from the root
    sys.path.insert(0, str(ROOT))

from bench import report as out  # noqa: E402
from bench.corpus import SOURCE, complaints, write_requests  # noqa: E402
from bench.servers import (  # noqa: E402
    TARGET_RSS_MB,
    baseline_app,
    bot_command,
    count_complaints,
    cpu_seconds,
    free_port,
    memory_mb,
    serving,
    work_directory,
    write_bot_settings,
)
from bench.smtpload import start_profile, stop_profile  # noqa: E402
from bench.wrk import Load, ensure_wrk, run_wrk, write_script  # noqa: E402

TARGET_RATIO = 0.4
TARGET_P99_MS = 60.0


def measure(
    process: subprocess.Popen[bytes],
    wrk: str,
    url: str,
    script: Path,
    args: argparse.Namespace,
    profile: Path | None = None,
) -> Load:
    """One wrk load against one server, with the CPU time the server used meanwhile; with
    `profile`, py-spy records the server during the load into that file."""
    spy = start_profile(process.pid, profile) if profile else None
    before = cpu_seconds(process.pid)
    try:
        load, output = run_wrk(wrk, url, script, args.threads, args.connections, args.limit)
    finally:
        if spy is not None:
            stop_profile(spy)
    load.cpu_seconds = cpu_seconds(process.pid) - before
    if args.show_wrk:
        shown = "\n".join(line for line in output.splitlines() if not line.startswith("BENCH"))
        print(f"---- wrk against {url}\n{shown}\n", flush=True)
    return load


def describe(load: Load, label: str) -> str:
    return (
        f"{label:<14}{load.completed:>9,}{load.seconds:>9.2f}{load.rate:>9.1f}"
        f"{load.percentile_ms(50):>9.1f}{load.percentile_ms(99):>9.1f}"
        f"{load.latencies_us[-1] / 1000 if load.latencies_us else 0:>9.1f}"
        f"{load.non_2xx:>9}{load.socket_errors:>8}"
        f"{load.cpu_seconds * 1000 / max(load.completed, 1):>9.2f}"
        f"{load.cpu_seconds / load.seconds * 100 if load.seconds else 0:>7.0f}%"
    )


def check(load: Load, label: str, expected: int, threads: int) -> list[str]:
    problems = []
    if load.ok != expected:
        problems.append(f"{label}: {load.ok} of {expected} requests answered 2xx")
    if load.non_2xx:
        problems.append(f"{label}: non-2xx answers by status: {load.statuses}")
    if load.socket_errors:
        problems.append(f"{label}: socket errors {load.errors}")
    if load.threads_finished != threads:
        problems.append(f"{label}: only {load.threads_finished} of {threads} wrk threads finished")
    if load.sent != expected:
        problems.append(f"{label}: {load.sent} requests sent, {expected} expected")
    if not load.corrected:
        problems.append(f"{label}: latencies include wrk's synthetic coordinated-omission samples")
    return problems


def scripts(work: Path, args: argparse.Namespace) -> tuple[Path, list[Path]]:
    """The warm-up's script and one per round, each with complaints no server has seen."""
    made = []
    sizes = [args.warmup] + [args.requests] * args.rounds
    start = 0
    for index, size in enumerate(sizes):
        data = work / f"requests-{index}.txt"
        write_requests(data, complaints(size, args.seed, start))
        made.append(write_script(work / f"load-{index}.lua", data, args.threads))
        start += size
    return made[0], made[1:]


def run(args: argparse.Namespace, work: Path) -> tuple[dict[str, list[Load]], dict[str, float]]:
    """Both servers up at once; warm each, then per round the baseline's load and the bot's."""
    wrk = ensure_wrk()
    warmup, rounds = scripts(work, args)
    loads: dict[str, list[Load]] = {"baseline": [], "bot": []}
    baseline_port, bot_port = free_port(), free_port()
    command, env = baseline_app(baseline_port, work)
    settings, bot_db = write_bot_settings(work, bot_port)
    with (
        serving(command, baseline_port, work / "baseline.log", env) as baseline,
        serving(bot_command(settings), bot_port, work / "bot.log") as bot,
    ):
        servers = {"baseline": (baseline, baseline_port), "bot": (bot, bot_port)}
        memory = {"idle": memory_mb(bot.pid)["VmRSS"]}
        for _process, port in servers.values():
            url = f"http://127.0.0.1:{port}/webhook/{SOURCE}"
            run_wrk(wrk, url, warmup, args.threads, args.connections, args.limit)
        for index, script in enumerate(rounds):
            for label, (process, port) in servers.items():
                url = f"http://127.0.0.1:{port}/webhook/{SOURCE}"
                profile = args.profile if index == 0 and label == "bot" else None
                loads[label].append(measure(process, wrk, url, script, args, profile))
        memory.update(memory_mb(bot.pid))
    memory["stored_bot"] = count_complaints(bot_db)
    memory["stored_baseline"] = count_complaints(work / "baseline.db")
    return loads, memory


def report(args: argparse.Namespace, loads: dict[str, list[Load]], found: dict[str, float]) -> int:
    out.print_table(
        f"webhook intake: {args.requests:,} signed complaints per round, {args.rounds} rounds, "
        f"{args.connections} concurrent clients (wrk, {args.threads} threads), "
        f"{os.cpu_count()} cores",
        f"{'':<14}{'requests':>9}{'seconds':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'non-2xx':>9}{'errors':>8}{'CPU ms':>9}{'CPU':>8}",
        loads,
        describe,
        "(seconds: from the first request sent to the last answer; CPU ms: the server's CPU time"
        " per request, all its threads;\n CPU: as a share of one core)",
    )
    rates = out.by_label(loads, lambda load: load.rate)
    p50 = out.medians(loads, lambda load: load.percentile_ms(50))
    p99 = out.medians(loads, lambda load: load.percentile_ms(99))
    ratios = out.compare(
        ("baseline req/s", rates["baseline"]), ("bot req/s", rates["bot"]), target=TARGET_RATIO
    )
    print(
        f"bot p50 {p50['bot']:.1f} ms, p99 {p99['bot']:.1f} ms (medians of the rounds)   "
        f"(p99 target < {TARGET_P99_MS:.0f} ms: {out.verdict(p99['bot'] < TARGET_P99_MS)})"
    )
    print(
        f"bot resident memory: {out.memory_line(found['idle'], found)}   "
        f"(target < {TARGET_RSS_MB:.0f} MB: {out.verdict(found['VmHWM'] < TARGET_RSS_MB)})"
    )
    expected = args.warmup + args.rounds * args.requests
    print(
        f"stored: bot {found['stored_bot']:,.0f} complaints, baseline "
        f"{found['stored_baseline']:,.0f} rows (expected {expected:,} each, warm-up included)"
    )
    problems = [
        problem
        for label, runs in loads.items()
        for index, load in enumerate(runs)
        for problem in check(load, f"{label} round {index + 1}", args.requests, args.threads)
    ]
    for label in ("bot", "baseline"):
        if found[f"stored_{label}"] != expected:
            problems.append(f"{label}: {found[f'stored_{label}']:.0f} stored, {expected} sent")
    return out.conclude(
        problems,
        None,
        bench="webhook",
        path=f"webhook, {args.requests:,} signed complaints, {args.connections} connections",
        bot=f"{out.median(rates['bot']):,.0f} req/s, p50 {p50['bot']:.0f} ms,"
        f" p99 {p99['bot']:.0f} ms",
        baseline=f"FastAPI + one SQLite insert: {out.median(rates['baseline']):,.0f} req/s, "
        f"p99 {p99['baseline']:.0f} ms",
        ratio=out.median(ratios),
        rss_mb=found["VmHWM"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="signed complaints per round")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--warmup", type=int, default=200, help="complaints before measuring")
    parser.add_argument("--limit", type=int, default=120, help="longest load per server, seconds")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the complaints")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--show-wrk", action="store_true", help="print wrk's own report")
    parser.add_argument("--profile", type=Path, help="py-spy the bot's first round into FILE")
    args = parser.parse_args(argv)
    if min(args.requests, args.warmup) < args.connections or args.connections < args.threads:
        parser.error("need requests and warmup >= connections >= threads")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    with work_directory("bench-intake-", args.keep) as work:
        loads, found = run(args, work)
    if args.profile:
        print(f"py-spy profile of the bot during the first round: {args.profile}")
    return report(args, loads, found)


if __name__ == "__main__":
    sys.exit(main())
