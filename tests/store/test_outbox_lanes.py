"""The outbox's lanes in the store, on SQLite and on PostgreSQL: the look for the next due
delivery searches each lane in ix_outbox_lane_due instead of reading past a stuck lane's
backlog, and migration 0013 gives the deliveries queued before it the lane a new one gets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event

from complaints.clock import ManualClock
from store import queries
from store.database import Database
from store.queries import OUTBOX
from store.queries.outbox import lane_key, lane_of
from store.schema import MIGRATIONS, upgrade_schema
from tests.conftest import START
from tests.factories import make_inbound
from tests.store.test_store import make_intake

TABLE_READ = re.compile(r"^\s*(SEARCH|SCAN) |Scan .* on ")
"""A line of a plan that reads a table or an index: SQLite's SEARCH/SCAN, PostgreSQL's scans."""


@pytest.fixture
def database(store_url: str) -> Iterator[Database]:
    db = Database(store_url, timedelta(seconds=5))
    yield db
    db.close()


async def test_the_look_for_the_next_due_delivery_searches_each_lane_by_index(
    database: Database,
) -> None:
    database.upgrade()
    intake = make_intake(database, ManualClock(START))
    for n in range(4):
        await intake.receive(make_inbound("Broken.", external_id=f"m-{n}", customer=f"s{n}:c"))
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "outbox" in statement:
            statements.append((statement, params))

    event.listen(database.reader, "before_cursor_execute", seen)
    skipping = [("webhook", "s1:"), ("webhook", "s2:")]
    due = await database.read(lambda s: queries.next_delivery_due(s, skipping=skipping))
    event.remove(database.reader, "before_cursor_execute", seen)

    assert due == START
    ((statement, params),) = statements
    plan = query_plan(database, statement, params)
    reads = [line for line in plan if TABLE_READ.search(line) and "lanes" not in line]
    # the first lane, the lane above each, each lane's first due
    assert len(reads) == 3, "\n".join(plan)
    assert all("ix_outbox_lane_due" in line for line in reads), "\n".join(plan)


def query_plan(database: Database, statement: str, params: Any) -> list[str]:
    """The plan's lines: SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN (ANALYZE, VERBOSE:
    without them the subquery of the recursive step is not shown), with statistics, and
    sequential scans priced out: a handful of rows are cheapest read whole, and the question is
    which index the plan takes when there are many."""
    with database.writer.begin() as connection:
        if database.is_sqlite:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
        else:
            connection.exec_driver_sql("ANALYZE outbox")
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, VERBOSE) " + statement, params)
        return [str(row[-1]) for row in rows]


async def test_the_migration_gives_queued_deliveries_the_lane_a_new_one_gets(
    database: Database,
) -> None:
    """Deliveries queued before 0013 (made here by going back to 0012 with one queued by today's
    intake as their template) get the lane `store.queries.outbox.lane_of` gives them."""
    database.upgrade()
    intake = make_intake(database, ManualClock(START))
    await intake.receive(make_inbound("Broken.", external_id="m-0", customer="c"))
    before = [column for column in OUTBOX.c if column.name not in ("id", "lane")]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    addresses = [("webhook", "shop:42"), ("webhook", "no-source"), ("email", "ana:x@y.test")]
    with database.writer.begin() as connection:
        (template,) = connection.execute(sa.select(*before)).mappings().all()
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
        connection.execute(
            sa.insert(OUTBOX),
            [
                {**template, "channel": channel, "address": address}
                for channel, address in addresses
            ],
        )
        upgrade_schema(connection)
        rows = connection.execute(sa.select(OUTBOX.c.channel, OUTBOX.c.address, OUTBOX.c.lane))
        lanes = {(channel, address): lane for channel, address, lane in rows}

    assert lanes == {
        ("webhook", "c"): "webhook:",
        ("webhook", "shop:42"): "webhook:shop:",
        ("webhook", "no-source"): "webhook:",
        ("email", "ana:x@y.test"): "email:",
    }
    assert all(lane == lane_key(lane_of(*key)) for key, lane in lanes.items())
