"""The test run's warm-up of the shipped triage model under pytest-xdist (tests/conftest.py).

Every worker's first tests start bots, and each start on a new store loads the shipped model from
the run's shared disk cache or, when it is not there yet, fits it: at the start of a run all
workers found the cache empty and fitted the same model at once (on two cores, two fits of
about 28 s each took about 56 s each). So each worker warms the cache up before its first test,
one worker at a time (`one_at_a_time`): the first fits the model and keeps it in the cache, the
others wait for it, then load it. The cache's rules stay as they are: a model is known by its
training data and fitting code (admin.triage_fit.model_digest), so a changed set or code fits
anew.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_NAME = "triage-warm-up.lock"
"""The lock file in the run's cache folder (admin.triage_cache deletes only its own files)."""


@contextlib.contextmanager
def one_at_a_time(folder: Path) -> Iterator[None]:
    """Hold `folder`'s warm-up lock: the test processes sharing `folder` enter one at a time.
    A wait lasts at most one fit: the kernel releases the lock when its holder's process ends,
    however it ends."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_NAME).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def warm_up(folder: Path, load_or_fit: Callable[[], object]) -> None:
    """Run `load_or_fit` (the shipped model, from the cache or fitted into it) holding the lock
    of `folder`, the run's cache folder: the first worker fits, the later ones load."""
    with one_at_a_time(folder):
        load_or_fit()
