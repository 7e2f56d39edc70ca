"""Shared fixtures: settings files, real servers on loopback, SQLite and PostgreSQL stores."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import gc
import json
import os
import shutil
import socket
import subprocess
import tomllib
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
import tomli_w
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import bot
from channels.webhook.adapter import sign
from complaints.clock import Clock
from config import load_settings
from store.database import engine_url
from tests.mailpeers import Sink
from tests.model_warmup import warm_up

ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-secret-0123456789abcdef"
OTHER_SECRET = "other-secret-0123456789abcdef"
MAIL_SECRET = "mail-signing-secret-0123456789"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
POSTGRES_ADMIN_URL = os.environ.get(
    "COMPLAINT_BOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


def write_settings(directory: Path, overrides: Mapping[str, Any] | None = None) -> Path:
    """The shipped settings.toml with test values (a store under `directory`) and `overrides`."""
    data = tomllib.loads((ROOT / "settings.toml").read_text(encoding="utf-8"))
    data = merge(
        data,
        {
            "store": {"url": f"sqlite:///{directory / 'complaints.db'}", "busy_timeout": "1s"},
            "http": {"port": 0},
            "webhook": {
                "sources": {
                    "shop": {"secret": SECRET, "callback_url": ""},
                    "crm": {"secret": OTHER_SECRET, "callback_url": ""},
                }
            },
            "email": {
                "signing_secret": MAIL_SECRET,
                "smtp_server": {"port": 0},
                "relay": {"port": 1},  # nothing listens: mail waits in the outbox
            },
        },
    )
    data = merge(data, overrides or {})
    path = directory / "settings.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


def signed(body: Mapping[str, Any] | bytes, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return raw, {"Content-Type": "application/json", "X-Signature": sign(secret, raw)}


def table_counts(url: str) -> dict[str, int]:
    """Rows per table: what "changes nothing" is checked against."""
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            return {
                name: connection.execute(
                    sa.select(sa.func.count()).select_from(sa.table(name))
                ).scalar_one()
                for name in names
                if name != "alembic_version"
            }
    finally:
        engine.dispose()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep what collecting imported (the bot's packages, numpy, SQLAlchemy, FastAPI: about a
    million objects that live for the whole run) out of every later full collection, as the
    bot does with its start-up heap: each full collection would walk them all again, and one
    stops the event loop that a test's bot and its client share."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def triage_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One disk cache of fitted triage models for the whole run, in the run's temporary folder
    (never the user's own cache): `[triage] model_cache = "auto"` follows XDG_CACHE_HOME, in
    this process and in every bot process a test starts, so only the first start on a new store
    fits the shipped set (about 20 s) and every later one loads it. Under pytest-xdist the
    workers share it (the run's folder above each worker's own): a model one worker fitted is
    loaded by the others (the cache writes each file whole, so none reads half of one). With
    more than one worker, each warms the cache up with the shipped model before its first test,
    one at a time (tests/model_warmup.py): the first fits it, the others wait and load it,
    instead of all fitting it at once at the start of the run."""
    run_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent
    folder = run_folder / "cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
            # imported here: tests.router.shipped imports (through tests.factories) this module
            from tests.router.shipped import shipped_model

            warm_up(folder, shipped_model)
        yield folder / "complaint-bot" / "triage"


# ---- serving ASGI apps on loopback ---------------------------------------------------------


@dataclass
class Served:
    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


async def serve(app: Any, port: int = 0) -> Served:
    """Serve `app` with uvicorn on 127.0.0.1. The socket listens before this returns, so a
    client may connect at once; its request waits in the backlog until startup is done."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on TCP sockets it recognises, and
    # without it every small answer waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="on", log_level="warning", log_config=None)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    return Served(server, task, sock.getsockname()[1])


@dataclass
class CallbackReceiver:
    """A system that integrates by webhook: it records every callback the bot POSTs to it."""

    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrivals: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    def app(self) -> Starlette:
        async def callback(request: Request) -> JSONResponse:
            body = await request.body()
            self.received.append((dict(request.headers), body))
            if self.status < 300:
                await self.arrivals.put(json.loads(body))
            return JSONResponse({"ok": self.status < 300}, status_code=self.status)

        return Starlette(routes=[Route("/callback", callback, methods=["POST"])])


@pytest.fixture
async def callback_receiver() -> AsyncIterator[tuple[CallbackReceiver, Served]]:
    receiver = CallbackReceiver()
    served = await serve(receiver.app())
    yield receiver, served
    if not served.task.done():
        await served.stop()


# ---- PostgreSQL ----------------------------------------------------------------------------


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _start_local_postgres() -> None:
    """This machine's PostgreSQL may be installed but stopped: start it the Debian way."""
    clusters = Path("/etc/postgresql")
    if not shutil.which("pg_ctlcluster") or not clusters.is_dir():
        return
    for version in sorted(path.name for path in clusters.iterdir()):
        subprocess.run(  # noqa: S603
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],  # noqa: S607
            check=False,
            capture_output=True,
            timeout=60,
        )


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    if not _postgres_reachable():
        _start_local_postgres()
    if not _postgres_reachable():
        reason = (
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} "
            "(set COMPLAINT_BOT_TEST_POSTGRES to another URL)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI requires the PostgreSQL tests to run")
        pytest.skip(reason)
    return POSTGRES_ADMIN_URL


@contextlib.contextmanager
def postgres_schema(admin_url: str) -> Iterator[str]:
    """A fresh schema for one test; the URL makes it the only one on the search path."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{admin_url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and again on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    with postgres_schema(admin_url) as url:
        yield url


# ---- the bot ---------------------------------------------------------------------------------


@dataclass
class RunningBot:
    app: Any
    served: Served
    settings_path: Path

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def store_url(self) -> str:
        return self.app.state.services.database.url

    async def stop(self) -> None:
        await self.served.stop()


@pytest.fixture
async def start_bot(tmp_path: Path) -> AsyncIterator[Any]:
    """Start the real bot (uvicorn on loopback) on a settings file; stopped after the test."""
    running: list[RunningBot] = []

    async def start(
        overrides: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
        *,
        background: bool = True,
        port: int = 0,
    ) -> RunningBot:
        """`background=False`: neither the dispatcher nor the sweeps run by themselves; the
        test calls `app.state.services.dispatcher.dispatch_due()` and
        `app.state.services.sweeps.run_all()`."""
        path = write_settings(tmp_path, overrides)
        app = bot.build_app(
            load_settings(path),
            clock,
            dispatch_in_background=background,
            sweep_in_background=background,
        )
        instance = RunningBot(app, await serve(app, port), path)
        running.append(instance)
        async with asyncio.timeout(30):
            await app.state.ready.wait()
        return instance

    yield start
    for instance in running:
        if not instance.served.task.done():
            await instance.stop()


@pytest.fixture
async def sink() -> AsyncIterator[Sink]:
    """A relay on loopback that keeps what the bot sends by mail."""
    relay = await Sink().start()
    yield relay
    await relay.stop()
