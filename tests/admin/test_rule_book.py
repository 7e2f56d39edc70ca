"""The rule book on a real SQLite store: which version wins at start, changes that are not lost,
and the conversions between rule tables, the console's view and TOML."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from admin.rule_book import (
    RuleBook,
    canonical_text,
    check,
    choose_at_start,
    describe_change,
    rule_set_from_text,
    tables_from_toml,
    tables_of,
)
from admin.rule_tables import (
    compact_rule,
    full_rule,
    to_toml,
    with_rule,
    with_rule_moved,
    with_rules,
)
from complaints.clock import ManualClock
from complaints.errors import RuleChangeRefused, RuleError, UnknownRule
from config import load_settings
from store.database import Database
from tests.conftest import ROOT, START

SHIPPED = load_settings(ROOT / "settings.toml").rules_text
FLUX = {"name": "flux", "keywords": ["flux capacitor"], "category": "safety"}


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'rules.db'}")
    database.upgrade()
    yield database
    database.close()


def start(
    database: Database, settings_text: str, clock: ManualClock | None = None
) -> tuple[RuleBook, bool]:
    """What bot.open_store does at start: record settings.toml's rules, let one version win."""
    stored, settings_version = database.write_now(
        lambda session: choose_at_start(session, settings_text, START)
    )
    rules = rule_set_from_text(stored.source, stored.version or 0)
    book = RuleBook(database, clock or ManualClock(START), rules, settings_version)
    return book, stored.version == settings_version


async def test_a_console_version_survives_a_restart_until_settings_toml_is_edited(
    database: Database,
) -> None:
    clock = ManualClock(START)
    book, from_settings = start(database, SHIPPED, clock)
    assert from_settings and book.current.version == 1
    assert (await book.active()).origin == "settings"

    clock.advance(timedelta(hours=1))
    changed = await book.add_rule(FLUX, "Root", position=1)
    assert (changed.version, changed.origin, changed.agrees_with_settings) == (2, "console", False)

    book, from_settings = start(database, SHIPPED)  # restart, settings.toml unchanged
    assert not from_settings and book.current.version == 2
    assert book.current.rules[0].name == "flux"
    active = await book.active()
    assert (active.version, active.settings_version, active.changed_by) == (2, 1, "Root")
    assert "until settings.toml's routing tables are edited" in active.which_wins

    edited = tables_of(SHIPPED) | {
        "routing": {"default_category": "other", "default_grade": "important"}
    }
    book, from_settings = start(database, canonical_text(edited))  # the file was edited
    assert from_settings and book.current.version == 3
    assert book.current.default_grade == "important"
    active = await book.active()
    assert (active.origin, active.changed_by, active.agrees_with_settings) == (
        "settings",
        "settings.toml",
        True,
    )

    book, from_settings = start(database, canonical_text(edited))  # and restarted again
    assert from_settings and book.current.version == 3


async def test_concurrent_changes_are_both_kept_and_current_follows_them(
    database: Database,
) -> None:
    book, _ = start(database, SHIPPED)
    await asyncio.gather(
        book.add_rule(FLUX, "Ann"), book.add_rule({**FLUX, "name": "flux 2"}, "Bob")
    )
    names = [rule["name"] for rule in (await book.tables())["rules"]]
    assert names[-2:] in (["flux", "flux 2"], ["flux 2", "flux"])
    assert book.current.version == 3
    assert [rule.name for rule in book.current.rules][-2:] == names[-2:]

    with pytest.raises(RuleError, match="bad regular expression"):
        await book.add_rule({**FLUX, "name": "bad", "pattern": "("}, "Ann")
    with pytest.raises(UnknownRule, match="no rule named 'nope'"):
        await book.move_rule("nope", 1, "Ann")
    with pytest.raises(UnknownRule, match="no rule set version 42"):
        await book.rollback(42, "Ann")
    assert [v.version for v in await book.versions()] == [3, 2, 1]
    assert book.current.version == 3  # refused changes leave the rules in force alone

    rolled = await book.rollback(1, "Ann")
    assert (rolled.version, rolled.origin) == (1, "rollback") and book.current.version == 1
    assert "flux" not in [rule.name for rule in book.current.rules]
    assert await book.rollback(1, "Ann") == rolled  # already active: nothing happens
    assert book.current.version == 1


def test_rule_tables_compact_and_full_forms() -> None:
    shipped = tables_of(SHIPPED)
    for rule in shipped["rules"]:
        assert compact_rule(full_rule(rule)) == rule  # settings.toml writes only non-defaults
    full = full_rule({"name": "x", "keywords": "one", "tags": ["t"]})
    assert full["keywords"] == ["one"] and full["fields"] == ["subject", "text"]
    assert full["enabled"] is True and full["repeat"] is None and next(iter(full)) == "name"
    assert compact_rule({**full, "colour": "red"}) == {
        "name": "x",
        "keywords": ["one"],
        "tags": ["t"],
        "colour": "red",
    }

    as_read = [full_rule(rule) for rule in shipped["rules"]]
    assert with_rules(shipped, as_read) == shipped  # sent back unchanged: stored form kept
    reordered = with_rule_moved(shipped, "privacy", 1)
    assert describe_change(shipped, reordered) == "reordered"
    added = with_rule(shipped, FLUX, position=2)
    assert added["rules"][1] == FLUX and describe_change(shipped, added) == "added 'flux'"
    with pytest.raises(RuleChangeRefused, match="between 1 and"):
        with_rule(shipped, FLUX, position=len(shipped["rules"]) + 2)
    with pytest.raises(UnknownRule):
        with_rule_moved(shipped, "nope", 1)


def test_toml_round_trip_and_refusals() -> None:
    shipped = tables_of(SHIPPED)
    text = to_toml(shipped, 1)
    assert tables_from_toml(text) == shipped
    assert canonical_text(tables_from_toml(text)) == SHIPPED
    assert check(tables_from_toml(text)) == check(shipped)

    with pytest.raises(RuleError, match="not valid TOML"):
        tables_from_toml("[routing")
    with pytest.raises(RuleError, match="remove store"):
        tables_from_toml("[store]\n" + text)
    broken = text.replace('category = "privacy"', 'category = "secrets"')
    with pytest.raises(RuleError, match=r"imported rules.toml:\d+: rule 'privacy'"):
        tables_from_toml(broken)
    assert json.loads(SHIPPED)["rules"] == shipped["rules"]


def test_a_stored_version_from_before_the_new_rule_checks_still_loads() -> None:
    """A version published before the checks for new rules (a condition, nested repeats, sizes)
    must not stop the bot after an upgrade; the same tables as a new change are refused."""
    old_rules = [
        {"name": "everything", "category": "other"},
        {"name": "nested", "pattern": "(a+)+$", "category": "safety"},
        {"name": "x" * 300, "keywords": ["flux capacitor"], "category": "safety"},
    ]
    tables = {**tables_of(SHIPPED), "rules": old_rules}
    text = canonical_text(tables)
    rules = rule_set_from_text(text, 7)
    assert [rule.name for rule in rules.rules][:2] == ["everything", "nested"]
    assert rules.version == 7
    with pytest.raises(RuleError, match="no condition"):
        check(tables)
