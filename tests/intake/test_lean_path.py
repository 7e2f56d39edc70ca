"""The intake hot path stays lean: the SQL statements one message costs are pinned, so they
cannot silently grow (each one is a round through SQLAlchemy on the single writer thread), and
one message makes one INFO line.

When a change needs another statement, raise the figure here on purpose and say why in the
commit; bench/intake.py shows what it costs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from channels.base import Inbound
from complaints.clock import ManualClock
from intake.receive import Intake
from store.database import Database
from tests.conftest import START
from tests.factories import make_inbound
from tests.store.test_store import make_intake

BATCH_STATEMENTS = ("PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")
"""What the group commit adds around every caller's work (once per batch or per savepoint)."""


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}", timedelta(seconds=5))
    db.upgrade()
    yield db
    db.close()


@pytest.fixture
def intake(database: Database) -> Intake:
    return make_intake(database, ManualClock(START))


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The statements intake's own work runs, in order (first line of each)."""
    seen: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(BATCH_STATEMENTS):
            seen.append(statement.split("\n", 1)[0].strip())

    event.listen(database.writer, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(database.writer, "before_cursor_execute", executed)


def with_email(inbound: Inbound, email: str) -> Inbound:
    return replace(inbound, sender=replace(inbound.sender, email=email))


async def count(database: Database, intake: Intake, inbound: Inbound) -> list[str]:
    with statements(database) as seen:
        await intake.receive(inbound)
    return seen


async def test_a_new_complaint_from_a_new_customer_costs_nine_statements(
    database: Database, intake: Intake
) -> None:
    """Dedupe lookup, identity lookup, customer, identity, complaint and its number, the
    message with its acknowledgement (one INSERT), the acknowledgement's delivery, the events."""
    seen = await count(database, intake, make_inbound("My kettle leaks.", external_id="m-1"))
    assert len(seen) == 9, "\n".join(seen)
    assert sum(line.startswith("INSERT INTO messages") for line in seen) == 1


async def test_an_e_mail_address_adds_only_the_shared_address_lookup(
    database: Database, intake: Intake
) -> None:
    inbound = with_email(make_inbound("My kettle leaks.", external_id="m-1"), "ana@example.com")
    seen = await count(database, intake, inbound)
    assert len(seen) == 10, "\n".join(seen)


async def test_a_new_complaint_from_a_returning_customer_costs_eleven(
    database: Database, intake: Intake
) -> None:
    """Known: no customer to insert, but their history (routing), their other complaints and
    their e-mail addresses (duplicates) are read, and whether they sent these words within
    the hour (a resend joins the first complaint)."""
    await intake.receive(make_inbound("My kettle leaks.", external_id="m-1"))
    seen = await count(
        database, intake, make_inbound("The phone screen cracked.", external_id="m-2")
    )
    assert len(seen) == 11, "\n".join(seen)
    assert not any(line.startswith("INSERT INTO customers") for line in seen)


async def test_a_repeated_message_costs_four_reads(database: Database, intake: Intake) -> None:
    """The message, its complaint, its text, and the answer it got (kept on its
    message_received event: a resend is answered with the first answer as stored)."""
    inbound = make_inbound("My kettle leaks.", external_id="m-1")
    await intake.receive(inbound)
    seen = await count(database, intake, inbound)
    assert len(seen) == 4 and all(line.startswith("SELECT") for line in seen), seen


async def test_one_message_makes_one_info_line_without_personal_data(
    intake: Intake, caplog: pytest.LogCaptureFixture
) -> None:
    inbound = with_email(
        make_inbound("My kettle leaks at 12 Rose Street.", external_id="m-1"), "ana@example.com"
    )
    with caplog.at_level(logging.INFO):
        result = await intake.receive(inbound)
    lines = [record for record in caplog.records if record.levelno >= logging.INFO]
    assert [record.getMessage() for record in lines] == [f"new {result.complaint} via webhook"]
    assert "Rose" not in caplog.text and "ana@" not in caplog.text
