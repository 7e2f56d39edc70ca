"""The router is pure: it reaches no I/O library, and it routes with the network and the
database gone.

Purity is what lets a dry run, a backtest and intake give the same answer; these tests make the
claim checkable instead of a docstring's promise.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from config import Settings, load_settings
from router import CustomerHistory, route
from tests.router.inputs import make_input
from tests.test_architecture import OURS, ROOT, imports_of, module_name

IO_LIBRARIES = frozenset(
    {
        "socket",
        "ssl",
        "select",
        "selectors",
        "asyncio",
        "socketserver",
        "http",
        "urllib",
        "subprocess",
        "multiprocessing",
        "threading",
        "sqlite3",
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "psycopg",
        "httpx",
        "requests",
        "smtplib",
        "imaplib",
        "aiosmtpd",
        "aiosmtplib",
        "imapclient",
        "telegram",
        "fastapi",
        "starlette",
        "uvicorn",
        "apscheduler",
    }
)
"""Networks, databases, processes and threads: none of them belongs in a pure function."""


def _file_of(module: str) -> Path | None:
    """The file of our module `module`, or None when the name is an attribute, not a module."""
    path = ROOT.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _reachable(package: str) -> tuple[set[str], set[str]]:
    """(our modules, outside top-level modules) that importing `package` may load, following
    every import of ours (in functions and TYPE_CHECKING blocks too) to its end."""
    todo = [module_name(ROOT, path) for path in sorted((ROOT / package).rglob("*.py"))]
    ours: set[str] = set()
    outside: set[str] = set()
    while todo:
        name = todo.pop()
        path = _file_of(name)
        if name in ours or path is None:
            continue
        ours.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:end]) for end in range(1, len(parts))]  # parent packages run too
        for found in imports_of(path, name):
            top = found.module.split(".")[0]
            if top in OURS:
                todo += [found.module, *(f"{found.module}.{each}" for each in found.names)]
            else:
                outside.add(top)
    return ours, outside


def test_the_router_imports_no_io_library() -> None:
    ours, outside = _reachable("router")
    assert {"router.decide", "router.input", "complaints.errors"} <= ours
    assert {name.split(".")[0] for name in ours} == {"router", "complaints"}
    assert outside & IO_LIBRARIES == set()
    # The libraries those import in turn: what `import router` adds to a fresh interpreter's
    # modules (start-up itself loads a few, such as urllib.parse for the editable install).
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; before = set(sys.modules); import router; "
            "print(*set(sys.modules) - before)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert "router.decide" in loaded
    # `regex` (the rules' patterns, with a time budget) takes a lock from `threading` for its
    # cache of compiled patterns; no module of ours imports threading (checked above).
    assert {name.split(".")[0] for name in loaded} & IO_LIBRARIES == {"threading"}


EVERY_LANGUAGE = [
    ("你们卖的电暖器昨晚突然冒烟起火，我孩子的手被烫伤了，现在还在医院。", "zh-Hans", "safety"),
    (
        "我申请携号转网已经两个星期了，一直显示转网失败，营业厅也说不清楚原因。",
        "zh-Hans",
        "number_portability",
    ),
    ("你們賣的延長線插頭冒煙，還燒焦了插座，差點引起火災，非常危險！", "zh-Hant", "safety"),
    ("我的個資被你們門市員工外洩，還有陌生人打電話叫出我的名字。", "zh-Hant", "privacy"),
    (
        "Un empleado compartió mis datos personales con otra empresa sin mi permiso.",
        "es",
        "privacy",
    ),
    (
        "Solicité la portabilidad de mi número hace tres semanas y todavía no se ha completado.",
        "es",
        "number_portability",
    ),
    ("Your delivery driver dropped a heavy box on my foot and I was injured.", "en", "safety"),
    (
        "Your store emailed my personal details to another customer. This is a data breach.",
        "en",
        "privacy",
    ),
]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "settings.toml")


def test_route_is_pure(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped rules route complaints in every language with no network and no database;
    any attempt to reach either is recorded (in case the router swallowed the error)."""
    attempts: list[str] = []

    def unavailable(what: str) -> object:
        def refuse(*args: object, **kwargs: object) -> None:
            attempts.append(what)
            raise OSError(f"{what} is unavailable in this test")

        return refuse

    for name in ("socket", "create_connection", "getaddrinfo", "socketpair"):
        monkeypatch.setattr(socket, name, unavailable(f"socket.{name}"))
    monkeypatch.setattr(sqlite3, "connect", unavailable("sqlite3.connect"))
    monkeypatch.setattr(sqlite3.dbapi2, "connect", unavailable("sqlite3.dbapi2.connect"))
    with pytest.raises(OSError, match="unavailable"):
        socket.create_connection(("127.0.0.1", 9))
    attempts.clear()

    for text, language, category in EVERY_LANGUAGE:
        message = make_input(text)
        decisions = [
            route(
                message,
                CustomerHistory(),
                settings.rules,
                settings.service_levels,
                settings.default_language,
            )
            for _ in range(2)
        ]
        assert (decisions[0].language, decisions[0].category) == (language, category), text
        assert decisions[0] == decisions[1]
    assert attempts == []
