"""One instance at a time fits a given training set: instances started together on a store that
has no model for it yet (a new deployment of several) would otherwise all fit it, each for
tens of seconds on the same cores. The first takes a PostgreSQL advisory lock named after the
model's digest and stores the model before releasing it; the others wait, then load it from the
store (admin.triage).

As with start-up's lock (store.leadership.startup_lock), the lock is session-level on a
connection of its own, closed rather than returned to the pool, so it never outlives the block;
an instance that dies while fitting drops its connection, and a waiting one goes on and fits.
SQLite is served by one process: nothing to hold.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from complaints.errors import StoreUnavailable
from store.database import Database
from store.leadership import advisory_key

log = logging.getLogger(__name__)


@contextlib.contextmanager
def fitting(database: Database, digest: str) -> Iterator[bool]:
    """Hold the lock of fitting the model `digest` for the block; yields whether another
    instance held it first (then it has probably stored the model: look again)."""
    if database.is_sqlite:
        yield False
        return
    try:
        connection = database.writer.connect()
    except OperationalError as error:
        raise StoreUnavailable(str(error.orig).strip()) from error
    with connection:
        try:
            automatic = connection.execution_options(isolation_level="AUTOCOMMIT")
            schema = automatic.execute(sa.text("SELECT current_schema()")).scalar_one()
            key = {"key": advisory_key(schema, f"triage-fit/{digest}")}
            taken = automatic.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), key).scalar()
            if not taken:
                log.info("triage: another instance is fitting this model; waiting for it")
                automatic.execute(sa.text("SELECT pg_advisory_lock(:key)"), key)
            yield not taken
        finally:
            connection.invalidate()
