"""The fitted triage model (about 15 MB) in the store, and the memory it costs to move it.

It is read back whole and unchanged although it is moved in pieces (store/queries/triage.py:
PostgreSQL's hex bytea in one piece held it about four times at once; SQLite's blob I/O writes
it without building the whole record in memory), on SQLite and PostgreSQL;
and on PostgreSQL start-up's connections, through which the model goes, are closed rather than
pooled, since libpq keeps each connection's buffers as large as the largest message it moved.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session

from store.database import Database
from store.queries.triage import MODEL_CHUNK, record_triage_model, stored_triage_model
from tests.conftest import START, postgres_schema

DIGEST = "d" * 64


@pytest.fixture
def database(store_url: str) -> Iterator[Database]:
    db = Database(store_url)
    db.upgrade()
    yield db
    db.close()


@pytest.mark.parametrize("size", [0, 1, MODEL_CHUNK, 2 * MODEL_CHUNK + 7])
def test_a_stored_model_is_read_back_whole_in_pieces(database: Database, size: int) -> None:
    fitted = os.urandom(size)  # any bytes, NULs and invalid UTF-8 included
    database.write_now(
        lambda s: record_triage_model(
            s, digest=DIGEST, rows=10, corrections=0, up_to=0, now=START, fitted=fitted
        )
    )
    assert database.write_now(lambda s: stored_triage_model(s, digest=DIGEST)) == fitted
    assert database.write_now(lambda s: stored_triage_model(s, digest="e" * 64)) is None


def test_a_version_recorded_without_its_model_gets_it_later_and_keeps_the_first(
    database: Database,
) -> None:
    def record(fitted: bytes | None) -> int:
        return database.write_now(
            lambda s: record_triage_model(
                s, digest=DIGEST, rows=10, corrections=0, up_to=0, now=START, fitted=fitted
            )
        )

    version = record(None)
    first = os.urandom(MODEL_CHUNK + 3)
    assert record(first) == version
    assert database.write_now(lambda s: stored_triage_model(s, digest=DIGEST)) == first
    assert record(os.urandom(10)) == version  # another instance's equal fit: the first stays
    assert database.write_now(lambda s: stored_triage_model(s, digest=DIGEST)) == first


def test_a_version_without_its_model_reads_as_none(database: Database) -> None:
    database.write_now(
        lambda s: record_triage_model(s, digest=DIGEST, rows=10, corrections=0, up_to=0, now=START)
    )
    assert database.write_now(lambda s: stored_triage_model(s, digest=DIGEST)) is None


def test_start_up_work_on_postgresql_closes_its_connection(postgres_admin_url: str) -> None:
    with postgres_schema(postgres_admin_url) as url:
        database = Database(url)
        try:
            database.upgrade()

            def driver_connection(session: Session) -> Any:
                assert stored_triage_model(session, digest=DIGEST) is None
                return session.connection().connection.dbapi_connection

            used = database.write_now(driver_connection)
            assert used.closed  # not back in the pool with its buffers
            # the pool still serves the event loop's work
            with database.writer.connect() as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
        finally:
            database.close()
