"""The store's schema brought to the newest Alembic migration (`migrations/`), said in one log
line when that changed anything: alembic's own INFO lines (two at every start, one per
migration, some of several lines) are not written."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def upgrade_schema(connection: Connection) -> None:
    """Run every migration the store lacks on `connection` (in the caller's transaction); an
    upgrade never drops data."""
    alembic = logging.getLogger("alembic")
    alembic.setLevel(max(logging.WARNING, alembic.level))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    before = MigrationContext.configure(connection).get_current_revision()
    command.upgrade(config, "head")
    after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        log.info("store schema upgraded from %s to %s", before or "an empty store", after)
