"""Every intake benchmark in one go, and one table of their figures.

    .venv/bin/python bench/all.py [--only webhook,smtp,mail_e2e,instances,memory] [--quick]

Runs bench/intake.py (webhook), bench/smtp_intake.py (SMTP), bench/mail_e2e.py (mail end to
end, acknowledgements included), bench/instances.py (one vs two instances on PostgreSQL) and
bench/memory.py (resident memory beside the baseline's), one after the other, each with its
defaults (3 rounds, median; `--quick`: tiny sizes, one round, to see that they work, not to
measure). Their own reports are printed as they finish; then the table: each path's figure
for the bot, its bare baseline from the same run, the ratio and the bot's peak resident memory.
Exits non-zero if any benchmark's run was invalid.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCHES = {
    "webhook": "bench/intake.py",
    "smtp": "bench/smtp_intake.py",
    "mail_e2e": "bench/mail_e2e.py",
    "instances": "bench/instances.py",
    "memory": "bench/memory.py",
}
QUICK = {
    "webhook": ["--requests", "20", "--connections", "4", "--warmup", "8", "--rounds", "1"],
    "smtp": ["--messages", "20", "--connections", "2", "--warmup", "4", "--rounds", "1"],
    "mail_e2e": ["--messages", "20", "--connections", "2", "--warmup", "4", "--rounds", "1"],
    "instances": ["--requests", "20", "--connections", "4", "--warmup", "4", "--rounds", "1"],
    "memory": ["--requests", "20", "--connections", "4"],
}


def run(name: str, extra: list[str]) -> dict[str, Any]:
    """One benchmark in its own process; its `BENCH-RESULT` line, or why there is none."""
    command = [sys.executable, BENCHES[name], *extra]
    print(f"==== {' '.join(command[1:])}", flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    print(done.stdout + done.stderr, flush=True)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
            return result
    reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"bench": name, "path": name, "valid": False, "error": reason[0]}


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| path | bot | bare baseline, same run | ratio | bot RSS peak |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['path']} | failed: {r['error']} | | | |")
            continue
        mark = "" if r["valid"] else " (INVALID RUN)"
        lines.append(
            f"| {r['path']} | {r['bot']}{mark} | {r['baseline']} | {r['ratio']:.2f} |"
            f" {r['rss_mb']:.0f} MB |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(BENCHES), help="benchmarks, comma-separated")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHES]
    if unknown or not names:
        parser.error(f"--only takes some of {', '.join(BENCHES)}; unknown: {unknown}")
    results = [run(name, QUICK[name] if args.quick else []) for name in names]
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    print(
        f"intake benchmarks, {today}, {os.cpu_count()} cores, {platform.platform()},"
        f" Python {platform.python_version()}"
        + (" (--quick: not a measurement)" if args.quick else "")
    )
    print()
    print(table(results))
    return 0 if all(r["valid"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
