"""`python bot.py backup DEST` on a running bot, and the restore README describes, on SQLite and
on PostgreSQL (pg_dump and pg_restore against the local server)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from store.backup import BackupFailed, backup
from tests.channels.test_webhook import complaint, post
from tests.conftest import ROOT, write_settings

StartBot = Callable[..., Awaitable[Any]]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def run_backup(settings: Path, destination: Path) -> subprocess.CompletedProcess[str]:
    """The command as an operator types it, in a process of its own."""
    return subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "bot.py"),
            "--config",
            str(settings),
            "backup",
            str(destination),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def file_complaint(bot: Any, id_: str, text: str) -> str:
    response = await post(bot, complaint(id_, text, name="Lucía Pérez"))
    assert response.status_code == 202, response.text
    return str(response.json()["complaint"])


async def admin_token(bot: Any) -> str:
    accounts = bot.app.state.services.accounts
    admin = await accounts.create("Backup Admin", "admin", (), "correct horse battery")
    _, secret = await accounts.issue_token(admin.id, "backup test")
    return str(secret)


async def fetch(bot: Any, token: str, number: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        return await client.get(
            f"/api/complaints/{number}", headers={"Authorization": f"Bearer {token}"}
        )


class Writer(threading.Thread):
    """Another connection that keeps committing to the store: each transaction adds row n to
    `probe` and counts it in `tally`, so a copy that caught half a transaction, or lost an
    earlier one, shows as a mismatch."""

    def __init__(self, path: Path) -> None:
        super().__init__(name="backup-test-writer")
        self.path = path
        self.committed = 0
        self.enough = threading.Event()
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=10)) as connection:
                connection.execute("CREATE TABLE probe (n INTEGER PRIMARY KEY, pad TEXT)")
                connection.execute("CREATE TABLE tally (rows INTEGER, total INTEGER)")
                connection.execute("INSERT INTO tally VALUES (0, 0)")
                connection.commit()
                while not self.halt.is_set() and self.committed < 200_000:
                    n = self.committed + 1
                    connection.execute("INSERT INTO probe VALUES (?, ?)", (n, "x" * 200))
                    connection.execute("UPDATE tally SET rows = rows + 1, total = total + ?", (n,))
                    connection.commit()
                    self.committed = n
                    if n >= 300:
                        self.enough.set()
                    # a pause between commits (a load generator's pace, not a wait for work)
                    # lets the bot's own writer take the lock too
                    self.halt.wait(0.001)
        except BaseException as error:  # the test reports it
            self.error = error
            self.enough.set()


def partial_files(folder: Path) -> list[Path]:
    return list(folder.glob(".*.partial"))


def probe_rows(path: Path) -> tuple[int, int, int, int]:
    """(rows in probe, their highest n, the tally's rows, the tally's total minus the sum of n)."""
    with contextlib.closing(sqlite3.connect(path)) as copy:
        rows, highest, total = copy.execute(
            "SELECT count(*), coalesce(max(n), 0), coalesce(sum(n), 0) FROM probe"
        ).fetchone()
        tally_rows, tally_total = copy.execute("SELECT rows, total FROM tally").fetchone()
    return rows, highest, tally_rows, tally_total - total


async def test_a_live_sqlite_store_is_copied_consistently_and_restores(
    start_bot: StartBot, tmp_path: Path
) -> None:
    bot = await start_bot()
    store = Path(bot.app.state.services.database.writer.url.database)
    kept = await file_complaint(bot, "b-1", "Me cobraron dos veces la factura de marzo.")
    token = await admin_token(bot)
    writer = Writer(store)
    writer.start()
    try:
        assert await asyncio.to_thread(writer.enough.wait, 30)
        assert writer.error is None, writer.error
        before = writer.committed
        # The bot takes a complaint while the copy is made: the store stays writable.
        copying = asyncio.create_task(
            asyncio.to_thread(backup, bot.app.state.services.database.url, tmp_path, NOW)
        )
        during = await file_complaint(bot, "b-2", "La lavadora llegó con la puerta rota.")
        made = await copying
        after = writer.committed
    finally:
        writer.halt.set()
        await asyncio.to_thread(writer.join, 30)
    assert writer.error is None, writer.error
    assert made.path == tmp_path / "complaints-20260302T090000Z.db"
    assert made.path.stat().st_mode & 0o777 == 0o600  # it holds personal data
    assert not partial_files(tmp_path)

    with contextlib.closing(sqlite3.connect(made.path)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        numbers = {row[0] for row in copy.execute("SELECT number FROM complaints")}
    assert kept in numbers and made.complaints == len(numbers)
    rows, highest, tally_rows, mismatch = probe_rows(made.path)
    assert after > before  # the other connection went on committing while the copy was made
    assert before <= rows <= after  # every commit before the copy began, none torn
    assert highest == rows == tally_rows and mismatch == 0

    # After the backup: a complaint the restore must take away again.
    later = await file_complaint(bot, "b-3", "El técnico no vino a reparar el horno.")
    await bot.stop()
    # Restore as README says: stop the bot, remove the -wal and -shm files, copy the file back.
    for stale in (Path(f"{store}-wal"), Path(f"{store}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(made.path, store)

    restored = await start_bot()
    answer = await fetch(restored, token, kept)
    assert answer.status_code == 200, answer.text
    assert answer.json()["complaint"]["number"] == kept
    assert (await fetch(restored, token, later)).status_code == 404
    # the complaint filed during the copy is in the copy or not; the restored bot agrees
    assert ((await fetch(restored, token, during)).status_code == 200) == (during in numbers)


def test_the_command_writes_a_backup_and_refuses_to_overwrite_one(tmp_path: Path) -> None:
    settings = write_settings(tmp_path)
    destination = tmp_path / "nightly.db"

    absent = run_backup(settings, destination)
    assert absent.returncode == 2
    assert "there is no SQLite store at" in absent.stderr and "check [store] url" in absent.stderr
    assert not destination.exists()

    with contextlib.closing(sqlite3.connect(tmp_path / "complaints.db")) as store:
        store.execute("CREATE TABLE complaints (number TEXT)")
        store.execute("INSERT INTO complaints VALUES ('C-1'), ('C-2')")
        store.commit()
    done = run_backup(settings, destination)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backup written to {destination} (")
    assert "2 complaints" in done.stdout
    first = destination.read_bytes()

    again = run_backup(settings, destination)
    assert again.returncode == 2
    assert f"{destination} exists already: name a new file, or a folder" in again.stderr
    assert destination.read_bytes() == first

    nowhere = run_backup(settings, tmp_path / "missing" / "b.db")
    assert "the folder" in nowhere.stderr and "does not exist: create it first" in nowhere.stderr


def test_a_store_in_memory_or_without_pg_dump_is_refused_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(BackupFailed, match="in memory"):
        backup("sqlite:///:memory:", tmp_path, NOW)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on this PATH
    with pytest.raises(BackupFailed, match=r"pg_dump is not installed.*postgresql-client"):
        backup("postgresql://postgres@127.0.0.1:5432/test", tmp_path, NOW)
    assert list(tmp_path.iterdir()) == []


@contextlib.contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A database of its own (pg_dump copies a whole database), dropped afterwards."""
    name = f"backup_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_postgresql_is_dumped_while_the_bot_runs_and_restores_with_pg_restore(
    start_bot: StartBot, postgres_admin_url: str, tmp_path: Path
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed (Debian: postgresql-client)")
    with (
        scratch_database(postgres_admin_url) as live,
        scratch_database(postgres_admin_url) as spare,
    ):
        bot = await start_bot({"store": {"url": live}})
        kept = await file_complaint(bot, "p-1", "Me cobraron dos veces la factura de marzo.")
        token = await admin_token(bot)
        dump = tmp_path / "nightly.dump"
        done = await asyncio.to_thread(run_backup, bot.settings_path, dump)
        assert done.returncode == 0, done.stderr
        assert f"backup written to {dump}" in done.stdout
        later = await file_complaint(bot, "p-2", "El técnico no vino a reparar el horno.")
        await bot.stop()

        restore = await asyncio.to_thread(
            subprocess.run,
            ["pg_restore", "--no-owner", f"--dbname={spare}", str(dump)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert restore.returncode == 0, restore.stderr
        restored = await start_bot({"store": {"url": spare}})
        answer = await fetch(restored, token, kept)
        assert answer.status_code == 200, answer.text
        assert answer.json()["complaint"]["number"] == kept
        assert (await fetch(restored, token, later)).status_code == 404
        await restored.stop()
