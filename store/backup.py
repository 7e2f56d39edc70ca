"""A backup of the store while the bot runs: `python bot.py backup DEST`.

SQLite: the online backup API (`sqlite3.Connection.backup`) in one step, which copies the pages
of one read transaction. In WAL mode a reader never blocks the writer, so the bot goes on taking
complaints while the copy is made, and the copy holds every transaction committed before it
began and no part of a later one. Copying the file with `cp` instead can miss what still sits in
`complaints.db-wal`, or catch a checkpoint half done.

PostgreSQL: `pg_dump`, run for the operator rather than merely named, so one command backs up
either store (and a cron line need not know which). pg_dump reads in one repeatable-read
transaction: a consistent snapshot that blocks no writer. Its custom format restores with
pg_restore, the whole database or single tables.

Either way the copy is written under a hidden name beside DEST, with mode 0600 (it holds
personal data), checked, and only then renamed to DEST: a file named DEST is a complete backup.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from complaints.errors import BotError
from store.database import engine_url


class BackupFailed(BotError):
    """No backup was written; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    size: int
    """Bytes written."""
    complaints: int | None
    """Complaints in the copy, counted in the copy itself (SQLite); None for a pg_dump archive."""


def backup(store_url: str, destination: Path, now: datetime) -> Backup:
    """Copy the store at `store_url` to `destination`: a new file, or a folder to put a file
    named after `now` in. An existing file is never overwritten: a backup must not destroy the
    previous one."""
    url = sa.engine.make_url(engine_url(store_url))
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupFailed("the store is in memory: there is nothing on disk to back up")
        target = _target(destination, f"complaints-{stamp}.db")
        return _sqlite(Path(url.database), target)
    if url.get_backend_name() == "postgresql":
        return _pg_dump(url, _target(destination, f"complaints-{stamp}.dump"))
    raise BackupFailed(f"cannot back up a {url.get_backend_name()} store: SQLite or PostgreSQL")


def _target(destination: Path, name: str) -> Path:
    target = destination / name if destination.is_dir() else destination
    if target.exists():
        raise BackupFailed(f"{target} exists already: name a new file, or a folder")
    if not target.parent.is_dir():
        raise BackupFailed(f"the folder {target.parent} does not exist: create it first")
    return target


@contextlib.contextmanager
def _partial(target: Path) -> Iterator[Path]:
    """A new empty file beside `target`, readable by its owner only; renamed to `target` when
    the block succeeds, removed when it fails."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise BackupFailed(f"{partial} exists: another backup is being written there") from None
    except OSError as error:
        raise BackupFailed(f"cannot write in {target.parent}: {error.strerror}") from None
    try:
        yield partial
        with open(partial, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _sqlite(source: Path, target: Path) -> Backup:
    if not source.is_file():
        raise BackupFailed(f"there is no SQLite store at {source}: check [store] url")
    with _partial(target) as partial:
        try:
            _sqlite_copy(source, partial)
            with contextlib.closing(sqlite3.connect(partial)) as copy:
                problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
                tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
                count = (
                    copy.execute("SELECT count(*) FROM complaints").fetchone()[0]
                    if "complaints" in tables
                    else 0
                )
        except sqlite3.Error as error:
            raise BackupFailed(
                f"the SQLite backup failed ({error}); nothing was written to {target}"
            ) from None
        if problems != ["ok"]:
            raise BackupFailed(f"the copy fails its integrity check: {problems[:3]}; try again")
    return Backup(target, target.stat().st_size, count)


def _sqlite_copy(source: Path, partial: Path) -> None:
    """One backup step for the whole file: the pages of one read transaction. Step by step, a
    write by the bot between two steps would restart the copy, and a busy bot could keep it
    from ever finishing."""
    with (
        contextlib.closing(sqlite3.connect(source, timeout=30)) as store,
        contextlib.closing(sqlite3.connect(partial)) as copy,
    ):
        store.backup(copy, pages=-1)
        # one self-contained file: restoring it is copying it, with no -wal file beside it
        copy.execute("PRAGMA journal_mode=DELETE")


def _pg_dump(url: sa.URL, target: Path) -> Backup:
    tool = shutil.which("pg_dump")
    if tool is None:
        raise BackupFailed(
            "pg_dump is not installed: install PostgreSQL's client programs of the server's "
            "version (Debian: apt-get install postgresql-client) and run the backup again"
        )
    # The password travels in the environment, not on the command line that `ps` shows.
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    with _partial(target) as partial:
        done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
            [tool, "--format=custom", f"--file={partial}", f"--dbname={dsn}"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupFailed(f"pg_dump failed: {done.stderr.strip()}")
    return Backup(target, target.stat().st_size, None)
