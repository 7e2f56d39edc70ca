"""The migrations' scripts are loaded once per process and an empty SQLite store gets what they
made of the last one (store.schema): every start's store is what alembic's `command.upgrade`
makes, and a migration added, changed or removed since is seen at the next upgrade."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

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


def schema_of(engine: sa.Engine) -> dict[str, Any]:
    """Every object SQLite keeps (with the text that made it), every table's rows, and what
    SQLite says of the file."""
    with engine.connect() as connection:
        objects = connection.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).all()
        return {
            "objects": [tuple(row) for row in objects],
            "rows": {
                name: sorted(connection.exec_driver_sql(f'SELECT * FROM "{name}"').all())  # noqa: S608
                for kind, name, _, _ in objects
                if kind == "table"
            },
            "user_version": connection.exec_driver_sql("PRAGMA user_version").scalar(),
            "integrity": connection.exec_driver_sql("PRAGMA integrity_check").scalar(),
            "foreign keys": connection.exec_driver_sql("PRAGMA foreign_key_check").all(),
        }


def upgraded(url: str = "sqlite://") -> sa.Engine:
    engine = sa.create_engine(url)
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


def test_an_empty_store_gets_what_the_migrations_made_of_the_last_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_command = sa.create_engine(f"sqlite:///{tmp_path / 'command.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with by_command.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    monkeypatch.setattr(schema, "_made", None)
    migrated = upgraded(f"sqlite:///{tmp_path / 'migrated.db'}")
    assert schema._made is not None

    def no_migrations(*_: object) -> None:
        pytest.fail("the migrations ran again on an empty store")

    monkeypatch.setattr(schema, "_migrate", no_migrations)
    replayed = upgraded(f"sqlite:///{tmp_path / 'replayed.db'}")
    expected = schema_of(by_command)
    assert expected["integrity"] == "ok" and expected["rows"]["alembic_version"]
    assert schema_of(migrated) == schema_of(replayed) == expected


def test_a_store_that_is_not_empty_is_migrated(monkeypatch: pytest.MonkeyPatch) -> None:
    upgraded()  # an empty store made: the next empty one would be replayed
    expected = schema_of(upgraded())["objects"]

    def no_replay(*_: object) -> None:
        pytest.fail("a store with a table was replayed")

    monkeypatch.setattr(schema, "_replay", no_replay)
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE kept (id INTEGER PRIMARY KEY)")
        upgrade_schema(connection)
    assert "kept" in sa.inspect(engine).get_table_names()
    objects = [row for row in schema_of(engine)["objects"] if row[1] != "kept"]
    assert objects == expected


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
