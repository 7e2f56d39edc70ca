"""The migrations' scripts are loaded once per process (store.schema): every start's store
gets the same schema as with alembic's `command.upgrade`, and a migration added, changed or
removed since is seen at the next upgrade."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from store import schema
from store.schema import MIGRATIONS, upgrade_schema

EXTRA = '''"""A table only this test adds."""
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("{table}")
'''


def schema_of(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        )
        return [(name, sql) for name, sql in rows]


def upgraded() -> sa.Engine:
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection:
        upgrade_schema(connection)
    return engine


def revision_of(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())


def test_each_upgrade_makes_what_alembics_command_makes() -> None:
    by_command = sa.create_engine("sqlite://")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with by_command.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    first, second = upgraded(), upgraded()
    assert schema_of(first) == schema_of(second) == schema_of(by_command)
    assert revision_of(first) == revision_of(second) == revision_of(by_command)


def test_a_migration_added_later_or_changed_is_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    head = revision_of(upgraded())

    extra = migrations / "versions" / "9999_extra.py"
    extra.write_text(EXTRA.format(head=head, table="added_later"), encoding="utf-8")
    engine = upgraded()
    assert revision_of(engine) == "9999"
    assert "added_later" in sa.inspect(engine).get_table_names()

    extra.write_text(EXTRA.format(head=head, table="changed_later"), encoding="utf-8")
    engine = upgraded()
    assert "changed_later" in sa.inspect(engine).get_table_names()
    assert "added_later" not in sa.inspect(engine).get_table_names()

    extra.unlink()
    assert revision_of(upgraded()) == head
