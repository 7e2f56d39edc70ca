"""The triage model's fits, each in a child process the bot can stop: when the bot stops
(SIGTERM, Ctrl-C) while it retrains, the fit is ended at once, neither awaited (tens of seconds)
nor left running.

A fit runs in a fresh child process (spawned: a fork would copy this process's threads and
locks), used once, that sends back the fitted arrays' bytes (admin.triage_fit.fitted_bytes) or
its failure through a pipe. The child leads a process group of its own, which the fit's worker
processes (admin.triage_fit) join too. Stopping a fit signals that group: SIGTERM, on which the
child ends its workers and exits, then SIGKILL for whatever has not ended within `GRACE`; the
child is reaped before the fit returns, so nothing is left behind. Being its own group also
keeps Ctrl-C in a terminal (SIGINT to the terminal's group) away from the fit: the bot gets it,
and stops the fit itself. Should the bot be killed outright (SIGKILL), the child and its workers
still end by themselves (admin.triage_fit.exit_with_parent).

Nothing here decides the fitted arrays, so this module is not one of
admin.triage_fit.FITTING_MODULES: changing it does not make models fitted before stale.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType

from admin.triage_fit import exit_with_parent, fitted_bytes
from router.model import Example

log = logging.getLogger(__name__)

GRACE = 3.0
"""Seconds a stopped fit's child is given to end on SIGTERM (it ends its workers first, in
milliseconds) before its process group is killed; as long for a fit that has sent its result to
exit by itself."""

TERMINATED = 128 + signal.SIGTERM
"""The child's exit status when SIGTERM ended it (the shells' convention)."""
EXIT_AGAIN_AFTER = 0.05
"""Seconds before the child tries again an exit a callback swallowed."""

Fit = Callable[[Sequence[Example]], bytes]
"""What the child runs: `fitted_bytes`, or a test's stand-in (a module-level function, so the
spawned child can import it)."""


class FitStopped(Exception):
    """The fit was stopped (`ChildFits.stop`) before it ended, or asked for after."""


class ChildFits:
    """The fits of one triage model (admin.triage), each in its own child process; `stop` ends
    the fits under way and refuses later ones, for the rest of this object's life."""

    def __init__(self, fit: Fit = fitted_bytes) -> None:
        self._fit = fit
        self._lock = threading.Lock()
        self._wakes: dict[int, int] = {}
        """Each fit under way, by its child's process id: the pipe that wakes its thread."""
        self.stopped = False

    def fit(self, examples: Sequence[Example]) -> bytes:
        """The fitted arrays of `examples`, fitted in a child process (blocking); FitStopped
        when `stop` is called before it ends (the child is then gone when it is raised)."""
        context = multiprocessing.get_context("spawn")
        results, sender = context.Pipe(duplex=False)
        woken, wake = os.pipe()
        child = context.Process(
            target=_child,
            args=(self._fit, tuple(examples), sender, os.getpid()),
            name="triage fit",
        )
        received = False
        try:
            with self._lock:
                if self.stopped:
                    raise FitStopped("the bot stops")
            child.start()  # not under the lock: it waits for the child to read the examples
            assert child.pid is not None
            with self._lock:
                self._wakes[child.pid] = wake
                if self.stopped:  # while it started
                    os.write(wake, b"x")
            sender.close()  # the child's end: once the child is gone, reading it finds the end
            log.info("triage model: fitting %d rows in child process %d", len(examples), child.pid)
            fitted = self._result(child, results, woken)
            received = True
            return fitted
        finally:
            with self._lock:
                self._wakes.pop(child.pid or 0, None)
            if child.pid is not None:
                _end(child, stopping=not received)
            for connection in (results, sender):
                connection.close()
            for end in (woken, wake):
                os.close(end)

    def stop(self) -> None:
        """End the fits under way, each within about `GRACE` seconds (in the thread that
        waits for it, which then raises FitStopped), and refuse later ones. Returns at once."""
        with self._lock:
            self.stopped = True
            for wake in self._wakes.values():
                os.write(wake, b"x")

    def _result(self, child: BaseProcess, results: Connection, woken: int) -> bytes:
        ready = wait([results, child.sentinel, woken])
        if woken in ready:
            raise FitStopped("the bot stops")
        failure: BaseException | None = None
        if results in ready:
            try:
                failure = results.recv()
                if failure is None:
                    fitted: bytes = results.recv_bytes()
                    return fitted
            except EOFError:  # the child ended before it sent it all
                pass
        if failure is not None:
            raise failure
        if self.stopped:
            raise FitStopped("the bot stops")
        child.join()
        if child.exitcode in (TERMINATED, -signal.SIGTERM):
            # systemd stopping the service signals all its processes, the child too
            raise FitStopped("its process was sent SIGTERM")
        raise ChildProcessError(
            f"the triage model's fit ended without a result (exit code {child.exitcode})"
        )


def _end(child: BaseProcess, *, stopping: bool) -> None:
    """Wait for `child` to end and reap it: at once, by SIGTERM to its group, when the fit is
    `stopping` (stopped, failed, or this thread interrupted); SIGKILL after `GRACE` seconds."""
    assert child.pid is not None
    if child.exitcode is not None:  # reaped already (reading it reaps an ended child)
        return
    if stopping:
        _signal(child.pid, signal.SIGTERM)
    if not wait([child.sentinel], GRACE):
        log.warning("triage model: child process %d did not end; killing it", child.pid)
        _signal(child.pid, signal.SIGKILL)
    child.join()


def _signal(pid: int, signum: int) -> None:
    """`signum` to the child's process group (its workers too), or to the child alone when it
    has not made its group yet. Only sent before the child is reaped: its process id, and so
    its group's, cannot have been reused."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _child(fit: Fit, examples: Sequence[Example], results: Connection, parent: int) -> None:
    """The child's life: a process group of its own, ended with the bot, the fit, its result."""
    os.setpgid(0, 0)
    # a background group now: writing to the bot's terminal (a warning) must not stop it
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    sys.unraisablehook = _exit_again_if_swallowed
    exit_with_parent(parent)
    try:
        fitted = fit(examples)
    except Exception as error:  # raised again in the bot's process (`ChildFits._result`)
        results.send(error)
        return
    results.send(None)
    results.send_bytes(fitted)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM in the child: end its workers (the signal may have been sent to the child alone),
    then leave the fit by an exception, so the worker pool it is in is shut down and its
    semaphores freed. Killed instead, the child would leave them for the bot's resource tracker
    to report as leaked when the bot exits."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGTERM)  # its own group: the child and its workers
    sys.exit(TERMINATED)


def _exit_again_if_swallowed(unraisable: sys.UnraisableHookArgs) -> None:
    """A SIGTERM that lands while Python runs a callback that cannot raise (a weak
    reference's, one of importlib's module locks) has its exit swallowed there ("Exception
    ignored in …", a traceback on the bot's stderr) and the fit went on: the exit is tried
    again a moment later (an alarm), once that callback has returned; tried at once, it would
    be raised in this hook and swallowed again."""
    if isinstance(unraisable.exc_value, SystemExit):
        signal.signal(signal.SIGALRM, _exit_on_sigterm)
        signal.setitimer(signal.ITIMER_REAL, EXIT_AGAIN_AFTER)
        return
    sys.__unraisablehook__(unraisable)
