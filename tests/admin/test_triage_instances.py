"""Two instances starting together on a PostgreSQL store that has no model for their training
data: one fits it, the other waits for the fit (store.fit_lock) and loads the stored model."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

import router.model
import store.fit_lock
from admin.settings import TriageSettings
from admin.triage import Triage
from admin.triage_child import ChildFits
from complaints.clock import ManualClock
from complaints.errors import StoreUnavailable
from router.model import CategoryModel, Example
from store.database import Database
from store.fit_lock import fitting
from tests.conftest import START, postgres_schema
from tests.router.test_model import EXAMPLES

WITHIN = 120.0
"""A fit of the small training set, on cores the rest of the suite shares."""


class Waiting(logging.Handler):
    """Set when an instance says it waits for another's fit."""

    def __init__(self) -> None:
        super().__init__()
        self.event = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "another instance is fitting" in record.getMessage():
            self.event.set()


@pytest.fixture
def databases(postgres_admin_url: str) -> Iterator[tuple[Database, Database]]:
    with postgres_schema(postgres_admin_url) as url:
        pair = Database(url), Database(url)
        pair[0].upgrade()
        try:
            yield pair
        finally:
            for database in pair:
                database.close()


def test_instances_starting_together_fit_once(
    databases: tuple[Database, Database],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first instance's fit goes on only once the second waits for it, so the second has
    certainly found no model and the lock held; it then loads what the first stored."""
    monkeypatch.setattr(router.model, "_trained", {})
    waiting = Waiting()
    logging.getLogger("store.fit_lock").addHandler(waiting)
    fits: list[int] = []
    fit = ChildFits.fit

    def fit_once_the_other_waits(child_fits: ChildFits, examples: Sequence[Example]) -> bytes:
        fits.append(len(examples))
        assert waiting.event.wait(WITHIN), "the other instance did not wait for this fit"
        return fit(child_fits, examples)

    monkeypatch.setattr(ChildFits, "fit", fit_once_the_other_waits)
    settings = TriageSettings(model_cache="")

    def start(database: Database) -> CategoryModel | None:
        return Triage(database, ManualClock(START), EXAMPLES, settings).start()

    try:
        with caplog.at_level(logging.INFO), ThreadPoolExecutor(2) as threads:
            started = [threads.submit(start, database) for database in databases]
            models = [future.result(timeout=WITHIN) for future in started]
    finally:
        logging.getLogger("store.fit_lock").removeHandler(waiting)
    assert fits == [len(EXAMPLES)]
    assert "triage model loaded from the store after another instance fitted it" in caplog.text
    first, second = models
    assert first is not None and second is not None
    assert first.version == second.version == 1 and first.digest == second.digest
    for text in ("I was charged twice on my card", "the repair took a month"):
        assert second.suggest(text) == first.suggest(text)


def test_the_wait_for_another_fit_is_bounded(
    databases: tuple[Database, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance alive but stuck in its fit holds the lock: the other gives up after
    `WAIT_AT_MOST` with an error that says what to do, rather than waiting for ever."""
    monkeypatch.setattr(store.fit_lock, "WAIT_AT_MOST", timedelta(milliseconds=200))
    holder, waiter = databases
    with fitting(holder, "0" * 64) as waited:
        assert not waited
        with pytest.raises(StoreUnavailable, match="stop it"), fitting(waiter, "0" * 64):
            pytest.fail("the lock was taken while another instance held it")
    with fitting(waiter, "0" * 64) as waited:  # freed with the block: taken at once
        assert not waited
