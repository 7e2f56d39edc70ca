"""What the store needs at start, before anything is served: the schema upgraded, settings.toml's
rule set recorded as a version, and its departments and agents synced.

Instances that share a PostgreSQL store do this one at a time (`startup_lock`): two started
together on an empty database would both create the schema, and one would crash; the second
now waits, then finds the schema current and the rule set recorded."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from admin.rule_book import RuleBook, choose_at_start, rule_set_from_text
from complaints.clock import Clock
from router import RuleSet
from store import queries
from store.database import Database, Synchronous
from store.leadership import startup_lock

log = logging.getLogger(__name__)


def open_store(
    *,
    url: str,
    busy_timeout: timedelta,
    synchronous: Synchronous = "full",
    rules: RuleSet,
    rules_text: str,
    agents: Sequence[Any],
    clock: Clock,
) -> tuple[Database, RuleBook]:
    """The store, upgraded, and the rule book with the active rules: settings.toml's (`rules`,
    written as `rules_text`), or a newer version an admin published from the console."""
    database = Database(url, busy_timeout, synchronous=synchronous)
    try:
        with startup_lock(database):
            database.upgrade()
            now: datetime = clock.now()
            stored, settings_version = database.write_now(
                lambda s: choose_at_start(s, rules_text, now)
            )
            active = _active(rules, stored.source, stored.version or 0, settings_version)
            names = {key: department.names for key, department in active.departments.items()}
            database.write_now(lambda s: queries.sync_departments(s, names))
            database.write_now(lambda s: queries.sync_agents(s, agents))
    except BaseException:
        database.close()
        raise
    return database, RuleBook(database, clock, active, settings_version)


def _active(rules: RuleSet, source: str, version: int, settings_version: int) -> RuleSet:
    """The rules to route with: settings.toml's, unless the stored version is newer."""
    if version == settings_version:
        return replace(rules, version=settings_version)
    active = rule_set_from_text(source, version)
    log.warning(
        "routing rules: version %d, published from the console, is active; "
        "settings.toml's rules (version %d) are not used until they change",
        active.version,
        settings_version,
    )
    return active
