"""One bot instance against two on one PostgreSQL: webhook throughput under the same load.

    .venv/bin/python bench/instances.py [--requests 3000] [--connections 32] [--rounds 3]

It creates a scratch database on `--postgres` (default postgresql://postgres@127.0.0.1:5432/test,
trust auth; dropped at the end) and a callback receiver on loopback that takes the bot's
acknowledgements (the `bench` webhook source has a `callback_url`, so each acknowledgement is
an outbox item that some instance's dispatcher claims and posts). Instance A starts first and
brings the schema up; then in each of `--rounds` rounds:

- one: `--requests` new signed complaints from wrk at A alone, over `--connections` connections;
- two: instance B starts on the same database (and gets a small warm-up), and `--requests`
  other new complaints go half to A and half to B at once (two wrk processes, half the
  connections each); then B stops (SIGTERM).

The baseline is the one instance measured in the same run: printed is the throughput of each,
the ratio two/one (the median of the rounds' ratios), each instance's resident memory, and the
check that the work was shared without doubles: every complaint stored once, and after a
bounded wait every complaint's acknowledgement posted to the receiver exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import psycopg

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, `bench` is importable only from the root
    sys.path.insert(0, str(ROOT))

from bench import report as out  # noqa: E402
from bench.corpus import SOURCE, complaints, write_requests  # noqa: E402
from bench.servers import (  # noqa: E402
    POSTGRES,
    bot_command,
    free_port,
    memory_mb,
    scratch_database,
    serving,
    work_directory,
    write_bot_settings,
)
from bench.wrk import Load, ensure_wrk, run_wrk, write_script  # noqa: E402


class Receiver(BaseHTTPRequestHandler):
    """The source's callback endpoint: each complaint's acknowledgements (by their message id,
    so a retried post of one acknowledgement is told apart from a second acknowledgement)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the dispatcher's client expects
    acks: ClassVar[dict[str, set[str]]] = {}
    posts: ClassVar[Counter[str]] = Counter()
    lock: ClassVar[threading.Condition] = threading.Condition()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with self.lock:
            if body.get("kind") == "acknowledgement":
                message_id = str(body.get("message_id"))
                self.acks.setdefault(str(body.get("complaint")), set()).add(message_id)
                self.posts[message_id] += 1
            self.lock.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


class ReceiverServer(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 resets connections when both instances post at once
    daemon_threads = True
    resets = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that closed its connection: counted, not printed."""
        self.resets += 1


def wait_for_acks(complaints_sent: int, limit_s: float) -> float:
    """Until every complaint sent so far has an acknowledgement at the receiver; the seconds."""
    started = time.monotonic()
    with Receiver.lock:
        Receiver.lock.wait_for(lambda: len(Receiver.acks) >= complaints_sent, limit_s)
    return time.monotonic() - started


def stored(url: str) -> tuple[int, int]:
    """(complaints, inbound webhook messages stored more than once)."""
    with psycopg.connect(url) as connection:
        complaints_n = connection.execute("SELECT count(*) FROM complaints").fetchone()
        doubles = connection.execute(
            "SELECT count(*) FROM (SELECT external_id FROM messages WHERE direction = 'in'"
            " GROUP BY channel, external_id HAVING count(*) > 1) AS d"
        ).fetchone()
    return int(complaints_n[0] if complaints_n else 0), int(doubles[0] if doubles else 0)


class Loads:
    """The round's data files and scripts, each with complaints no instance has seen."""

    def __init__(self, work: Path, args: argparse.Namespace) -> None:
        self.work, self.args, self.start, self.made = work, args, 0, 0

    def script(self, count: int, threads: int, part: tuple[int, int] = (0, 1)) -> Path:
        """wrk's script for `count` new complaints, or the part `part[0]` of `part[1]` of them."""
        self.made += 1
        bodies = list(complaints(count, self.args.seed, self.start))[part[0] :: part[1]]
        if part[0] == part[1] - 1:
            self.start += count
        data = self.work / f"requests-{self.made}.txt"
        write_requests(data, iter(bodies))
        return write_script(self.work / f"load-{self.made}.lua", data, threads)


def together(wrk: str, targets: list[tuple[str, Path]], args: argparse.Namespace) -> Load:
    """Two wrk processes at once, one per instance; their loads added up over the whole span."""
    connections = args.connections // len(targets)
    found: list[Load] = []

    def drive(url: str, script: Path) -> None:
        found.append(run_wrk(wrk, url, script, 1, connections, args.limit)[0])

    threads = [threading.Thread(target=drive, args=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first = min(load.first_us for load in found)
    last = max(load.last_us for load in found)
    statuses: Counter[int] = Counter()
    for load in found:
        statuses.update(load.statuses)
    return Load(
        completed=sum(load.completed for load in found),
        sent=sum(load.sent for load in found),
        share=sum(load.share for load in found),
        threads_finished=sum(load.threads_finished for load in found),
        seconds=(last - first) / 1e6,
        errors=dict(sum((Counter(load.errors) for load in found), Counter())),
        statuses=dict(statuses),
        latencies_us=sorted(value for load in found for value in load.latencies_us),
        wrk_p99_us=max(load.wrk_p99_us for load in found),
        corrected=all(load.corrected for load in found),
        first_us=first,
        last_us=last,
    )


def run(args: argparse.Namespace, work: Path) -> tuple[dict[str, list[Load]], dict[str, Any]]:
    wrk = ensure_wrk()
    loads = Loads(work, args)
    series: dict[str, list[Load]] = {"one": [], "two": []}
    found: dict[str, Any] = {"rss_b": 0.0, "drains": []}
    Receiver.acks.clear()
    Receiver.posts.clear()
    receiver = ReceiverServer(("127.0.0.1", free_port()), Receiver)
    threading.Thread(target=receiver.serve_forever, name="callback", daemon=True).start()
    callback = f"http://127.0.0.1:{receiver.server_address[1]}/callback"
    try:
        with scratch_database(args.postgres, f"bench_instances_{os.getpid()}") as url:
            ports = {"a": free_port(), "b": free_port()}
            commands = {
                name: bot_command(write_bot_settings(work, port, url, callback, name)[0])
                for name, port in ports.items()
            }
            urls = {
                name: f"http://127.0.0.1:{port}/webhook/{SOURCE}" for name, port in ports.items()
            }
            warm = min(args.connections, args.warmup)
            with serving(commands["a"], ports["a"], work / "a.log") as a:
                run_wrk(wrk, urls["a"], loads.script(args.warmup, 1), 1, warm, args.limit)
                wait_for_acks(loads.start, args.drain)
                for _ in range(args.rounds):
                    script = loads.script(args.requests, args.threads)
                    one = run_wrk(
                        wrk, urls["a"], script, args.threads, args.connections, args.limit
                    )
                    series["one"].append(one[0])
                    found["drains"].append(wait_for_acks(loads.start, args.drain))
                    with serving(commands["b"], ports["b"], work / "b.log") as b:
                        run_wrk(wrk, urls["b"], loads.script(args.warmup, 1), 1, warm, args.limit)
                        wait_for_acks(loads.start, args.drain)
                        halves = [loads.script(args.requests, 1, (k, 2)) for k in range(2)]
                        targets = [(urls["a"], halves[0]), (urls["b"], halves[1])]
                        series["two"].append(together(wrk, targets, args))
                        found["drains"].append(wait_for_acks(loads.start, args.drain))
                        found["rss_b"] = max(found["rss_b"], memory_mb(b.pid)["VmHWM"])
                found["rss_a"] = memory_mb(a.pid)["VmHWM"]
                found["expected"] = loads.start
            found["stored"], found["doubles"] = stored(url)
    finally:
        receiver.shutdown()
        receiver.server_close()
    with Receiver.lock:
        found["acks"] = {number: len(ids) for number, ids in Receiver.acks.items()}
        found["reposts"] = sum(1 for n in Receiver.posts.values() if n > 1)
    found["resets"] = receiver.resets
    found["log"] = "".join((work / f"{n}.log").read_text(errors="replace")[-1500:] for n in "ab")
    return series, found


def describe(load: Load, label: str) -> str:
    return (
        f"{label:<10}{load.completed:>9,}{load.seconds:>9.2f}{load.rate:>9.1f}"
        f"{load.percentile_ms(50):>9.1f}{load.percentile_ms(99):>9.1f}{load.non_2xx:>9}"
        f"{sum(n for kind, n in load.errors.items() if kind != 'status'):>8}"
    )


def report(args: argparse.Namespace, series: dict[str, list[Load]], found: dict[str, Any]) -> int:
    out.print_table(
        f"instances on PostgreSQL: {args.requests:,} signed complaints per round and setting,"
        f" {args.rounds} rounds, {args.connections} concurrent clients (split across the"
        f" instances when there are two), {os.cpu_count()} cores",
        f"{'':<10}{'requests':>9}{'seconds':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'non-2xx':>9}{'errors':>8}",
        series,
        describe,
    )
    rates = out.by_label(series, lambda load: load.rate)
    ratios = out.compare(
        ("one instance req/s", rates["one"]), ("two instances req/s", rates["two"]), "ratio two/one"
    )
    print(
        f"resident memory at the peak: instance A {found['rss_a']:.1f} MB, instance B"
        f" {found['rss_b']:.1f} MB"
    )
    acks: dict[str, int] = found["acks"]
    twice = sum(1 for n in acks.values() if n > 1)
    expected = found["expected"]
    print(
        f"stored: {found['stored']:,} complaints for {expected:,} sent (warm-ups included),"
        f" {found['doubles']} inbound messages stored twice; acknowledgements posted to the"
        f" callback: {len(acks):,} complaints, {twice} of them with two acknowledgements;"
        f" {found['reposts']} acknowledgements posted again (the same Idempotency-Key: a retry),"
        f" {found['resets']} connections the dispatcher dropped"
    )
    print(
        "seconds until every acknowledgement of a load had been posted, after its end (one, two):"
        " " + ", ".join(f"{s:.1f}" for s in found["drains"]) + f" (limit {args.drain:.0f} s)"
    )
    problems = [
        f"{label} round {index + 1}: {load.ok} of {args.requests} answered 2xx,"
        f" errors {load.errors}"
        for label, loads in series.items()
        for index, load in enumerate(loads)
        if load.ok != args.requests or load.sent != args.requests
    ]
    if found["stored"] != expected or found["doubles"]:
        problems.append(
            f"{found['stored']} complaints stored for {expected}, {found['doubles']} twice"
        )
    if len(acks) != expected or twice:
        problems.append(f"{len(acks)} complaints acknowledged for {expected}, {twice} twice")
    return out.conclude(
        problems,
        f"---- the instances' logs (last lines)\n{found['log']}",
        bench="instances",
        path=f"two instances vs one on PostgreSQL, webhook, {args.requests:,} complaints,"
        f" {args.connections} connections",
        bot=f"two: {out.median(rates['two']):,.0f} req/s",
        baseline=f"one: {out.median(rates['one']):,.0f} req/s",
        ratio=out.median(ratios),
        rss_mb=max(found["rss_a"], found["rss_b"]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="complaints per setting")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads for one instance")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--warmup", type=int, default=64, help="complaints to a new instance")
    parser.add_argument("--limit", type=int, default=180, help="longest load, seconds")
    parser.add_argument("--drain", type=float, default=120, help="longest wait for the callbacks")
    parser.add_argument("--postgres", default=POSTGRES, help="where to create the scratch db")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the complaints")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    if args.connections < 2 or args.connections % 2 or args.connections < args.threads:
        parser.error("--connections must be even, at least 2 and at least --threads")
    if min(args.requests // 2, args.warmup) < args.connections or args.rounds < 1:
        parser.error("need requests / 2 and warmup >= connections, and rounds >= 1")
    with work_directory("bench-instances-", args.keep) as work:
        series, found = run(args, work)
    return report(args, series, found)


if __name__ == "__main__":
    sys.exit(main())
