"""The bot stopped while it retrains the triage model: the fit's child process is ended at once
and the stop is clean (no error, one line saying the retraining was interrupted); the next start
serves at once with the stored model and retrains in the background. The real bot (uvicorn on
loopback, its scheduler's job) and real fits in child processes."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

import bot
import router.model
from admin.triage import Triage
from admin.triage_child import ChildFits
from complaints.clock import ManualClock
from config import load_settings
from router.model import Example
from tests.admin.test_triage import FIRST, SIMILAR
from tests.admin.test_triage_child import assert_gone
from tests.channels.test_webhook import complaint
from tests.conftest import ROOT, START, signed, write_settings
from tests.test_bot import STARTING, free_port, read_until, run_bot
from tests.web.conftest import Desk

FIT_STARTS_WITHIN = 60.0
"""Seconds from a correction to its retraining's start: the job looks every second."""
STOPS_WITHIN = 10.0
"""Seconds the bot may take to stop while it retrains: the fit's child ends in milliseconds."""


class Fitting(logging.Handler):
    """The process id of each fit's child process, as admin.triage_child logs it."""

    def __init__(self) -> None:
        super().__init__()
        self.children: list[int] = []
        self.started = threading.Event()

    def clear(self) -> None:
        """Forget the fits so far (a start's, of the shipped rows)."""
        self.children.clear()
        self.started.clear()

    def emit(self, record: logging.LogRecord) -> None:
        found = re.search(r"fitting \d+ rows in child process (\d+)", record.getMessage())
        if found:
            self.children.append(int(found.group(1)))
            self.started.set()

    async def first(self) -> int:
        started = await asyncio.to_thread(self.started.wait, FIT_STARTS_WITHIN)
        assert started, "no retraining started"
        return self.children[0]


@pytest.fixture
def fitting() -> Iterator[Fitting]:
    handler = Fitting()
    logger = logging.getLogger("admin.triage_child")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


async def correct(desk: Desk, category: str = "installation") -> None:
    """An agent's correction of a complaint, through the API: new training data."""
    first = await desk.complain(FIRST, customer="c-1")
    agent = await desk.account(
        "Ana", role="supervisor", departments=("customer_care", "quality", "technical_service")
    )
    corrected = await agent.post(
        f"/api/complaints/{first['complaint']}/correct", json={"category": category}
    )
    assert corrected.status_code == 200, corrected.text


def group_members(group: int) -> list[int]:
    """The processes left in process group `group` (the fit's child leads one, its workers
    join it)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == group:  # state, ppid, pgrp
                members.append(int(entry.name))
    return members


async def test_stopping_the_bot_while_it_retrains_ends_the_fit_at_once_and_cleanly(
    start_bot: Callable[..., Awaitable[Any]],
    fitting: Fitting,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    # as a new process: another test of this one may have fitted the same data already
    monkeypatch.setattr(router.model, "_trained", {})
    running = await start_bot({"triage": {"retrain_every": "1s"}})
    fitting.clear()
    desk = Desk(running, ManualClock(START))
    try:
        await correct(desk)
        child = await fitting.first()
        began = time.monotonic()
        await running.stop()
        took = time.monotonic() - began
    finally:
        for client in desk.clients:
            await client.aclose()
    assert took < STOPS_WITHIN
    assert_gone([child], within=0)  # reaped before the bot's stop returned
    assert_gone(group_members(child))  # its workers, if it had started them
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [], [record.getMessage() for record in errors]
    interrupted = [r for r in caplog.records if "retraining interrupted" in r.getMessage()]
    assert len(interrupted) == 1 and interrupted[0].levelno == logging.INFO
    assert "the bot stops" in interrupted[0].getMessage()
    assert "complaint bot stopped" in caplog.text


async def test_a_start_with_newer_corrections_than_the_stored_model_serves_with_it_at_once(
    start_bot: Callable[..., Awaitable[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store holds the model of the shipped rows (version 1) and a correction came after
    it (a retraining the bot's stop interrupted): a start does not fit first; it routes with
    version 1, and its refresh then learns the correction."""
    clock = ManualClock(START)
    # as a new process, which stores what it loads from the disk cache (version 1's arrays)
    monkeypatch.setattr(router.model, "_trained", {})
    desk = Desk(await start_bot(clock=clock, background=False), clock)
    try:
        await correct(desk)
    finally:
        for client in desk.clients:
            await client.aclose()
    monkeypatch.setattr(router.model, "_trained", {})  # a new process remembers nothing
    fit = ChildFits.fit

    def no_fit(fits: ChildFits, examples: Sequence[Example]) -> bytes:
        raise AssertionError("the start fitted before it served")

    monkeypatch.setattr(ChildFits, "fit", no_fit)
    other = bot.build_app(
        load_settings(desk.bot.settings_path),
        clock,
        dispatch_in_background=False,
        sweep_in_background=False,
    )
    try:
        triage: Triage = other.state.services.triage
        assert triage.current is not None and triage.current.version == 1
        assert triage.current.suggest(SIMILAR).label != "installation"
        monkeypatch.setattr(ChildFits, "fit", fit)
        assert await triage.refresh() is True  # what the bot's job does at once
        assert triage.current is not None and triage.current.version == 2
        assert triage.current.suggest(SIMILAR).label == "installation"
    finally:
        other.state.services.database.close()


async def test_the_bot_stopped_by_sigterm_while_it_retrains_exits_at_once_and_next_serves_first(
    tmp_path: Path,
) -> None:
    """The user's case, with bot.py as a service runs it: a correction, the retraining it
    starts, SIGTERM. The bot exits within seconds, cleanly, its fit's child with it; the next
    start serves before it fits (with the stored model), then retrains, and stops as cleanly."""
    port = free_port()
    overrides = {
        "http": {"port": port},
        "email": {"smtp_server": {"port": free_port()}},
        "triage": {"retrain_every": "1s"},
    }
    path = write_settings(tmp_path, overrides)
    token = await admin_token(path)

    first = await run_bot("--config", str(path))
    assert first.stderr is not None
    startup = await read_until(first.stderr, "Application startup complete")
    raw, headers = signed(complaint("proc-1", FIRST, name="Lucía Pérez"))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        filed = await client.post("/webhook/shop", content=raw, headers=headers)
        assert filed.status_code == 202, filed.text
        corrected = await client.post(
            f"/api/complaints/{filed.json()['complaint']}/correct",
            json={"category": "installation"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert corrected.status_code == 200, corrected.text
    child = fit_child(await read_until(first.stderr, "in child process", FIT_STARTS_WITHIN))
    rest = await stopped(first)
    assert_gone([child], within=0)
    assert_gone(group_members(child))
    assert rest.count("retraining interrupted (the bot stops)") == 1, rest
    assert "Finished server process" in rest and "complaint bot stopped" in rest

    second = await run_bot("--config", str(path))
    assert second.stderr is not None
    startup = await read_until(second.stderr, "Application startup complete")
    assert "in child process" not in startup  # it served before it fitted anything
    assert "triage model version 1 in force; the corrections after it are learnt" in startup
    child = fit_child(await read_until(second.stderr, "in child process", FIT_STARTS_WITHIN))
    rest = await stopped(second)
    assert_gone([child], within=0)
    assert rest.count("retraining interrupted (the bot stops)") == 1, rest


async def admin_token(settings: Path) -> str:
    """An admin's API token, from `bot.py create-admin --token` on the settings' store."""
    created = await asyncio.create_subprocess_exec(
        sys.executable,
        *(str(ROOT / "bot.py"), "--config", str(settings)),
        *("create-admin", "boss", "--password-stdin", "--token"),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(STARTING):
        out, err = await created.communicate(b"correct horse battery\n")
    assert created.returncode == 0, err.decode()
    return out.decode().splitlines()[-1]


def fit_child(log: str) -> int:
    """The process id of the fit's child process, from the log."""
    found = re.search(r"fitting \d+ rows in child process (\d+)", log)
    assert found, log
    return int(found.group(1))


async def stopped(process: asyncio.subprocess.Process) -> str:
    """SIGTERM `process`; its log from then on, once it has exited, cleanly, within
    `STOPS_WITHIN` seconds."""
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(STOPS_WITHIN):
        # both pipes to their end, not only stderr: a stdout pipe left open (multiprocessing's
        # helpers hold it a moment after the bot exits) is a ResourceWarning pytest pins on
        # whichever test runs when it is collected
        _, err = await process.communicate()
    rest, status = err.decode(), process.returncode
    assert status == 0, rest
    for unclean in ("ERROR", "Traceback", "leaked"):
        assert unclean not in rest, rest
    return rest
