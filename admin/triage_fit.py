"""Fitting the triage model away from the bot's process: a child process (spawned, used once,
stopped with the bot: admin.triage_child) runs router.fit (`fitted_bytes`), whose twelve SVMs
(five calibration folds and the final fit, per label) run on two worker processes of its own.
The bot's process never imports scikit-learn and never holds the fit's peak memory (several
hundred megabytes); it gets the fitted arrays as bytes (router.model.Trained.to_bytes). Workers
are processes, not threads: liblinear's random generator is one per process, so threads would
make the result depend on timing.

`model_digest` names what a fit makes: the training data (router.model.training_digest) and
the code and libraries that turn it into arrays. The store and the disk cache keep fitted models
by it, so a model fitted by other code (an upgrade, a change to the features) is never loaded:
the new code fits anew, once.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from router.model import Example, arrays_to_bytes, training_digest

WORKERS = 2
IN_TURN_BELOW = 2000
"""Training sets of fewer rows are fitted in the child itself: starting workers takes longer."""


FITTING_MODULES = ("router.fit", "router.features", "router.model", "admin.triage_fit")
"""The modules whose code decides the fitted arrays: the fit, the features, the arrays' format
and the examples' folding, and this module's scheduling of the fit."""
FITTING_LIBRARIES = ("numpy", "scipy", "scikit-learn")


def model_digest(examples: Sequence[Example]) -> str:
    """The identity of the model a fit of `examples` makes here: equal digests, equal arrays."""
    identity = f"{fitting_code()}\n{training_digest(examples)}"
    return hashlib.sha256(identity.encode()).hexdigest()


@functools.cache
def fitting_code() -> str:
    """The digest of `FITTING_MODULES`' source and `FITTING_LIBRARIES`' versions. Any edit of
    those modules counts, even of a comment: a needless fit now and then costs less than one
    stale model. (Their files are read, not imported: the bot never imports scikit-learn.)"""
    digest = hashlib.sha256()
    for name in FITTING_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        digest.update(f"{name}\n".encode() + Path(spec.origin).read_bytes())
    for library in FITTING_LIBRARIES:
        digest.update(f"{library} {importlib.metadata.version(library)}\n".encode())
    return digest.hexdigest()


ORPHAN_CHECK_EVERY = 1.0
"""Seconds between a child's checks that the process that started it is still there."""


def exit_with_parent(parent: int) -> None:
    """In a child (the fit's, or a worker through its pool's initializer): end it once `parent`,
    the process that started it, has gone, e.g. a bot killed while it fits. An orphaned child
    would otherwise fit on for nothing, then block for ever sending its result into a pipe
    nobody reads, holding the bot's stderr open. (Checked by a thread: nothing tells a process
    its parent died.)"""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_EVERY)
        os._exit(1)

    threading.Thread(target=watch, name="exit with parent", daemon=True).start()


def fitted_bytes(examples: Sequence[Example]) -> bytes:
    """The child's job: scikit-learn is imported here, in the child, only."""
    from router.fit import fit

    return arrays_to_bytes(fit(examples, _on_workers))


def _on_workers(matrix: Any, problems: Any, tasks: list[Any]) -> list[Any]:
    """router.fit's SVMs on `WORKERS` processes, each given the matrix once, shut down after."""
    from router.fit import in_turn

    if matrix.shape[0] < IN_TURN_BELOW:
        return in_turn(matrix, problems, tasks)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        WORKERS, mp_context=context, initializer=_share, initargs=(matrix, problems, os.getpid())
    ) as pool:
        return list(pool.map(_task, tasks))


_shared: dict[str, Any] = {}
"""A worker's matrix and problems (`_share`)."""


def _share(matrix: Any, problems: Any, parent: int) -> None:
    exit_with_parent(parent)
    _shared.update(matrix=matrix, problems=problems)


def _task(task: Any) -> Any:
    from router.fit import svm

    label, (train, test) = task
    return svm(_shared["matrix"], _shared["problems"][label], train, test)
