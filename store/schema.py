"""The store's schema brought to the newest Alembic migration (`migrations/`), said in one log
line when that changed anything: alembic's own INFO lines (two at every start, one per
migration, some of several lines) are not written.

A start pays for the migrations only where they are work: alembic's view of the folder (every
revision's module imported, then sorted) is kept per process while the files stay as they were
(`_script_directory`), and an empty SQLite store gets what the migrations made of the last
empty SQLite store this process upgraded (`_Made`: their statements replayed, their rows
copied; the same schema text and rows, in a few milliseconds instead of ~80). Every start of a
test run opens a new store, and so does a deployment's first start."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

Listing = tuple[tuple[str, int, int], ...]
"""Each migration file's name, size and modification time (`_listing`)."""


@dataclass(frozen=True)
class _Made:
    """What the migrations made of an empty SQLite store: its schema's statements as SQLite
    keeps them (tables first, then indexes, each in the order they were made) and every
    table's rows (alembic's version, sqlite_sequence)."""

    statements: tuple[str, ...]
    rows: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...]


_scripts: tuple[Listing, ScriptDirectory] | None = None
"""The migrations as alembic last loaded them, with the files' listing at the time."""
_made: tuple[Listing, _Made] | None = None
"""What the migrations of that listing made of an empty SQLite store."""


def upgrade_schema(connection: Connection) -> None:
    """Run every migration the store lacks on `connection` (in the caller's transaction); an
    upgrade never drops data. What alembic's `command.upgrade` does, with the migrations'
    scripts loaded once per process, not at every start; an empty SQLite store, when this
    process upgraded one before with the same files, gets what they made of it."""
    global _made
    alembic = logging.getLogger("alembic")
    alembic.setLevel(max(logging.WARNING, alembic.level))
    before = MigrationContext.configure(connection).get_current_revision()
    listing = _listing()
    empty = connection.dialect.name == "sqlite" and _is_empty(connection)
    if empty and _made is not None and _made[0] == listing:
        _replay(connection, _made[1])
    else:
        _migrate(connection, listing)
        if empty:
            _made = (listing, _captured(connection))
    after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        log.info("store schema upgraded from %s to %s", before or "an empty store", after)


def _migrate(connection: Connection, listing: Listing) -> None:
    """alembic's `command.upgrade(config, "head")`, on the kept script directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    script = _script_directory(config, listing)

    def upgrade(revision: str, context: MigrationContext) -> list[RevisionStep]:
        return script._upgrade_revs("head", revision)  # as command.upgrade does

    with EnvironmentContext(config, script, fn=upgrade, destination_rev="head"):
        script.run_env()  # migrations/env.py, on config.attributes["connection"]


def _script_directory(config: Config, listing: Listing) -> ScriptDirectory:
    """Alembic's view of `MIGRATIONS`, kept while its files stay as they were: reading it
    imports every revision's module and sorts them, 10-20 ms of each start. A file added,
    removed or changed makes a new one."""
    global _scripts
    if _scripts is None or _scripts[0] != listing:
        _scripts = (listing, ScriptDirectory.from_config(config))
    return _scripts[1]


def _listing() -> Listing:
    files = [MIGRATIONS / "env.py", *sorted((MIGRATIONS / "versions").glob("*.py"))]
    return tuple(
        (path.name, stat.st_size, stat.st_mtime_ns) for path in files if (stat := path.stat())
    )


def _is_empty(connection: Connection) -> bool:
    """No table, index, view or trigger at all: a store nothing was written to yet."""
    return connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0


def _captured(connection: Connection) -> _Made:
    """The schema and rows of the store the migrations just made (`_Made`). SQLite's own
    objects (sqlite_sequence, the indexes its constraints imply) come with the statements
    that made them, so they are not replayed: only their rows are copied."""
    objects = connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master ORDER BY type != 'table', rowid"
    ).all()
    statements = tuple(
        sql for _, name, sql in objects if sql is not None and not name.startswith("sqlite_")
    )
    rows = []
    for kind, name, _ in objects:
        if kind == "table":
            # the names are the store's own, as the migrations just made them
            found = connection.exec_driver_sql(f"SELECT * FROM {_quoted(name)}").all()  # noqa: S608
            if found:
                rows.append((name, tuple(tuple(row) for row in found)))
    return _Made(statements, tuple(rows))


def _replay(connection: Connection, made: _Made) -> None:
    for statement in made.statements:
        connection.exec_driver_sql(statement)
    for name, rows in made.rows:
        places = ", ".join("?" * len(rows[0]))
        insert = f"INSERT INTO {_quoted(name)} VALUES ({places})"  # noqa: S608 (as captured)
        connection.exec_driver_sql(insert, list(rows))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
