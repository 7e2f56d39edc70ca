"""Outbox lanes benchmark: what the dispatcher's looks for the other lanes' due work cost while
one lane is stuck with a backlog.

    .venv/bin/python bench/outbox_lanes.py [--stuck 10000,100000] [--runs 30] [--postgres URL]

Run it from anywhere. For each size N, and for a bare baseline with no stuck lane (N = 0) in
the same run, it makes a fresh store (SQLite in a temporary directory with the project's
migrations; with `--postgres`, also a fresh schema there) holding one complaint and:

- the stuck lane, the webhook source `shop`: N callbacks (each with an acknowledgement's
  text) due over the last hour, 32 of them leased (in flight: its target never answers);
- the other lanes: one e-mail due now (a customer's acknowledgement waiting to go out).

Then, with the stuck lane skipped as the dispatcher skips a sending lane, it times (median of
`--runs`) the three statements the dispatcher runs while that lane sends:

- look: `next_delivery_due(skipping=…)`, the first look, which finds the e-mail;
- idle look: the same with the e-mail's lane sending too, so nothing else is pending;
- claim: `claim_due_deliveries(skipping=…, since=<the look's answer>)`, rolled back.

Printed: each time and its ratio to the baseline's, and the query plans at the largest N. The
run is invalid if a look or claim finds anything but the e-mail.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project is importable only from the root
    sys.path.insert(0, str(ROOT))

from bench.report import invalid  # noqa: E402
from store import queries  # noqa: E402
from store.database import Database  # noqa: E402
from store.models import Complaint  # noqa: E402
from store.queries import COMPLAINTS, CUSTOMERS, IDENTITIES, MESSAGES  # noqa: E402
from store.queries.tables import with_defaults  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
STUCK = ("webhook", "shop:")
EMAIL = ("email", "")
TEXT = "We received your complaint C-2026-000001 and will answer within one working day. " * 3
"""A callback's payload as large as an acknowledgement's: the rows a scan reads past are real."""


def fill(database: Database, stuck: int) -> None:
    """One complaint; `stuck` callbacks of the stuck lane (32 of them leased) and one e-mail."""

    def work(session: Session) -> None:
        connection = session.connection()
        customer = connection.execute(
            sa.insert(CUSTOMERS).returning(CUSTOMERS.c.id), {"name": "", "created_at": NOW}
        ).scalar_one()
        identity = connection.execute(
            sa.insert(IDENTITIES).returning(IDENTITIES.c.id),
            {"customer_id": customer, "channel": "email", "address": "a@example.com"},
        ).scalar_one()
        values = {
            "number": "C-2026-000001",
            "customer_id": customer,
            "identity_id": identity,
            "channel": "email",
            "grade": "general",
            "category": "other",
            "department": "customer_care",
            "language": "en",
            "tags": [],
            "routing_trace": [],
            "created_at": NOW,
            "updated_at": NOW,
        }
        complaint = connection.execute(
            sa.insert(COMPLAINTS).returning(COMPLAINTS.c.id), with_defaults(Complaint, values)
        ).scalar_one()
        message = connection.execute(
            sa.insert(MESSAGES).returning(MESSAGES.c.id),
            {"complaint_id": complaint, "direction": "out", "channel": "webhook"}
            | {"created_at": NOW, "author": "bot", "kind": "", "subject": "", "text": ""}
            | {"language": "en"},
        ).scalar_one()

        def queue(channel: str, address: str, due: datetime) -> None:
            queries.queue_delivery(
                session,
                {
                    "complaint_id": complaint,
                    "message_id": message,
                    "channel": channel,
                    "address": address,
                    "kind": "acknowledgement",
                    "next_attempt_at": due,
                    "created_at": due,
                    "payload": {"complaint": "C-2026-000001", "text": TEXT, "language": "en"},
                },
            )

        for index in range(stuck):
            leased = index < 32
            due = NOW + LEASE if leased else NOW - timedelta(hours=1) * (1 - index / stuck)
            queue("webhook", f"shop:c{index}", due)
        queue("email", "a@example.com", NOW)

    database.write_now(work)


def timed(runs: int, once: Callable[[], Any]) -> tuple[float, Any]:
    """The median milliseconds of `runs` calls, and the last call's answer."""
    times, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = once()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, answer


class Statements:
    """The SQL and parameters of the statements run while it listens, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self.seen.append((statement, params))


def measure(database: Database, runs: int) -> tuple[dict[str, float], list[str], dict[str, Any]]:
    """The times of the three statements, the problems seen, and their SQL with parameters."""
    problems: list[str] = []
    times: dict[str, float] = {}
    statements: dict[str, Any] = {}

    def look(skipping: tuple[tuple[str, str], ...]) -> datetime | None:
        with Session(database.reader) as session:
            return queries.next_delivery_due(session, skipping=skipping)

    def claim(since: datetime) -> list[str]:
        with Session(database.writer) as session:
            items = queries.claim_due_deliveries(
                session, NOW, LEASE, 32, skipping=(STUCK,), since=since
            )
            channels = [item.channel for item in items]
            session.rollback()
            return channels

    for name, once in (
        ("look", lambda: look((STUCK,))),
        ("idle look", lambda: look((STUCK, EMAIL))),
        ("claim", lambda: claim(NOW)),
    ):
        seen = Statements()
        engine = database.writer if name == "claim" else database.reader
        event.listen(engine, "before_cursor_execute", seen)
        try:
            times[name], answer = timed(runs, once)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        statements[name] = next(s for s in seen.seen if "outbox" in s[0])
        expected = {"look": NOW, "idle look": None, "claim": ["email"]}[name]
        if answer != expected and not (isinstance(answer, datetime) and _same(answer, NOW)):
            problems.append(f"{name} found {answer!r}, expected {expected!r}")
    return times, problems, statements


def _same(found: datetime, expected: datetime) -> bool:
    """SQLite gives back naive UTC from an aggregate."""
    return found.replace(tzinfo=found.tzinfo or UTC) == expected


def plans(database: Database, statements: dict[str, Any]) -> dict[str, list[str]]:
    prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "
    shown = {}
    with database.writer.connect() as connection:
        for name, (statement, params) in statements.items():
            rows = connection.exec_driver_sql(prefix + statement, params).all()
            shown[name] = [str(row[-1]) for row in rows]
    return shown


@contextlib.contextmanager
def store(kind: str, postgres: str) -> Iterator[Database]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-lanes-") as work:
            database = Database(f"sqlite:///{Path(work) / 'lanes.db'}")
            try:
                yield database
            finally:
                database.close()
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    database = Database(f"{postgres}?options=-csearch_path%3D{schema}")
    try:
        yield database
    finally:
        database.close()
        with psycopg.connect(postgres, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run(kind: str, sizes: list[int], args: argparse.Namespace) -> list[str]:
    print(f"\n{kind}: the stuck lane skipped, median of {args.runs} runs (ratio to N = 0)")
    print(
        f"{'stuck N':>9}{'look ms':>10}{'ratio':>8}{'idle ms':>10}{'ratio':>8}"
        f"{'claim ms':>10}{'ratio':>8}"
    )
    problems, baseline, statements = [], {}, {}
    for size in [0, *sizes]:
        with store(kind, args.postgres) as database:
            database.upgrade()
            fill(database, size)
            if kind == "postgresql":
                with database.writer.begin() as connection:
                    connection.exec_driver_sql("ANALYZE outbox")
            times, found, statements = measure(database, args.runs)
            problems += [f"{kind} N={size}: {problem}" for problem in found]
            shown = plans(database, statements)
        baseline = baseline or times
        row = "".join(
            f"{times[name]:>10.3f}{times[name] / baseline[name]:>8.1f}"
            for name in ("look", "idle look", "claim")
        )
        print(f"{size:>9,}{row}", flush=True)
    for name, lines in shown.items():
        print(f"  plan of the {name} at N={sizes[-1]:,}:")
        for line in lines:
            print(f"    {line}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stuck", default="10000,100000", help="stuck rows, comma-separated")
    parser.add_argument("--runs", type=int, default=30, help="timed calls per statement")
    parser.add_argument("--postgres", default="", help="also on this PostgreSQL database")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.stuck.split(",") if size.strip()]
    if not sizes or min(sizes) < 1 or args.runs < 1:
        parser.error("--stuck takes positive whole numbers, --runs a positive one")
    print(f"outbox lanes: SQLite {sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}")
    problems = run("sqlite", sizes, args)
    if args.postgres:
        problems += run("postgresql", sizes, args)
    return invalid(problems)


if __name__ == "__main__":
    sys.exit(main())
