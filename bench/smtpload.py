"""Driving an SMTP server with real clients, and a relay sink that counts what the bot sends.

One smtplib client *process* per connection (client threads in one process would share one
GIL), each sending its share back to back with `sendmail` once all are connected and released
together; the time to 250 of each mail is measured around `sendmail`. The SMTP benches
(`bench/smtp_intake.py`, `bench/mail_e2e.py`) drive their servers alike, so they take the same
options for it too (`parse_arguments`).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import queue
import shutil
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bench.mails import BOT_ADDRESS, COMPLAINT_NUMBER, Mail
from bench.servers import PYTHON, cpu_seconds, free_port, work_directory
from bench.wrk import nearest_rank

# ---- the clients -----------------------------------------------------------------------------


def now_ns() -> int:
    """CLOCK_MONOTONIC: one clock for every client process."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def client(
    index: int,
    port: int,
    share: list[tuple[str, bytes]],
    ready: Any,
    go: Any,
    results: Any,
    timeout: float,
) -> None:
    """One client process: one persistent connection, its share sent back to back after `go`."""

    def connect() -> smtplib.SMTP:
        connection = smtplib.SMTP(
            "127.0.0.1", port, local_hostname=f"mx{index}.bench.example", timeout=timeout
        )
        connection.ehlo()
        return connection

    try:
        connection: smtplib.SMTP | None = connect()
    except Exception as error:
        ready.put((index, f"{type(error).__name__}: {error}"))
        return
    ready.put((index, ""))
    go.wait()
    samples: list[tuple[int, int]] = []  # (before sendmail, after its 250)
    failures: list[str] = []
    first = 0
    for sender, raw in share:
        start = now_ns()
        first = first or start
        try:
            if connection is None:
                connection = connect()
            refused = connection.sendmail(sender, [BOT_ADDRESS], raw)
        except Exception as error:
            failures.append(f"{type(error).__name__}: {error}")
            lost = isinstance(error, smtplib.SMTPServerDisconnected)
            if lost or not isinstance(error, smtplib.SMTPException):
                connection = None  # the connection is gone: reconnect for the next message
            continue
        end = now_ns()
        if refused:
            failures.append(f"refused: {refused}")
        else:
            samples.append((start, end))
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.quit()
    results.put((index, first, samples, failures))


@dataclass
class Run:
    """What the clients saw for one server."""

    messages: int
    first_ns: int
    """CLOCK_MONOTONIC of the first `sendmail`."""
    seconds: float
    latencies_ns: list[int]
    failures: list[str]
    cpu_seconds: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.latencies_ns)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        """Nearest-rank percentile of the time to 250."""
        return nearest_rank(self.latencies_ns, p) / 1e6


def run_load(
    port: int, pid: int, load: list[Mail], connections: int, limit_s: float, profile: Path | None
) -> Run:
    """Start the client processes, let them connect, then release them all at once."""
    context = multiprocessing.get_context("spawn")  # no fork: this process runs the sink thread
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    processes = [
        context.Process(
            target=client,
            args=(
                index,
                port,
                [(mail.sender, mail.raw) for mail in load[index::connections]],
                *(ready, go, results, 30.0),
            ),
            name=f"smtp-client-{index}",
            daemon=True,
        )
        for index in range(connections)
    ]
    for process in processes:
        process.start()
    try:
        for _ in processes:
            try:
                index, problem = ready.get(timeout=60)
            except queue.Empty:
                sys.exit("bench: the client processes did not connect within 60 s")
            if problem:
                sys.exit(f"bench: client {index} could not connect: {problem}")
        spy = start_profile(pid, profile) if profile else None
        before = cpu_seconds(pid)
        go.set()
        deadline = time.monotonic() + limit_s
        reports = []
        for _ in processes:
            try:
                reports.append(results.get(timeout=max(deadline - time.monotonic(), 0.1)))
            except queue.Empty:
                sys.exit(f"bench: the clients did not finish within {limit_s:.0f} s (--limit)")
        used = cpu_seconds(pid) - before
        if spy is not None:
            stop_profile(spy)
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
    first = min(report[1] for report in reports if report[1])
    samples = [sample for report in reports for sample in report[2]]
    failures = [failure for report in reports for failure in report[3]]
    last = max((end for _, end in samples), default=first)
    return Run(
        messages=len(load),
        first_ns=first,
        seconds=(last - first) / 1e9,
        latencies_ns=sorted(end - start for start, end in samples),
        failures=failures,
        cpu_seconds=used,
    )


def start_profile(pid: int, path: Path) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy", path=str(Path(PYTHON).parent)) or shutil.which("py-spy")
    if spy is None:
        sys.exit("bench: --profile needs py-spy (pip install py-spy)")
    # --gil: only the thread holding the GIL is sampled, so the profile shows what fills the
    # one core Python can use (threads waiting for it would show as busy otherwise)
    command = [spy, "record", "--pid", str(pid), "--rate", "250", "--nonblocking", "--gil"]
    process = subprocess.Popen(
        [*command, "--format", "raw", "--output", str(path)], stdout=subprocess.DEVNULL
    )
    time.sleep(1)  # py-spy attaches
    return process


def stop_profile(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ---- the servers -----------------------------------------------------------------------------


def wait_smtp(process: subprocess.Popen[bytes], port: int, log: Path, limit_s: float) -> None:
    """Until the server greets with 220 on `port`."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench: the server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=1) as sock,
        ):
            if sock.recv(512).startswith(b"220"):
                sock.sendall(b"QUIT\r\n")
                return
        time.sleep(0.1)
    process.kill()
    sys.exit(f"bench: no SMTP greeting on port {port} in {limit_s:.0f}s:\n{log.read_text()}")


class AckSink:
    """Plays the bot's relay: counts the mails it is given and the complaint numbers in them,
    and notes when each arrived (CLOCK_MONOTONIC, the clients' clock)."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.messages = 0
        self.numbers: set[bytes] = set()
        self.arrivals_ns: list[int] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        numbers = set(COMPLAINT_NUMBER.findall(content if isinstance(content, bytes) else b""))
        with self.lock:
            self.messages += 1
            self.numbers |= numbers
            self.arrivals_ns.append(now_ns())
            self.lock.notify_all()
        return "250 2.0.0 OK"

    def wait_for(self, messages: int, limit_s: float) -> bool:
        """Until the sink holds `messages` mails in all (False if `limit_s` passed first)."""
        with self.lock:
            return self.lock.wait_for(lambda: self.messages >= messages, limit_s)


def outbox_statuses(database: Path) -> dict[str, int]:
    """The outbox's items by status, read beside the running bot."""
    uri = f"file:{database}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as connection:
        rows = connection.execute("SELECT status, count(*) FROM outbox GROUP BY status")
        return {str(status): int(count) for status, count in rows}


def drain(database: Path, limit_s: float) -> tuple[float, dict[str, int]]:
    """Wait (at most `limit_s`) until the outbox has nothing pending; (seconds, statuses)."""
    start = time.monotonic()
    statuses = outbox_statuses(database)
    while statuses.get("pending", 0) and time.monotonic() - start < limit_s:
        time.sleep(0.2)
        statuses = outbox_statuses(database)
    return time.monotonic() - start, statuses


Series = TypeVar("Series")


def run_with_relay(
    args: argparse.Namespace,
    prefix: str,
    run: Callable[[argparse.Namespace, Path, AckSink, int], tuple[Series, dict[str, Any]]],
) -> tuple[Series, dict[str, Any]]:
    """`run(args, work directory, sink, relay port)` with a loopback relay counting the
    acknowledgements; what it found, and the relay's count in all (`acks`) and of distinct
    complaint numbers (`numbers`). The directory is removed afterwards unless `--keep`."""
    sink = AckSink()
    relay = Controller(
        sink, hostname="127.0.0.1", port=free_port(), server_hostname="relay.bench.example"
    )
    with work_directory(prefix, args.keep) as work:
        relay.start()
        try:
            series, found = run(args, work, sink, relay.port)
        finally:
            with contextlib.suppress(Exception):
                relay.stop()
    found["acks"], found["numbers"] = sink.messages, len(sink.numbers)
    return series, found


# ---- the options ---------------------------------------------------------------------------


def parse_arguments(
    doc: str, argv: list[str] | None, limit: str, drain: bool
) -> argparse.Namespace:
    """The SMTP benches' options, checked: `doc`'s first paragraph describes the bench, `limit`
    what its `--limit` bounds; with `drain`, `--drain` bounds the wait for the bot's outbox."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="complaint mails per round")
    parser.add_argument("--connections", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--warmup", type=int, default=40, help="mails before measuring")
    parser.add_argument("--limit", type=int, default=300, help=limit)
    if drain:
        parser.add_argument("--drain", type=float, default=30, help="longest wait for the outbox")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the complaints")
    parser.add_argument("--profile", type=Path, help="py-spy the bot's first round into FILE")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    if min(args.messages, args.warmup) < args.connections or args.connections < 1:
        parser.error("need messages and warmup >= connections >= 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args
