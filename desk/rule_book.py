"""Which routing rule set is in force, and changing it.

settings.toml and the console can both change the rules, so one rule decides which wins: the
newest change. At start, when settings.toml's routing tables differ from what the file held at
the previous start, the file was edited and its rules become active; otherwise the active
version stays, even when an admin published it from the console. The console shows which
version is active, where it came from, and whether settings.toml agrees.

A rule set is stored as the canonical JSON of its tables (departments, categories, routing,
rules); every published text is a numbered version, and each complaint records the version
that routed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from desk.clock import Clock
from router import RuleSet
from router.rules import load_rule_set
from store import queries
from store.database import Database
from store.models import ActiveRules, RuleSetVersion

ROUTING_KEYS = ("departments", "categories", "routing", "rules")


def canonical_text(tables: dict[str, Any]) -> str:
    """The stored form of a rule set: equal tables give equal text, hence one version."""
    return json.dumps(
        {key: tables.get(key) for key in ROUTING_KEYS},
        sort_keys=True,
        ensure_ascii=False,
        indent=1,
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rule_set_from_text(text: str, version: int) -> RuleSet:
    """Build the rule set of a stored version (raises RuleError when it is not valid)."""
    tables = json.loads(text)
    data = {key: tables.get(key) or ({} if key != "rules" else []) for key in ROUTING_KEYS}
    return replace(load_rule_set(data, Path(f"rule set version {version}"), text), version=version)


@dataclass(frozen=True)
class ActiveVersion:
    version: int
    origin: str
    changed_at: datetime
    changed_by: str
    settings_version: int
    """The version settings.toml holds; differs from `version` when the console's wins."""


def choose_at_start(
    session: Session, settings_text: str, now: datetime
) -> tuple[RuleSetVersion, bool]:
    """Record settings.toml's rule set and decide which version is active; True when the
    settings file's version is the active one."""
    settings_version = queries.record_rule_set(session, settings_text, now)
    settings_digest = digest(settings_text)
    active = session.get(ActiveRules, 1)
    if active is None or active.settings_digest != settings_digest:
        active = active or ActiveRules(id=1, version=settings_version, settings_digest="")
        active.version, active.settings_digest = settings_version, settings_digest
        active.changed_at, active.changed_by = now, "settings.toml"
        session.add(active)
    stored = session.get(RuleSetVersion, active.version)
    assert stored is not None
    return stored, active.version == settings_version


class RuleBook:
    """The rule set routing now. `publish` stores a new version and makes it active at once in
    this process: every listener (intake, sweeps, chat) gets the new rules."""

    def __init__(
        self, database: Database, clock: Clock, rules: RuleSet, settings_version: int
    ) -> None:
        self.database = database
        self.clock = clock
        self.current = rules
        self.settings_version = settings_version
        self.listeners: list[Callable[[RuleSet], None]] = []

    def listen(self, listener: Callable[[RuleSet], None]) -> None:
        self.listeners.append(listener)

    async def active(self) -> ActiveVersion:
        def work(session: Session) -> ActiveVersion:
            active = session.get(ActiveRules, 1)
            assert active is not None
            stored = session.get(RuleSetVersion, active.version)
            assert stored is not None
            return ActiveVersion(
                active.version,
                stored.origin,
                active.changed_at,
                active.changed_by,
                self.settings_version,
            )

        return await self.database.read(work)

    async def publish(self, text: str, author: str, origin: str, note: str = "") -> RuleSet:
        """Validate `text` (canonical JSON), store it as a version (or reuse the equal one) and
        make it active. Raises RuleError, changing nothing, when it is not valid."""
        rule_set_from_text(text, 0)  # validate before anything is written
        now = self.clock.now()

        def work(session: Session) -> int:
            version = queries.record_rule_set(session, text, now, origin, author, note)
            active = session.get(ActiveRules, 1)
            assert active is not None
            active.version, active.changed_at, active.changed_by = version, now, author
            session.add(active)
            return version

        version = await self.database.write(work)
        rules = rule_set_from_text(text, version)
        self.current = rules
        for listener in self.listeners:
            listener(rules)
        return rules
