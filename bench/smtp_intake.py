"""SMTP intake benchmark: the bot against a bare aiosmtpd baseline, measured in the same run.

    .venv/bin/python bench/smtp_intake.py [--messages 1000] [--connections 4]

Run it from the project root (any directory works; it starts everything itself from there).
It measures:

- the baseline: `bench/baseline_smtp.py`, a bare aiosmtpd server on its own loop whose
  `handle_DATA` parses the mail with `email.message_from_bytes(..., policy=default)`, takes
  From, Subject and the body text, inserts one SQLite row (WAL, synchronous=NORMAL, one writer
  thread) and answers 250;
- the bot: `./run-bot --config <temporary settings> --log-level WARNING` on a fresh SQLite
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
import os
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, `bench` is importable only from the root
    sys.path.insert(0, str(ROOT))

from bench import report as out  # noqa: E402
from bench.mails import BOT_ADDRESS, SIGNING_SECRET, mails  # noqa: E402
from bench.servers import (  # noqa: E402
    PYTHON,
    bot_command,
    count_complaints,
    free_port,
    memory_mb,
    serving,
    write_bot_settings,
)
from bench.smtpload import AckSink, Run, drain, parse_arguments, run_load, run_with_relay, wait_smtp  # noqa: E402

TARGET_RATIO = 0.5


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
    with (
        serving(command, port, work / "baseline.log", ready=wait_smtp) as baseline,
        serving(bot_command(settings), http_port, work / "bot.log") as bot,
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
    out.print_table(
        f"SMTP intake: {len(load):,} complaint mails per round ("
        + ", ".join(f"{language} {n}" for language, n in sorted(languages.items()))
        + f"; {sum(mail.attachment for mail in load)} with an attachment; {size_kb:.1f} KB"
        f" on average), {args.rounds} rounds, {args.connections} persistent connections (one"
        f" smtplib client process each), {os.cpu_count()} cores",
        f"{'':<14}{'messages':>9}{'seconds':>9}{'msgs/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'failures':>9}{'CPU ms':>9}{'CPU':>8}",
        runs,
        describe,
        "(messages: answered 250; seconds: from the first sendmail to the last 250; p50/p99/max:"
        " time to 250;\n CPU ms: the server's CPU time per message, all its threads; CPU: as a"
        " share of one core)",
    )
    rates = out.by_label(runs, lambda run: run.rate)
    p99 = out.medians(runs, lambda run: run.percentile_ms(99))
    ratios = out.compare(
        ("baseline mails/s", rates["baseline"]), ("bot mails/s", rates["bot"]), target=TARGET_RATIO
    )
    memory = found["memory"]
    print(
        f"bot p99 time to 250: {p99['bot']:.1f} ms; resident memory"
        f" {out.memory_line(found['idle'], memory)} (VmHWM)"
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
    return out.conclude(
        problems,
        out.log_tail(found["log"]),
        bench="smtp",
        path=f"SMTP, {args.messages:,} mails, {args.connections} connections",
        bot=f"{out.median(rates['bot']):,.0f} mails/s, p99 {p99['bot']:.0f} ms",
        baseline=f"aiosmtpd + one insert: {out.median(rates['baseline']):,.0f} mails/s",
        ratio=out.median(ratios),
        rss_mb=memory["VmHWM"],
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(__doc__, argv, limit="longest load per server, seconds", drain=True)
    return report(args, *run_with_relay(args, "bench-smtp-", run))


if __name__ == "__main__":
    sys.exit(main())
