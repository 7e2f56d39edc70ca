"""A fit in a child process that the bot can stop (admin.triage_child): stopped, the child and its
worker processes end at once, a child that ignores SIGTERM is killed after the grace period, a
SIGTERM from outside (systemd stopping the service signals every process of it) counts as a
stop, and a failure in the child is raised in the caller. Real spawned processes running
stand-ins for the fit (module-level functions, which the child imports), that tell the test
their process ids through a pipe."""

from __future__ import annotations

import logging
import multiprocessing
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from multiprocessing.connection import Connection

import pytest

import admin.triage_child
from admin.triage_child import ChildFits, FitStopped
from router.model import Example
from tests.conftest import ROOT
from tests.router.test_model import EXAMPLES

WITHIN = 60.0
"""Seconds a spawned child may take to start and report, on cores the rest of the suite shares."""
ENDS_WITHIN = 5.0
"""Seconds a stopped child and its workers may take to be gone: SIGTERM ends them in
milliseconds."""


def _workers_forever(report: Connection, examples: Sequence[Example]) -> bytes:
    """A fit that never ends, on two worker processes as admin.triage_fit's big fits: reports
    the child's and the workers' process ids."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        futures = [pool.submit(time.sleep, 600) for _ in range(2)]
        workers = sorted(pool._processes)
        report.send([os.getpid(), *workers])
        for future in futures:
            future.result()
    return b""


def _deaf_to_sigterm(report: Connection, examples: Sequence[Example]) -> bytes:
    """A fit that ignores SIGTERM and never ends."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    report.send([os.getpid()])
    time.sleep(600)
    return b""


def _failing(examples: Sequence[Example]) -> bytes:
    raise ValueError(f"nothing to learn from {len(examples)} rows")


def _fitted(examples: Sequence[Example]) -> bytes:
    return f"{len(examples)} rows".encode()


class Fit:
    """`fits.fit(EXAMPLES)` on a thread of its own, and the process ids its stand-in reports."""

    def __init__(self, threads: ThreadPoolExecutor, stand_in: Callable[..., bytes]) -> None:
        context = multiprocessing.get_context("spawn")
        self.reports, self.report = context.Pipe(duplex=False)
        self.fits = ChildFits(partial(stand_in, self.report))
        self.result: Future[bytes] = threads.submit(self.fits.fit, EXAMPLES)

    def processes(self) -> list[int]:
        assert self.reports.poll(WITHIN), "the child never reported"
        pids: list[int] = self.reports.recv()
        for end in (self.reports, self.report):  # the child has its own copy of `report`
            end.close()
        return pids


@pytest.fixture
def threads() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as pool:
        yield pool


def assert_gone(pids: Sequence[int], within: float = ENDS_WITHIN) -> None:
    """Each process of `pids` ends within `within` seconds (a pidfd is readable once its
    process has ended)."""
    ends = []
    try:
        for pid in pids:
            try:
                ends.append(os.pidfd_open(pid))
            except ProcessLookupError:
                continue  # gone already
        deadline = time.monotonic() + within
        waiting = list(ends)
        while waiting:
            readable, _, _ = select.select(waiting, [], [], max(0.0, deadline - time.monotonic()))
            assert readable, f"{len(waiting)} of the processes {pids} still run after {within} s"
            waiting = [end for end in waiting if end not in readable]
    finally:
        for end in ends:
            os.close(end)


def test_a_fit_returns_what_the_child_fitted() -> None:
    assert ChildFits(_fitted).fit(EXAMPLES) == f"{len(EXAMPLES)} rows".encode()


def test_a_failure_in_the_child_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match=f"nothing to learn from {len(EXAMPLES)} rows"):
        ChildFits(_failing).fit(EXAMPLES)


def test_stopping_ends_the_child_and_its_workers_at_once(
    threads: ThreadPoolExecutor, caplog: pytest.LogCaptureFixture
) -> None:
    fit = Fit(threads, _workers_forever)
    processes = fit.processes()
    assert len(processes) == 3  # the child and its two workers
    with caplog.at_level(logging.WARNING, logger="admin.triage_child"):
        fit.fits.stop()
        with pytest.raises(FitStopped, match="the bot stops"):
            fit.result.result(timeout=admin.triage_child.GRACE + ENDS_WITHIN)
    assert "killing it" not in caplog.text  # SIGTERM ended it
    assert_gone(processes)
    with pytest.raises(FitStopped):  # and no fit starts after
        fit.fits.fit(EXAMPLES)


def test_a_child_deaf_to_sigterm_is_killed_after_the_grace_period(
    threads: ThreadPoolExecutor,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(admin.triage_child, "GRACE", 0.5)
    fit = Fit(threads, _deaf_to_sigterm)
    [child] = fit.processes()
    with caplog.at_level(logging.WARNING, logger="admin.triage_child"):
        fit.fits.stop()
        with pytest.raises(FitStopped):
            fit.result.result(timeout=ENDS_WITHIN)
    assert_gone([child], within=0)  # reaped before the fit returned
    assert f"child process {child} did not end; killing it" in caplog.text


def test_sigterm_from_outside_counts_as_a_stop(threads: ThreadPoolExecutor) -> None:
    """systemd stops a service by signalling each of its processes: the fit's child may get
    SIGTERM before the bot stops it. That is the stop, not a failed fit to report."""
    fit = Fit(threads, _workers_forever)
    processes = fit.processes()
    os.kill(processes[0], signal.SIGTERM)
    with pytest.raises(FitStopped, match="its process was sent SIGTERM"):
        fit.result.result(timeout=ENDS_WITHIN)
    assert_gone(processes)


SWALLOWED = """
import os, signal, sys, time, weakref
from admin import triage_child
signal.signal(signal.SIGTERM, triage_child._exit_on_sigterm)
sys.unraisablehook = triage_child._exit_again_if_swallowed
os.setpgid(0, 0)
class Held: pass
def callback(_):  # a weak reference's callback cannot raise: the exit is swallowed here
    os.kill(os.getpid(), signal.SIGTERM)
held = Held(); reference = weakref.ref(held, callback); del held
for _ in range(3000):  # the fit going on
    time.sleep(0.01)
print("the fit went on")
"""


def test_a_sigterm_swallowed_by_a_callback_still_ends_the_child() -> None:
    """CI saw a SIGTERM land in one of importlib's lock callbacks: "Exception ignored in …",
    a traceback on the bot's stderr, and the child fitting on."""
    ended = subprocess.run(  # noqa: S603 (our own code)
        [sys.executable, "-c", SWALLOWED], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert (ended.returncode, ended.stdout, ended.stderr) == (admin.triage_child.TERMINATED, "", "")
