"""SMTP intake benchmark: the bot against a bare aiosmtpd baseline, measured in the same run.

    .venv/bin/python bench/smtp_intake.py [--messages 1000] [--connections 4]

Run it from the project root (any directory works; it starts everything itself from there).
It measures:

- the baseline: `bench/baseline_smtp.py`, a bare aiosmtpd server on its own loop whose
  `handle_DATA` parses the mail with `email.message_from_bytes(..., policy=default)`, takes
  From, Subject and the body text, inserts one SQLite row (WAL, synchronous=NORMAL, one writer
  thread) and answers 250;
- the bot: `python bot.py --config <temporary settings> --log-level WARNING` on a fresh SQLite
  store, its SMTP server and HTTP on free ports, `[email] max_replies_per_hour` high enough that
  no acknowledgement is withheld, and `[email.relay]` pointing at a sink (an aiosmtpd
  `Controller` in a thread of this process) that counts the acknowledgements the outbox
  delivers. The bot says 250 only once the complaint is committed, so the time to 250 is the
  intake's latency; the acknowledgements leave after it, during the load, as in production.

Both get the same load: `--messages` pre-generated, distinct complaint mails (zh-Hans, zh-Hant,
es and en; different senders, some recurring; utf-8 and local charsets, base64 and
quoted-printable; some with an HTML alternative, some with a small attachment; CRLF line
endings; unique Message-IDs), sent each exactly once over `--connections` persistent smtplib
connections, one client *process* per connection (client threads in one process would share one
GIL), each sending its share back to back with `sendmail`.

Printed per server: messages answered 250, seconds from the first `sendmail` to the last 250,
messages/s over that time, p50/p99/max time to 250 (from just before `sendmail` to its return),
failures (any exception or refused recipient; listed), and the server's CPU time per message
and as a share of one core. Then the bot/baseline throughput ratio (target >= 0.5), the bot's
resident memory (VmRSS before and after, VmHWM at its peak), the complaints in the bot's store
(it must hold every message), and the acknowledgements the sink received: at the end of the
load and after a bounded drain (`--drain`, 30 s) that waits for the outbox to have nothing
pending. `--profile FILE` records the bot under py-spy during the load (collapsed stacks).
"""

from __future__ import annotations

import argparse
import contextlib
import email.policy
import html
import multiprocessing
import os
import queue
import random
import re
import shutil
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, `bench` is importable only from the root
    sys.path.insert(0, str(ROOT))

from bench.corpus import NAMES, SUBJECTS, complaints  # noqa: E402
from bench.servers import (  # noqa: E402
    PYTHON,
    count_complaints,
    cpu_seconds,
    emit_result,
    free_port,
    median,
    memory_mb,
    ratio,
    rounds_line,
    serving,
    write_bot_settings,
)
from bench.wrk import nearest_rank  # noqa: E402

TARGET_RATIO = 0.5

BOT_ADDRESS = "complaints@example.com"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
COMPLAINT_NUMBER = re.compile(rb"\bC-\d{4}-\d{6,}\b")


# ---- the mails -------------------------------------------------------------------------------

LANGUAGE_OF = {name: language for language, names in NAMES.items() for name in names.split("|")}
DOMAINS = {
    "en": "gmail.example|outlook.example|btinternet.example",
    "es": "gmail.example|telefonica.example|correo.example",
    "zh-Hans": "qq.example|163.example|126.example",
    "zh-Hant": "yahoo-tw.example|hinet.example|gmail.example",
}
# (charset, transfer encoding) as mail clients write them; the local charsets are the reason
# the bot decodes text itself.
ENCODINGS = {
    "en": [("us-ascii", "7bit"), ("utf-8", "quoted-printable")],
    "es": [("utf-8", "quoted-printable"), ("iso-8859-1", "quoted-printable")],
    "zh-Hans": [("utf-8", "base64"), ("gbk", "base64"), ("gb18030", "base64")],
    "zh-Hant": [("utf-8", "base64"), ("big5", "base64")],
}
SIGN_OFFS = {
    "en": "Regards,|Best wishes,|Thanks,|Sent from my iPhone",
    "es": "Saludos,|Un saludo,|Atentamente,|Enviado desde mi iPhone",
    "zh-Hans": "此致|谢谢|发自我的iPhone",
    "zh-Hant": "敬上|謝謝|從我的iPhone傳送",
}
ATTACHMENTS = {
    "en": "photo.jpg|receipt.pdf|IMG_2041.jpg",
    "es": "foto.jpg|factura.pdf|IMG_2041.jpg",
    "zh-Hans": "照片.jpg|发票.pdf|IMG_2041.jpg",
    "zh-Hant": "照片.jpg|收據.pdf|IMG_2041.jpg",
}


@dataclass(frozen=True)
class Mail:
    sender: str
    raw: bytes
    language: str
    attachment: bool


def fake_file(name: str, rng: random.Random) -> tuple[bytes, str, str]:
    """A few kilobytes that look like a phone photo or a scanned receipt."""
    if name.endswith(".pdf"):
        objects = b"".join(b"%d 0 obj << /Length 64 >> stream\n" % n for n in range(40))
        data = rng.randbytes(rng.randint(1500, 4000))
        return b"%PDF-1.4\n" + objects + data + b"\n%%EOF\n", "application", "pdf"
    data = rng.randbytes(rng.randint(3000, 12000))
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + data + b"\xff\xd9", "image", "jpeg"


def mails(count: int, seed: int, start: int = 0) -> list[Mail]:
    """`count` distinct complaint mails to the bot, built on the webhook bench's complaints."""
    rng = random.Random(seed + 1 + start)
    found = []
    for index, body in enumerate(complaints(count, seed, start), start):
        customer, text = body["customer"], body["text"]
        language = LANGUAGE_OF[customer["name"]]
        domain = rng.choice(DOMAINS[language].split("|"))
        sender = f"{customer['id']}@{domain}"
        sign_off = rng.choice(SIGN_OFFS[language].split("|"))
        text = f"{text}\n\n{sign_off}\n{customer['name']}\n"
        charset, transfer = rng.choice(ENCODINGS[language])
        try:
            text.encode(charset)
        except UnicodeEncodeError:
            charset = "utf-8"
        message = EmailMessage()
        message["From"] = formataddr((customer["name"], sender))
        message["To"] = f"Customer care <{BOT_ADDRESS}>"
        subject = body.get("subject") or rng.choice(SUBJECTS[language].split("|"))
        message["Subject"] = subject
        message["Date"] = formatdate(time.time() - rng.randint(0, 3600))
        message["Message-ID"] = f"<{rng.getrandbits(64):016x}.{index:06d}@{domain}>"
        message["X-Mailer"] = rng.choice(["Apple Mail (2.3774)", "Foxmail 7.2", "Outlook 16.0"])
        message.set_content(text, charset=charset, cte=transfer)
        if rng.random() < 0.25:
            markup = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line)
            page = f"<html><body>{markup}</body></html>"
            message.add_alternative(page, subtype="html", charset=charset, cte=transfer)
        attachment = rng.random() < 0.15
        if attachment:
            name = rng.choice(ATTACHMENTS[language].split("|"))
            data, maintype, subtype = fake_file(name, rng)
            message.add_attachment(data, maintype, subtype, filename=name)
        raw = message.as_bytes(policy=email.policy.SMTP)
        assert raw.count(b"\r\n") == raw.count(b"\n"), "CRLF line endings only"
        found.append(Mail(sender, raw, language, attachment))
    return found


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
        seconds=(last - first) / 1e9,
        latencies_ns=sorted(end - start for start, end in samples),
        failures=failures,
        cpu_seconds=used,
    )


def start_profile(pid: int, path: Path) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy", path=str(Path(PYTHON).parent)) or shutil.which("py-spy")
    if spy is None:
        sys.exit("bench: --profile needs py-spy (pip install py-spy)")
    command = [spy, "record", "--pid", str(pid), "--rate", "250", "--nonblocking"]
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
    """Plays the bot's relay: counts the mails it is given and the complaint numbers in them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages = 0
        self.numbers: set[bytes] = set()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        numbers = set(COMPLAINT_NUMBER.findall(content if isinstance(content, bytes) else b""))
        with self.lock:
            self.messages += 1
            self.numbers |= numbers
        return "250 2.0.0 OK"


def write_settings(
    work: Path, http_port: int, smtp_port: int, relay_port: int
) -> tuple[Path, Path]:
    """The webhook bench's settings (fresh store, free HTTP port) with SMTP intake and a relay."""
    import tomli_w  # the test extra; the project's venv has it

    path, database = write_bot_settings(work, http_port)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    mail = data.setdefault("email", {})
    mail.update(address=BOT_ADDRESS, signing_secret=SIGNING_SECRET, max_replies_per_hour=100_000)
    mail["smtp_server"] = {
        **mail.get("smtp_server", {}),
        **{"enabled": True, "host": "127.0.0.1", "port": smtp_port},
        **{"tls_cert": "", "tls_key": "", "auth_username": "", "auth_password": ""},
    }
    mail["relay"] = {"host": "127.0.0.1", "port": relay_port, "starttls": False}
    mail["imap"] = {**mail.get("imap", {}), "enabled": False}
    path.write_bytes(tomli_w.dumps(data).encode())
    return path, database


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


# ---- the run ---------------------------------------------------------------------------------


def describe(run: Run, label: str) -> str:
    return (
        f"{label:<14}{run.ok:>9,}{run.seconds:>9.2f}{run.rate:>9.1f}"
        f"{run.percentile_ms(50):>9.1f}{run.percentile_ms(99):>9.1f}"
        f"{run.latencies_ns[-1] / 1e6 if run.latencies_ns else 0:>9.1f}"
        f"{len(run.failures):>9}"
        f"{run.cpu_seconds * 1000 / max(run.ok, 1):>9.2f}"
        f"{run.cpu_seconds / run.seconds * 100 if run.seconds else 0:>7.0f}%"
    )


def run(
    args: argparse.Namespace, work: Path, sink: AckSink, relay_port: int
) -> tuple[dict[str, list[Run]], dict[str, Any]]:
    """Both servers up at once; warm each, then per round the baseline's load and the bot's,
    and after the bot's a bounded wait for its outbox to send what the round queued."""
    runs: dict[str, list[Run]] = {"baseline": [], "bot": []}
    found: dict[str, Any] = {"acks_at_end": [], "drained_s": []}
    port = free_port()
    baseline_db = work / "baseline.db"
    command = [PYTHON, "bench/baseline_smtp.py", "--port", str(port), "--db", str(baseline_db)]
    http_port, smtp_port = free_port(), free_port()
    settings, bot_db = write_settings(work, http_port, smtp_port, relay_port)
    bot_command = [PYTHON, "bot.py", "--config", str(settings), "--log-level", "WARNING"]
    with (
        serving(command, port, work / "baseline.log", ready=wait_smtp) as baseline,
        serving(bot_command, http_port, work / "bot.log") as bot,
    ):
        wait_smtp(bot, smtp_port, work / "bot.log", 30)
        found["idle"] = memory_mb(bot.pid)["VmRSS"]
        servers = {"baseline": (baseline, port), "bot": (bot, smtp_port)}
        warmup = mails(args.warmup, args.seed)
        for process, server_port in servers.values():
            run_load(server_port, process.pid, warmup, args.connections, args.limit, None)
        drain(bot_db, args.drain)
        for index in range(args.rounds):
            load = mails(args.messages, args.seed, args.warmup + index * args.messages)
            runs["baseline"].append(
                run_load(port, baseline.pid, load, args.connections, args.limit, None)
            )
            before = sink.messages
            profile = args.profile if index == 0 else None
            runs["bot"].append(
                run_load(smtp_port, bot.pid, load, args.connections, args.limit, profile)
            )
            found["acks_at_end"].append(sink.messages - before)
            drained_s, found["outbox"] = drain(bot_db, args.drain)
            found["drained_s"].append(drained_s)
        found["memory"] = memory_mb(bot.pid)
    found["stored_bot"] = count_complaints(bot_db)
    found["stored_baseline"] = count_complaints(baseline_db)
    found["log"] = (work / "bot.log").read_text(errors="replace")
    return runs, found


def report(args: argparse.Namespace, runs: dict[str, list[Run]], found: dict[str, Any]) -> int:
    load = mails(args.messages, args.seed, args.warmup)
    languages = Counter(mail.language for mail in load)
    size_kb = sum(len(mail.raw) for mail in load) / len(load) / 1024
    print(
        f"SMTP intake: {len(load):,} complaint mails per round ("
        + ", ".join(f"{language} {n}" for language, n in sorted(languages.items()))
        + f"; {sum(mail.attachment for mail in load)} with an attachment; {size_kb:.1f} KB"
        f" on average), {args.rounds} rounds, {args.connections} persistent connections (one"
        f" smtplib client process each), {os.cpu_count()} cores"
    )
    print()
    print(
        f"{'':<14}{'messages':>9}{'seconds':>9}{'msgs/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'failures':>9}{'CPU ms':>9}{'CPU':>8}"
    )
    for index in range(args.rounds):
        for label in ("baseline", "bot"):
            print(describe(runs[label][index], f"{label} {index + 1}"))
    print(
        "(messages: answered 250; seconds: from the first sendmail to the last 250; p50/p99/max:"
        " time to 250;\n CPU ms: the server's CPU time per message, all its threads; CPU: as a"
        " share of one core)"
    )
    print()
    rates = {label: [run.rate for run in series] for label, series in runs.items()}
    p99 = {
        label: median([run.percentile_ms(99) for run in series]) for label, series in runs.items()
    }
    ratios = [ratio(bot, base) for bot, base in zip(rates["bot"], rates["baseline"], strict=True)]
    met = median(ratios) >= TARGET_RATIO
    print(rounds_line("baseline mails/s", rates["baseline"]))
    print(rounds_line("bot mails/s", rates["bot"]))
    print(
        rounds_line("ratio bot/baseline", ratios)
        + f"   (target >= {TARGET_RATIO}: {'met' if met else 'MISSED'})"
    )
    memory = found["memory"]
    print(
        f"bot p99 time to 250: {p99['bot']:.1f} ms; resident memory {found['idle']:.1f} MB before"
        f" the load, {memory['VmRSS']:.1f} MB after, {memory['VmHWM']:.1f} MB peak (VmHWM)"
    )
    expected = args.warmup + args.rounds * args.messages
    print(
        f"stored: bot {found['stored_bot']:,} complaints, baseline {found['stored_baseline']:,}"
        f" rows (expected {expected:,} each, warm-up included)"
    )
    print(
        f"acknowledgements delivered to the sink by the end of each round's load: "
        f"{found['acks_at_end']}, after drains of "
        + ", ".join(f"{s:.1f}" for s in found["drained_s"])
        + f" s (limit {args.drain:.0f} s): {found['acks']:,} in all,"
        f" {found['numbers']:,} distinct complaint numbers; outbox "
        + ", ".join(f"{status} {n:,}" for status, n in sorted(found["outbox"].items()))
    )
    if args.profile:
        print(f"py-spy profile of the bot during the first round: {args.profile}")
    problems = []
    for label, series in runs.items():
        failures = [failure for run in series for failure in run.failures]
        if failures:
            kinds = Counter(failure[:160] for failure in failures)
            problems.append(
                f"{label}: {len(failures)} failures: "
                + "; ".join(f"{n} x {kind}" for kind, n in kinds.most_common(5))
            )
    for label in ("bot", "baseline"):
        if found[f"stored_{label}"] != expected:
            problems.append(f"{label}: {found[f'stored_{label}']} stored for {expected} messages")
    if found["acks"] != expected or found["numbers"] != expected:
        problems.append(
            f"bot: {found['acks']} acknowledgements with {found['numbers']} complaint numbers"
            f" for {expected} complaints"
        )
    for problem in problems:
        print(f"INVALID RUN: {problem}")
    if problems and found["log"].strip():
        print(f"---- the bot's log (last lines)\n{found['log'][-3000:]}")
    emit_result(
        bench="smtp",
        path=f"SMTP, {args.messages:,} mails, {args.connections} connections",
        bot=f"{median(rates['bot']):,.0f} mails/s, p99 {p99['bot']:.0f} ms",
        baseline=f"aiosmtpd + one insert: {median(rates['baseline']):,.0f} mails/s",
        ratio=round(median(ratios), 2),
        rss_mb=round(memory["VmHWM"], 1),
        valid=not problems,
    )
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="complaint mails per round")
    parser.add_argument("--connections", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--warmup", type=int, default=40, help="mails before measuring")
    parser.add_argument("--limit", type=int, default=300, help="longest load per server, seconds")
    parser.add_argument("--drain", type=float, default=30, help="longest wait for the outbox")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the complaints")
    parser.add_argument("--profile", type=Path, help="py-spy the bot's first round into FILE")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    if min(args.messages, args.warmup) < args.connections or args.connections < 1:
        parser.error("need messages and warmup >= connections >= 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="bench-smtp-"))
    sink = AckSink()
    relay = Controller(
        sink, hostname="127.0.0.1", port=free_port(), server_hostname="relay.bench.example"
    )
    relay.start()
    try:
        runs, found = run(args, work, sink, relay.port)
    finally:
        with contextlib.suppress(Exception):
            relay.stop()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    found["acks"], found["numbers"] = sink.messages, len(sink.numbers)
    return report(args, runs, found)


if __name__ == "__main__":
    sys.exit(main())
