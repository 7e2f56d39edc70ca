"""Migration 0017 on SQLite and on PostgreSQL: complaints reopened before it lose the earlier
round's resolution and score they kept; a complaint resolved again loses only a score answered
before its latest resolution; a complaint whose round stands keeps everything."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session

from store.database import Database
from store.queries.complaints import complaint_by_id
from store.schema import MIGRATIONS
from tests.conftest import START
from tests.store.test_queries import _open

DAY = timedelta(days=1)
FIELDS = ("status", "resolved_at", "resolution_summary", "survey_score", "survey_comment")


def _back_to_0016(store_url: str) -> None:
    """The schema as it was before 0017, the rows kept: they are written with today's models
    (whose later columns a 0016 schema lacks), then the later revisions are undone."""
    engine = sa.create_engine(store_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    engine.dispose()


def test_the_rows_stored_before_are_made_true(store_url: str) -> None:
    database = Database(store_url)
    database.upgrade()
    try:
        # (status, resolved_at, answered_at) of each complaint, with a summary and a score
        cases = [
            ("reopened", START, START + DAY),  # reopened by its low score
            ("investigating", START, None),  # reopened by the customer, being worked
            ("resolved", START + 3 * DAY, START + DAY),  # resolved again, rated before
            ("closed", START, START + DAY),  # its one round stands
        ]

        def stored_before(session: Session) -> list[int]:
            ids = []
            for n, (status, resolved_at, answered_at) in enumerate(cases):
                complaint_id = _open(session, f"c{n}@example.com")
                found = complaint_by_id(session, complaint_id=complaint_id)
                assert found is not None
                found.status, found.resolved_at = status, resolved_at
                found.resolution_summary, found.survey_comment = "Refunded.", "ok"
                found.survey_score, found.survey_answered_at = 4, answered_at
                ids.append(complaint_id)
            return ids

        ids = database.write_now(stored_before)
        database.close()
        _back_to_0016(store_url)
        database = Database(store_url)
        database.upgrade()

        def read(session: Session) -> list[tuple[object, ...]]:
            found = [complaint_by_id(session, complaint_id=i) for i in ids]
            return [tuple(getattr(c, key) for key in FIELDS) for c in found if c is not None]

        assert database.write_now(read) == [
            ("reopened", None, "", None, ""),
            ("investigating", None, "", None, ""),
            ("resolved", START + 3 * DAY, "Refunded.", None, ""),
            ("closed", START, "Refunded.", 4, "ok"),
        ]
    finally:
        database.close()
