"""Several bot processes on one PostgreSQL database, for tests/instances/test_instances*.py.

Each instance is a real `bot.py` process (as an operator runs it) on a scratch schema of the
local PostgreSQL that the test's instances share; `Instance` reads its log as it is written, so
a test awaits a line instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from store.database import engine_url
from tests.channels.test_webhook import complaint
from tests.conftest import ROOT, merge, signed, write_settings
from tests.test_bot import free_port

WITHIN = 30.0
"""The longest any single wait in these tests may take."""
SERVING = "Application startup complete"
"""Logged once the channels and the dispatcher started; the HTTP socket listens a moment
later, so `client()` retries a refused connection (bounded)."""
STARTING = 120.0
"""How long a start may take: on a fresh store it loads the triage model from the run's disk
cache, or fits it first when no start has yet (about 20 s on two idle cores, several times that
while the rest of the suite shares them)."""


@dataclass
class Instance:
    """One bot process and the lines of its log so far."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    lines: list[str] = field(default_factory=list)
    _grew: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return "".join(self.lines)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := (await self.process.stderr.readline()).decode():
            self.lines.append(line)
            self._grew.set()
        self._grew.set()

    async def started(self) -> str:
        """The line that says the bot serves, waiting for it as long as a start may take."""
        return await self.saw(SERVING, within=STARTING)

    async def saw(self, pattern: str, within: float = WITHIN, after: int = 0) -> str:
        """The first log line from line `after` on that matches `pattern`, waiting for it."""
        seen = after
        try:
            async with asyncio.timeout(within):
                while True:
                    for line in self.lines[seen:]:
                        if re.search(pattern, line):
                            return line
                    seen = len(self.lines)
                    if self.process.returncode is not None and self._reader_done:
                        raise AssertionError(f"{self.name} exited before {pattern!r}:\n{self.log}")
                    self._grew.clear()
                    await self._grew.wait()
        except TimeoutError:
            raise AssertionError(
                f"{pattern!r} not in the log of {self.name} within {within} s:\n{self.log}"
            ) from None

    @property
    def _reader_done(self) -> bool:
        return self._reader is None or self._reader.done()

    def kill(self) -> None:
        """kill -9: no shutdown, its connections are closed by the kernel."""
        self.process.kill()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(WITHIN):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._reader is not None:
            try:
                async with asyncio.timeout(WITHIN):
                    await self._reader
            except TimeoutError:
                raise AssertionError(
                    f"the log of {self.name} is still open {WITHIN} s after it exited: a process "
                    "it started outlives it"
                ) from None


Start = Callable[[str, Mapping[str, Any]], Awaitable[Instance]]


@contextlib.asynccontextmanager
async def bot_processes(folder: Path, store_url: str) -> AsyncIterator[Start]:
    """Start bot processes on `store_url`: `await start("a", overrides)` returns once one runs
    (not yet serving: `await instance.started()`); all are stopped at the end."""
    started: list[Instance] = []

    async def start(name: str, overrides: Mapping[str, Any]) -> Instance:
        home = folder / name
        home.mkdir()
        port = free_port()
        settings = {
            "store": {"url": store_url, "takeover_every": "1s"},
            "http": {"port": port},
            "log": {"level": "INFO"},
        }
        path = write_settings(home, merge(settings, overrides))
        environment = {k: v for k, v in os.environ.items() if k != "COMPLAINT_BOT_CONFIG"}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "--config",
            str(path),
            cwd=ROOT,
            env=environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        instance = Instance(name, process, port)
        instance._reader = asyncio.create_task(instance._read(), name=f"log of {name}")
        started.append(instance)
        return instance

    try:
        yield start
    finally:
        for instance in started:
            await instance.stop()


def query(url: str, sql: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            return [dict(row) for row in connection.execute(sa.text(sql)).mappings()]
    finally:
        engine.dispose()


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=WITHIN, transport=httpx.AsyncHTTPTransport(retries=5))


async def post_complaint(instance: Instance, key: str, text: str) -> httpx.Response:
    raw, headers = signed(complaint(key, text, customer=f"cust-{key}"))
    async with client() as http:
        return await http.post(f"{instance.url}/webhook/shop", content=raw, headers=headers)
