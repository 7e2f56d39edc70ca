"""Sweep benchmark: due work costs by the number due, not by the number of open complaints.

    .venv/bin/python bench/sweeps.py [--sizes 100000,1000000] [--due 1000] [--batch 500]

Run it from anywhere. For each size N it makes a fresh SQLite store in a temporary directory
(the project's migrations, WAL, synchronous=NORMAL), adds one customer with one e-mail identity
and bulk-loads N open complaints with SQLAlchemy Core inserts in transactions of `--chunk` rows
(not through intake, which would take hours at a million). Every complaint is acknowledged, of
grade general, with first-response and resolution deadlines, an escalation and a warning time
far in the future; `--due` of them, spread evenly through the table, had their progress update
due in the past, all the others have it in the future. Surveys and closing have nothing due.

Then `Sweeps.run_all()` (the shipped settings.toml: service levels, survey, escalation, rules,
templates) runs against a stopped `ManualClock`, with every address deliverable:

- the first run does the due work: one progress message, outbox row and event per due
  complaint, in transactions of `--batch` rows; it must report `progress == due`;
- the following runs find nothing due: the cost of looking (five sweeps, one query each).

Printed per size: load time, first-sweep time with the rows it wrote and the time per due row,
and the empty sweep (the first one and the median of `--empty-runs`); then the ratios between
the smallest and largest size and the SQLite query plan of the progress sweep's selection,
captured from the statement the sweep really ran, which must search
`ix_complaints_next_update_due` rather than scan the table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project is importable only from the root
    sys.path.insert(0, str(ROOT))

from bench.report import invalid  # noqa: E402
from complaints.clock import ManualClock  # noqa: E402
from config import Settings, load_settings  # noqa: E402
from outbox.notify import Notifier  # noqa: E402
from outbox.templates import Replies  # noqa: E402
from scheduler.due import DueTimes  # noqa: E402
from scheduler.sweeps import Sweeps  # noqa: E402
from store.database import Database  # noqa: E402
from store.queries import COMPLAINTS, CUSTOMERS, EVENTS, IDENTITIES, MESSAGES, OUTBOX  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
INDEX = "ix_complaints_next_update_due"


@dataclass
class Result:
    size: int
    due: int
    load_s: float
    db_mb: float
    first_s: float
    done: dict[str, int]
    events: int
    messages: int
    outbox: int
    empty_first_ms: float
    empty_median_ms: float
    statement: str
    plan: list[str]

    @property
    def per_due_ms(self) -> float:
        return self.first_s * 1000 / max(self.due, 1)

    @property
    def uses_index(self) -> bool:
        return any(INDEX in line for line in self.plan) and not any(
            line.startswith("SCAN complaints") for line in self.plan
        )


# ---- the store ---------------------------------------------------------------------------------


def due_positions(size: int, due: int) -> set[int]:
    """Which of the `size` complaints (0-based) are due: spread evenly through the table."""
    step = size / due
    return {int(k * step) for k in range(due)}


def complaint_rows(
    size: int, due: int, chunk: int, customer_id: int, identity_id: int
) -> Iterator[list[dict[str, Any]]]:
    """The complaints, `chunk` at a time, made only when their chunk is inserted."""
    due_at = due_positions(size, due)
    rank = 0  # the due ones in order, so their due times differ
    for start in range(0, size, chunk):
        rows = []
        for index in range(start, min(start + chunk, size)):
            created = NOW - timedelta(days=30) + timedelta(seconds=index * 2)
            first_response_due = NOW + timedelta(days=30, seconds=index)
            resolution_due = NOW + timedelta(days=60, seconds=index)
            if index in due_at:
                next_update_due = NOW - timedelta(hours=1) + timedelta(seconds=rank)
                rank += 1
            else:
                next_update_due = NOW + timedelta(hours=1, seconds=index)
            rows.append(
                {
                    "number": f"C-2026-{index + 1:06d}",
                    "customer_id": customer_id,
                    "identity_id": identity_id,
                    "channel": "email",
                    "source": "email",
                    "status": "acknowledged",
                    "grade": "general",
                    "category": "other",
                    "department": "customer_care",
                    "language": "en",
                    "subject": "Complaint",
                    "product": "",
                    "model": "",
                    "serial_number": "",
                    "order_number": "",
                    "purchase_date": "",
                    "desired_outcome": "",
                    "merged_into": "",
                    "root_cause": "",
                    "tags": [],
                    "rule_set_version": 1,
                    "routing_trace": [],
                    "created_at": created,
                    "updated_at": created,
                    "first_response_due": first_response_due,
                    "resolution_due": resolution_due,
                    "assignee": "",
                    "resolution_summary": "",
                    "survey_score": None,
                    "survey_comment": "",
                    "survey_answered_at": None,
                    "next_update_due": next_update_due,
                    "resolved_at": None,
                    "survey_due": None,
                    "close_due": None,
                    "first_response_at": None,
                    "escalation_level": 0,
                    "escalate_due": first_response_due,
                    "warn_due": first_response_due - timedelta(hours=1),
                }
            )
        yield rows


def check_row_covers_table(row: dict[str, Any]) -> None:
    """Every NOT NULL column is filled: Core inserts apply none of the models' Python defaults."""
    required = {c.name for c in COMPLAINTS.c if not c.nullable and not c.primary_key}
    missing = required - row.keys()
    unknown = row.keys() - {c.name for c in COMPLAINTS.c}
    if missing or unknown:
        sys.exit(f"bench: complaint row misses {sorted(missing)}, has unknown {sorted(unknown)}")


def load(database: Database, size: int, due: int, chunk: int) -> float:
    """Fill a fresh store; the seconds it took."""
    started = time.perf_counter()

    def party(session: Any) -> tuple[int, int]:
        connection = session.connection()
        customer_id = connection.execute(
            sa.insert(CUSTOMERS).returning(CUSTOMERS.c.id),
            {"name": "Bench Customer", "email": "bench@example.com", "phone": "", "tier": ""}
            | {"created_at": NOW - timedelta(days=31)},
        ).scalar_one()
        identity_id = connection.execute(
            sa.insert(IDENTITIES).returning(IDENTITIES.c.id),
            {
                "customer_id": customer_id,
                "channel": "email",
                "address": "bench@example.com",
                "display_name": "Bench Customer",
            },
        ).scalar_one()
        return customer_id, identity_id

    customer_id, identity_id = database.write_now(party)
    insert = sa.insert(COMPLAINTS)
    checked = False
    for rows in complaint_rows(size, due, chunk, customer_id, identity_id):
        if not checked:
            check_row_covers_table(rows[0])
            checked = True
        with database.writer.begin() as connection:
            connection.execute(insert, rows)
    return time.perf_counter() - started


def count(database: Database, table: sa.Table) -> int:
    with database.writer.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def file_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


# ---- the sweeps --------------------------------------------------------------------------------


class ProgressQuery:
    """Captures the SQL and parameters of the progress sweep's selection as it runs."""

    def __init__(self) -> None:
        self.statement = ""
        self.parameters: Any = None

    def __call__(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any
    ) -> None:
        if not self.statement and "next_update_due <=" in statement and "LIMIT" in statement:
            self.statement, self.parameters = statement, parameters


async def sweep(
    database: Database, settings: Settings, batch: int, empty_runs: int
) -> tuple[float, dict[str, int], list[float]]:
    replies = Replies(
        settings.templates_dir,
        lambda: settings.rules,
        settings.customer_zones,
        settings.company_name,
    )
    sweeps = Sweeps(
        database,
        ManualClock(NOW),
        Notifier(lambda channel, address: True, lambda: settings.rules),
        DueTimes(settings.service_levels, close_after=settings.survey.close_after),
        replies,
        batch=batch,
        escalation=settings.escalation,
    )
    started = time.perf_counter()
    done = await sweeps.run_all()
    first = time.perf_counter() - started
    empty = []
    for _ in range(empty_runs):
        started = time.perf_counter()
        nothing = await sweeps.run_all()
        empty.append(time.perf_counter() - started)
        if any(nothing.values()):
            sys.exit(f"bench: a sweep found work the first run should have done: {nothing}")
    return first, done, empty


def query_plan(database: Database, query: ProgressQuery) -> list[str]:
    if not query.statement:
        sys.exit("bench: the progress sweep's selection was not seen")
    with database.writer.connect() as connection:
        rows = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + query.statement, query.parameters
        ).all()
    return [str(row[-1]) for row in rows]


def run_size(size: int, args: argparse.Namespace, settings: Settings) -> Result:
    with tempfile.TemporaryDirectory(prefix="bench-sweeps-") as work:
        path = Path(work) / "sweeps.db"
        database = Database(f"sqlite:///{path}")
        try:
            database.upgrade()
            load_s = load(database, size, args.due, args.chunk)
            print(
                f"  {size:>9,} open: loaded in {load_s:6.1f} s "
                f"({size / load_s:,.0f} complaints/s, {file_mb(path):,.0f} MB)",
                flush=True,
            )
            query = ProgressQuery()
            event.listen(database.writer, "before_cursor_execute", query)
            first_s, done, empty = asyncio.run(
                sweep(database, settings, args.batch, args.empty_runs)
            )
            event.remove(database.writer, "before_cursor_execute", query)
            result = Result(
                size=size,
                due=args.due,
                load_s=load_s,
                db_mb=file_mb(path),
                first_s=first_s,
                done=done,
                events=count(database, EVENTS),
                messages=count(database, MESSAGES),
                outbox=count(database, OUTBOX),
                empty_first_ms=empty[0] * 1000,
                empty_median_ms=statistics.median(empty) * 1000,
                statement=query.statement,
                plan=query_plan(database, query),
            )
        finally:
            database.close()
    print(
        f"  {size:>9,} open: first sweep {first_s:.2f} s {done}, "
        f"empty sweep {result.empty_median_ms:.2f} ms",
        flush=True,
    )
    return result


# ---- the report --------------------------------------------------------------------------------


def problems_of(result: Result) -> list[str]:
    problems = []
    label = f"{result.size:,} open"
    if result.done["progress"] != result.due:
        problems.append(f"{label}: progress sweep handled {result.done['progress']}")
    others = {name: n for name, n in result.done.items() if name != "progress" and n}
    if others:
        problems.append(f"{label}: other sweeps found work: {others}")
    for name, written in (
        ("events", result.events),
        ("messages", result.messages),
        ("outbox", result.outbox),
    ):
        if written != result.due:
            problems.append(f"{label}: {written} {name} rows for {result.due} due")
    if not result.uses_index:
        problems.append(f"{label}: the progress selection does not search {INDEX}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="100000,1000000", help="open complaints per run, comma-separated"
    )
    parser.add_argument("--due", type=int, default=1000, help="complaints with progress due")
    parser.add_argument("--batch", type=int, default=500, help="rows a sweep claims at a time")
    parser.add_argument("--chunk", type=int, default=20000, help="rows per load transaction")
    parser.add_argument("--empty-runs", type=int, default=5, help="sweeps with nothing due")
    args = parser.parse_args(argv)
    try:
        sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas")
    if not sizes or any(size < 1 for size in sizes):
        parser.error("--sizes needs at least one positive size")
    if not 1 <= args.due <= min(sizes):
        parser.error("--due must be between 1 and the smallest size")
    if args.batch < 1 or args.chunk < 1 or args.empty_runs < 1:
        parser.error("--batch, --chunk and --empty-runs must be positive")

    settings = load_settings(ROOT / "settings.toml")
    print(
        f"sweeps: {args.due:,} due per size, batch {args.batch}, SQLite, "
        f"{os.cpu_count()} cores, SQLite {sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}"
    )
    results = [run_size(size, args, settings) for size in sizes]

    print()
    print(
        f"{'open':>10}{'due':>7}{'load s':>9}{'DB MB':>8}{'sweep s':>9}{'events':>8}"
        f"{'outbox':>8}{'ms/due':>8}{'empty ms':>10}{'median':>8}{'index':>7}"
    )
    for r in results:
        print(
            f"{r.size:>10,}{r.due:>7,}{r.load_s:>9.1f}{r.db_mb:>8,.0f}{r.first_s:>9.3f}"
            f"{r.events:>8,}{r.outbox:>8,}{r.per_due_ms:>8.3f}{r.empty_first_ms:>10.2f}"
            f"{r.empty_median_ms:>8.2f}{'yes' if r.uses_index else 'NO':>7}"
        )
    print(
        "(sweep s: the first run_all(), doing the due work: one progress message, outbox row and"
        " event per due row;\n ms/due: that time per due row; empty ms: the next run_all(),"
        f" nothing due; median: of {args.empty_runs} such runs;\n index: the progress selection"
        f" searches {INDEX})"
    )

    print()
    print(f"query plan of the progress sweep's selection ({results[-1].size:,} open):")
    statement = " ".join(results[-1].statement.split())
    columns = statement.removeprefix("SELECT ").partition(" FROM ")[0]
    shown = f"<{len(columns.split(', '))} columns>"
    print(f"  {statement.replace(columns, shown, 1)}")
    for line in results[-1].plan:
        print(f"  {line}")

    if len(results) > 1:
        small, large = results[0], results[-1]
        open_ratio = large.size / small.size
        sweep_ratio = large.first_s / small.first_s
        empty_ratio = large.empty_median_ms / small.empty_median_ms
        print()
        print(
            f"{large.size:,} vs {small.size:,} open ({open_ratio:.0f}x), "
            f"{large.due:,} vs {small.due:,} due:"
        )
        print(f"  first sweep (the due work): {sweep_ratio:.2f}x")
        print(f"  empty sweep (the cost of looking): {empty_ratio:.2f}x")
        # Tracking the number open would make both ratios near `open_ratio`; tracking the number
        # due keeps them near the ratio of the due counts (1 here) within timing noise.
        tolerance = 1.5 * (large.due / small.due)
        tracks_due = sweep_ratio < tolerance and empty_ratio < max(tolerance, 2.0)
        if tracks_due:
            print(
                f"  sweep time tracks the number due, not the number open: {open_ratio:.0f}x the"
                f" open complaints cost {sweep_ratio:.2f}x the time for the same due work and"
                f" {empty_ratio:.2f}x for looking."
            )
        else:
            print(
                f"  sweep time does NOT track only the number due: {open_ratio:.0f}x the open"
                f" complaints cost {sweep_ratio:.2f}x the time for the same due work and"
                f" {empty_ratio:.2f}x for looking."
            )

    problems = [problem for result in results for problem in problems_of(result)]
    return invalid(problems)


if __name__ == "__main__":
    sys.exit(main())
