"""The fit's child process ends when the process that started it is gone (a bot stopped or
killed while fitting): an orphan would fit on for nothing and, blocked sending its result,
keep the bot's stderr open for ever."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys

from tests.conftest import ROOT

STARTER = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from admin.triage_fit import exit_with_parent

context = multiprocessing.get_context("spawn")
pool = ProcessPoolExecutor(1, mp_context=context, initializer=exit_with_parent,
                           initargs=(os.getpid(),))
child = pool.submit(os.getpid).result()
pool.submit(time.sleep, 600)  # a long fit
print(child, flush=True)
time.sleep(600)
"""


def test_a_child_ends_when_the_process_that_started_it_is_killed() -> None:
    with subprocess.Popen(  # noqa: S603 (our own code)
        [sys.executable, "-c", STARTER],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # a killed pool's semaphore warnings
        text=True,
    ) as starter:
        try:
            assert starter.stdout is not None
            child = int(starter.stdout.readline())
            ended = os.pidfd_open(child)  # readable once the child has ended
        finally:
            starter.send_signal(signal.SIGKILL)
    try:
        readable, _, _ = select.select([ended], [], [], 30)
        assert readable, f"the child {child} still runs 30 s after its parent was killed"
    finally:
        os.close(ended)
