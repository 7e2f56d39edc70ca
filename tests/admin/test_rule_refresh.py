"""Several instances on one store route with the same rules: a version published on one is
loaded by the others' `RuleBook.refresh`, which bot.py runs every `RuleBook.REFRESH_EVERY`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from admin.rule_book import RuleBook, choose_at_start, rule_set_from_text
from complaints.clock import ManualClock
from config import load_settings
from store.database import Database
from store.queries.rule_sets import activate_rule_set, record_rule_set
from tests.conftest import ROOT, START, signed
from tests.web.conftest import RULES_ONLY

SHIPPED = load_settings(ROOT / "settings.toml").rules_text
FLUX = {"name": "flux", "keywords": ["flux capacitor"], "category": "safety"}
TEXT = "The flux capacitor I bought hums all night."


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'rules.db'}")
    database.upgrade()
    yield database
    database.close()


def instance(database: Database) -> RuleBook:
    """One bot's rule book, as bot.open_store builds it at start."""
    stored, settings_version = database.write_now(
        lambda session: choose_at_start(session, SHIPPED, START)
    )
    rules = rule_set_from_text(stored.source, stored.version or 0)
    return RuleBook(database, ManualClock(START), rules, settings_version)


async def test_a_version_published_on_one_instance_is_loaded_by_the_others(
    database: Database,
) -> None:
    a, b = instance(database), instance(database)
    before = b.current.version
    published = await a.add_rule(FLUX, "admin")
    assert b.current.version == before  # until it looks
    assert (await b.active()).version == published.version
    assert await b.refresh() is True
    assert b.current.version == published.version == a.current.version
    assert "flux" in [rule.name for rule in b.current.rules]
    assert await b.refresh() is False  # nothing new: the text is not read again
    await a.rollback(before, "admin")
    assert await b.refresh() is True
    assert b.current.version == before
    assert "flux" not in [rule.name for rule in b.current.rules]


async def test_an_active_version_that_no_longer_loads_keeps_the_rules_in_force(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    book = instance(database)
    before = book.current

    def activate_broken(session: Any) -> None:
        version = record_rule_set(session, '{"rules": [{"name": "no condition"}]}', START)
        activate_rule_set(session, version=version, at=START, by="someone")

    database.write_now(activate_broken)
    with caplog.at_level(logging.WARNING, logger="admin.rule_book"):
        assert await book.refresh() is False
    assert book.current is before
    assert f"version {before.version} stays" in caplog.text


# ---- two bots on one store -----------------------------------------------------------------


async def complain(bot: Any, id_: str, text: str) -> dict[str, Any]:
    """A new complaint from its own customer (one customer's same words within the hour
    would join the first complaint as a resend)."""
    raw, headers = signed({"id": id_, "customer": {"id": f"c-{id_}"}, "text": text})
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        response = await client.post("/webhook/shop", content=raw, headers=headers)
    assert response.status_code == 202, response.text
    return dict(response.json())


async def active_version_shown(bot: Any) -> int:
    """What `GET /api/rules` on this instance says is active."""
    accounts = bot.app.state.services.accounts
    admin = await accounts.create(f"admin-{bot.served.port}", "admin", (), None, "")
    _, token = await accounts.issue_token(admin.id or 0, "tests")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=bot.url, headers=headers, timeout=10) as client:
        response = await client.get("/api/rules")
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


async def test_two_bots_on_one_store_route_with_the_rules_published_on_either(
    start_bot: Any, store_url: str
) -> None:
    overrides = {"store": {"url": store_url}, **RULES_ONLY}
    a = await start_bot(overrides, ManualClock(START), background=False)
    b = await start_bot(overrides, ManualClock(START), background=False)
    book_a: RuleBook = a.app.state.services.rule_book
    book_b: RuleBook = b.app.state.services.rule_book
    published = await book_a.add_rule(FLUX, "admin")
    assert (await complain(b, "m-1", TEXT))["category"] == "other"  # B has not looked yet
    assert await book_b.refresh() is True
    assert book_b.current.version == published.version == await active_version_shown(b)
    assert (await complain(b, "m-2", TEXT))["category"] == "safety"


async def test_a_running_bot_picks_up_another_instances_rules_by_itself(
    start_bot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    refreshed = asyncio.Event()
    original = RuleBook.refresh

    async def refresh(book: RuleBook) -> bool:
        changed = await original(book)
        if changed:
            refreshed.set()
        return changed

    monkeypatch.setattr(RuleBook, "refresh", refresh)
    monkeypatch.setattr(RuleBook, "REFRESH_EVERY", timedelta(milliseconds=100))
    a = await start_bot(background=False)
    b = await start_bot()  # its scheduler refreshes the rules
    published = await a.app.state.services.rule_book.add_rule(FLUX, "admin")
    async with asyncio.timeout(10):
        await refreshed.wait()
    assert b.app.state.services.rule_book.current.version == published.version
    assert (await complain(b, "m-1", TEXT))["category"] == "safety"
