"""The store's schema brought to the newest Alembic migration (`migrations/`), said in one log
line when that changed anything: alembic's own INFO lines (two at every start, one per
migration, some of several lines) are not written."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

_scripts: tuple[tuple[tuple[str, int, int], ...], ScriptDirectory] | None = None
"""The migrations as alembic last loaded them, with what tells a changed folder (`_listing`)."""


def upgrade_schema(connection: Connection) -> None:
    """Run every migration the store lacks on `connection` (in the caller's transaction); an
    upgrade never drops data. What alembic's `command.upgrade` does, with the migrations'
    scripts loaded once per process (`_script_directory`), not at every start."""
    alembic = logging.getLogger("alembic")
    alembic.setLevel(max(logging.WARNING, alembic.level))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    before = MigrationContext.configure(connection).get_current_revision()
    script = _script_directory(config)

    def upgrade(revision: str, context: MigrationContext) -> list[RevisionStep]:
        return script._upgrade_revs("head", revision)  # as command.upgrade does

    with EnvironmentContext(config, script, fn=upgrade, destination_rev="head"):
        script.run_env()  # migrations/env.py, on config.attributes["connection"]
    after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        log.info("store schema upgraded from %s to %s", before or "an empty store", after)


def _script_directory(config: Config) -> ScriptDirectory:
    """Alembic's view of `MIGRATIONS`, kept while its files stay as they were: reading it
    imports every revision's module and sorts them, 10-20 ms of each start (and a test run
    starts hundreds). A file added, removed or changed makes a new one."""
    global _scripts
    listing = _listing()
    if _scripts is None or _scripts[0] != listing:
        _scripts = (listing, ScriptDirectory.from_config(config))
    return _scripts[1]


def _listing() -> tuple[tuple[str, int, int], ...]:
    """Each migration file's name, size and modification time."""
    files = [MIGRATIONS / "env.py", *sorted((MIGRATIONS / "versions").glob("*.py"))]
    return tuple(
        (path.name, stat.st_size, stat.st_mtime_ns) for path in files if (stat := path.stat())
    )
