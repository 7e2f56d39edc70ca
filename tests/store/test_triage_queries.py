"""Recording a triage model version while another instance records the same training data, on
PostgreSQL: the second to insert waits on the unique digest, fails when the first commits, and
returns the first's version instead of failing (store/queries/triage.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from store.database import Database, engine_url
from store.queries.triage import record_triage_model
from tests.conftest import START, postgres_schema

WITHIN = 30.0


@pytest.fixture
def store(postgres_admin_url: str) -> Iterator[sa.Engine]:
    with postgres_schema(postgres_admin_url) as url:
        database = Database(url)
        database.upgrade()
        database.close()
        engine = sa.create_engine(engine_url(url))
        try:
            yield engine
        finally:
            engine.dispose()


def record(session: Session, fitted: bytes | None = None) -> int:
    return record_triage_model(
        session, digest="d" * 64, rows=10, corrections=0, up_to=0, now=START, fitted=fitted
    )


def wait_until_blocked(engine: sa.Engine, pid: int, by: int) -> None:
    """Until backend `pid` waits for a lock `by` holds. PostgreSQL tells no one when a session
    starts to wait, so this asks it, within a bound."""
    deadline = time.monotonic() + WITHIN
    with engine.connect() as connection:
        while (
            by
            not in connection.execute(
                sa.text("SELECT pg_blocking_pids(:pid)"), {"pid": pid}
            ).scalar_one()
        ):
            assert time.monotonic() < deadline, f"backend {pid} never waited for {by}"
            time.sleep(0.02)


def test_the_second_to_record_a_digest_returns_the_firsts_version(store: sa.Engine) -> None:
    with Session(store) as first, Session(store) as second, ThreadPoolExecutor(1) as thread:
        inserted = record(first, fitted=b"first")  # not yet committed
        first_pid = first.connection().execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        second_pid = second.connection().execute(sa.text("SELECT pg_backend_pid()")).scalar_one()

        def record_and_commit() -> int:
            version = record(second, fitted=b"second")
            second.commit()
            return version

        recorded = thread.submit(record_and_commit)
        wait_until_blocked(store, second_pid, by=first_pid)  # its insert met the first's row
        first.commit()
        assert recorded.result(timeout=WITHIN) == inserted
    with store.connect() as connection:
        rows = connection.execute(sa.text("SELECT version, fitted FROM triage_models")).all()
    assert [(version, bytes(fitted)) for version, fitted in rows] == [(inserted, b"first")]
