"""Several bot processes on one PostgreSQL database: started together on an empty database both
come up and the schema is migrated once; a killed instance's claimed delivery is sent by the
other one lease later, exactly once, and never while the sender lives.

Each instance is a real `bot.py` process (as an operator runs it) on a scratch schema of the
local PostgreSQL; `Instance` reads its log as it is written, so a test awaits a line instead
of sleeping. `tests/test_instances_telegram.py` and `tests/test_instances_imap.py` use the same
harness for the pollers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from store.database import MIGRATIONS, engine_url
from store.leadership import STARTUP, advisory_key
from tests.channels.test_webhook import complaint
from tests.conftest import ROOT, SECRET, merge, postgres_schema, serve, signed, write_settings
from tests.test_bot import free_port

WITHIN = 30.0
"""The longest any single wait in these tests may take."""
SERVING = "Application startup complete"
"""Logged once the channels and the dispatcher started; the HTTP socket listens a moment
later, so `client()` retries a refused connection (bounded)."""


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
                        raise AssertionError(f"{self.name} exited before {pattern!r}")
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
            await self._reader


Start = Callable[[str, Mapping[str, Any]], Awaitable[Instance]]


@pytest.fixture
def shared_store(postgres_admin_url: str) -> Iterator[str]:
    """An empty scratch schema the instances of one test share."""
    with postgres_schema(postgres_admin_url) as url:
        yield url


@pytest.fixture
async def start_instance(tmp_path: Path, shared_store: str) -> AsyncIterator[Start]:
    """Start a bot process on the shared store: `await start("a", overrides)` returns once it
    runs (not yet serving: `await instance.saw(SERVING)`)."""
    started: list[Instance] = []

    async def start(name: str, overrides: Mapping[str, Any]) -> Instance:
        folder = tmp_path / name
        folder.mkdir()
        port = free_port()
        settings = {
            "store": {"url": shared_store, "takeover_every": "1s"},
            "http": {"port": port},
            "log": {"level": "INFO"},
        }
        path = write_settings(folder, merge(settings, overrides))
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

    yield start
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


# ---- start-up ------------------------------------------------------------------------------


async def test_two_instances_started_together_on_an_empty_database_both_serve(
    start_instance: Start, shared_store: str
) -> None:
    # The test holds the start-up lock first, as a third instance in mid-upgrade would: both
    # wait for it, then race for the empty schema at the same moment when it is let go.
    with psycopg.connect(shared_store, autocommit=True) as upgrading:
        schema = upgrading.execute("SELECT current_schema()").fetchone()
        assert schema is not None
        upgrading.execute("SELECT pg_advisory_lock(%s)", (advisory_key(schema[0], STARTUP),))
        first, second = await asyncio.gather(start_instance("a", {}), start_instance("b", {}))
        for instance in (first, second):
            await instance.saw("another instance is upgrading the store; waiting")
    for instance in (first, second):
        await instance.saw(SERVING)
    async with client() as http:
        for instance in (first, second):
            assert (await http.get(f"{instance.url}/ready")).status_code == 200
    for index, instance in enumerate((first, second)):
        response = await post_complaint(instance, f"s-{index}", "The parcel arrived broken.")
        assert response.status_code == 202
    migrations = len(list((MIGRATIONS / "versions").glob("0*.py")))
    upgrades = [
        [line for line in instance.lines if "Running upgrade" in line]
        for instance in (first, second)
    ]
    assert sorted(len(lines) for lines in upgrades) == [0, migrations]  # once, by one of them
    assert len(query(shared_store, "SELECT version_num FROM alembic_version")) == 1
    assert len(query(shared_store, "SELECT version FROM rule_sets")) == 1
    assert len(query(shared_store, "SELECT id FROM complaints")) == 2
    for instance in (first, second):
        assert "Traceback" not in instance.log and "UniqueViolation" not in instance.log


# ---- outbox leases -------------------------------------------------------------------------


@dataclass
class HoldingReceiver:
    """A webhook callback endpoint that never answers the first delivery (its sender is
    "stuck" sending) and answers every later one at once."""

    requests: list[dict[str, str]] = field(default_factory=list)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> Starlette:
        async def callback(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append({"key": request.headers["idempotency-key"], **body})
            if len(self.requests) == 1:
                self.held.set()
                await self.release.wait()
                return JSONResponse({"ok": False}, status_code=503)
            await self.answered.put(body)
            return JSONResponse({"ok": True})

        return Starlette(routes=[Route("/callback", callback, methods=["POST"])])


@contextlib.asynccontextmanager
async def holding_receiver() -> AsyncIterator[tuple[HoldingReceiver, str]]:
    receiver = HoldingReceiver()
    served = await serve(receiver.app())
    try:
        yield receiver, f"{served.url}/callback"
    finally:
        receiver.release.set()
        await served.stop()


async def test_a_killed_instances_claimed_delivery_is_sent_by_the_other_once(
    start_instance: Start, shared_store: str
) -> None:
    lease = 1.0
    async with holding_receiver() as (receiver, callback_url):
        settings = {
            "webhook": {"sources": {"shop": {"secret": SECRET, "callback_url": callback_url}}},
            "outbox": {"lease": f"{lease:g}s", "send_timeout": "5m"},
        }
        sender = await start_instance("sender", settings)
        await sender.saw(SERVING)
        response = await post_complaint(sender, "l-1", "My order never arrived.")
        assert response.status_code == 202
        async with asyncio.timeout(WITHIN):
            await receiver.held.wait()  # the sender claimed it and is stuck sending
        other = await start_instance("other", settings)
        await other.saw(SERVING)
        # The sender renews its lease while it sends: the other never sends meanwhile.
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(4 * lease):
                await receiver.answered.get()
        sender.kill()
        killed = time.monotonic()
        async with asyncio.timeout(WITHIN):
            delivered = await receiver.answered.get()
        took = time.monotonic() - killed
        await other.saw("delivered message")
    assert delivered["complaint"] == response.json()["complaint"]
    assert delivered["kind"] == "acknowledgement"
    assert took < 3 * lease + 2, f"sent {took:.1f} s after the kill"
    first, second = receiver.requests
    assert first["key"] == second["key"]  # the same message, which a receiver may dedupe
    rows = query(shared_store, "SELECT status, attempts FROM outbox")
    assert rows == [{"status": "sent", "attempts": 2}]
    assert "could not renew" not in sender.log + other.log
