"""Fixtures of the store's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.database import Database


@pytest.fixture
def any_store(store_url: str) -> Iterator[Database]:
    """The store on SQLite and again on PostgreSQL (`store_url` is parametrized over both)."""
    database = Database(store_url)
    database.upgrade()
    yield database
    database.close()
