"""Fixtures of the tests with several bot processes on one PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import postgres_schema
from tests.instances.processes import Start, bot_processes


@pytest.fixture
def shared_store(postgres_admin_url: str) -> Iterator[str]:
    """An empty scratch schema the instances of one test share."""
    with postgres_schema(postgres_admin_url) as url:
        yield url


@pytest.fixture
async def start_instance(tmp_path: Path, shared_store: str) -> AsyncIterator[Start]:
    """Starts bot processes on `shared_store`; all are stopped after the test."""
    async with bot_processes(tmp_path, shared_store) as start:
        yield start
