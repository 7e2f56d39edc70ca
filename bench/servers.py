"""What every benchmark needs around the servers it measures: ports, processes, memory, files.

The numbers that matter are ratios to a bare baseline measured in the same run: machines here
are shared and differ from day to day by a factor of two. Each benchmark measures its servers
in `rounds` (3 by default) with fresh complaints each round, baseline and bot one after the
other within a round, and reports the median of each figure and the median of the per-round
ratios (bench/report.py prints them). The servers run as deployed (`./run-bot`), on free ports,
in a work directory of the run's own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.corpus import SECRET, SOURCE

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TARGET_RSS_MB = 200.0
POSTGRES = os.environ.get(
    "COMPLAINT_BOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
"""Where the PostgreSQL benches make their scratch database (trust auth), as the tests do."""


def bot_command(settings: Path) -> list[str]:
    """The bot as README says to run it: `./run-bot`, which sets the malloc threshold the
    service sets too and execs the venv's python (so the process's pid is the bot's)."""
    return [str(ROOT / "run-bot"), "--config", str(settings), "--log-level", "WARNING"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


START_LIMIT_S = 180
"""How long a server may take to start: a bot on a fresh store fits the triage model first,
which takes over a minute on a busy shared machine."""


def wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench: the server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    process.kill()
    sys.exit(f"bench: the server did not answer /health in {limit_s:.0f}s:\n{log.read_text()}")


@contextlib.contextmanager
def serving(
    command: list[str],
    port: int,
    log: Path,
    env: dict[str, str] | None = None,
    ready: Callable[[subprocess.Popen[bytes], int, Path, float], None] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server for the length of the block; `ready` waits until it answers (by default
    on /health), and the server is stopped with SIGTERM afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env or dict(os.environ)
        )
    try:
        (ready or wait_healthy)(process, port, log, START_LIMIT_S)
        yield process
    finally:
        stop(process)


def baseline_app(port: int, work: Path) -> tuple[list[str], dict[str, str]]:
    """The bare webhook endpoint (`bench/baseline_app.py`) under uvicorn, storing in `work`:
    its command and environment, for `serving`."""
    env = {**os.environ, "BENCH_BASELINE_DB": str(work / "baseline.db"), "BENCH_SECRET": SECRET}
    command = [PYTHON, "-m", "uvicorn", "bench.baseline_app:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    return command, env


@contextlib.contextmanager
def work_directory(prefix: str, keep: bool) -> Iterator[Path]:
    """A new directory for the run's settings, stores and logs, removed afterwards unless
    `keep` (then its path is printed, to read the servers' logs)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        if keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (the resident peak) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024  # kB
    return found


def write_bot_settings(
    directory: Path, port: int, store_url: str = "", callback_url: str = "", name: str = "settings"
) -> tuple[Path, Path]:
    """The shipped settings.toml with a store (a fresh SQLite file unless `store_url`), a free
    port and the `bench` webhook source (acknowledging in the response unless `callback_url`)."""
    import tomli_w  # the test extra; the project's venv has it

    data = tomllib.loads((ROOT / "settings.toml").read_text(encoding="utf-8"))
    database = directory / "bot.db"
    data["store"] = {**data.get("store", {}), "url": store_url or f"sqlite:///{database}"}
    data["http"] = {**data.get("http", {}), "host": "127.0.0.1", "port": port}
    mail = data.setdefault("email", {})  # its SMTP server stays on, as shipped, on a free port
    mail["smtp_server"] = {**mail.get("smtp_server", {}), "host": "127.0.0.1", "port": free_port()}
    data["webhook"] = {
        **data.get("webhook", {}),
        "sources": {SOURCE: {"secret": SECRET, "callback_url": callback_url}},
    }
    path = directory / f"{name}.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path, database


def count_complaints(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return int(connection.execute("SELECT count(*) FROM complaints").fetchone()[0])


@contextlib.contextmanager
def scratch_database(admin_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database `name` beside `admin_url`'s for the run, dropped
    afterwards; its URL."""
    import psycopg  # only PostgreSQL runs need the driver

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as systemd would, and at most 60 s for the server to finish its work."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
