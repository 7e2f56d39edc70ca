"""One instance at a time fits a given training set: instances started together on a store that
has no model for it yet (a new deployment of several) would otherwise all fit it, each for
tens of seconds on the same cores. The first takes a PostgreSQL advisory lock named after the
model's digest and stores the model before releasing it; the others wait, then load it from the
store (admin.triage).

The lock is store.leadership.advisory_lock, as start-up's: an instance that dies while fitting
drops its connection, and a waiting one goes on and fits. SQLite is served by one process:
nothing to hold.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta

from store.database import Database
from store.leadership import advisory_lock

log = logging.getLogger(__name__)

WAIT_AT_MOST = timedelta(minutes=10)
"""How long an instance waits for another's fit before giving up with StoreUnavailable. A fit
takes tens of seconds, a few minutes on busy cores; a holder that is alive but stuck (not dead:
its lock would be freed) would otherwise hold the waiting instance's start or retraining for
ever."""


@contextlib.contextmanager
def fitting(database: Database, digest: str) -> Iterator[bool]:
    """Hold the lock of fitting the model `digest` for the block; yields whether another
    instance held it first (then it has probably stored the model: look again)."""
    with advisory_lock(
        database,
        f"triage-fit/{digest}",
        "triage: another instance is fitting this model; waiting for it",
        logger=log,
        timeout=WAIT_AT_MOST,
    ) as waited:
        yield waited
