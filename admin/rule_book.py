"""Which routing rule set is in force, and changing it.

settings.toml and the console can both change the rules, so one rule decides which wins: the
newest change. At start, when settings.toml's routing tables differ from what the file held at
the previous start, the file was edited and its rules become active; otherwise the active
version stays, even when an admin published it from the console. The console shows which
version is active, where it came from, and whether settings.toml agrees.

A rule set is stored as the canonical JSON of its tables (departments, categories, routing,
rules); every published text is a numbered version, and each complaint records the version
that routed it. Equal tables are one version: publishing the rules of an earlier version (a
rollback, or an edit that undoes another) makes that version active again rather than
recording a copy, so a version number always names exactly one set of rules.

The console and the HTTP API change rules through `RuleBook`; the rule tables they see and
send, and the pure edits of them, are `admin.rule_tables`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from admin.rule_tables import (  # describe_change: tests import it from here too
    Tables,
    describe_change,
    full_rule,
    rules_of,
    to_toml,
    with_rule,
    with_rule_enabled,
    with_rule_moved,
    with_rule_replaced,
    with_rules,
    without_rule,
)
from admin.rule_versions import ActiveVersion, VersionInfo  # web/ imports them from here too
from complaints.clock import Clock
from complaints.errors import RuleError, UnknownRule
from router import RuleSet
from router.rules import (
    ROUTING_KEYS,
    Category,
    Department,
    canonical_text,
    load_rule_set,
)
from store import queries
from store.database import Database
from store.models import ActiveRules, RuleSetVersion
from store.queries.rule_sets import (
    activate_rule_set,
    active_rules,
    rule_set_version,
    rule_set_versions,
)

log = logging.getLogger(__name__)

SETTINGS_AUTHOR = "settings.toml"
"""Who `choose_at_start` records as having activated settings.toml's rules."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def tables_of(text: str) -> Tables:
    """The tables of a stored version's text."""
    stored = json.loads(text)
    return {key: stored.get(key) for key in ROUTING_KEYS}


def check(
    tables: Mapping[str, Any],
    source: str = "the new rule set",
    text: str = "",
    *,
    stored: bool = False,
) -> RuleSet:
    """Validate tables as the bot would at start; raise RuleError naming `source` and the
    reason (`text`, the TOML they were read from, lets the error name a line). `stored`: a
    version already accepted (`router.rules.load_rule_set`)."""
    data = {key: tables.get(key) or ({} if key != "rules" else []) for key in ROUTING_KEYS}
    return load_rule_set(data, Path(source), text, stored=stored)


def rule_set_from_text(text: str, version: int) -> RuleSet:
    """Build the rule set of a stored version (raises RuleError when it is not valid)."""
    rules = check(tables_of(text), f"rule set version {version}", stored=True)
    return replace(rules, version=version)


def tables_from_toml(text: str, source: str = "imported rules.toml") -> Tables:
    """Parse and validate TOML holding the routing tables; raise RuleError with the reason
    (and line) when it does not parse, holds other tables, or is not a valid rule set."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleError(
            "%(source)s: not valid TOML: %(error)s; fix it and import again",
            source=source,
            error=str(error),
        ) from None
    other = sorted(set(data) - set(ROUTING_KEYS))
    if other:
        raise RuleError(
            "%(source)s: only [routing], [departments.*], [categories.*] and [[rules]] can be "
            "imported; remove %(other)s",
            source=source,
            other=", ".join(other),
        )
    check(data, source, text)
    return {key: data.get(key) for key in ROUTING_KEYS}


# ---- the versions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSetView:
    """What the console and API show of a rule set: every rule with all its keys, and the
    categories and departments rules may name."""

    rules: list[dict[str, Any]]
    categories: Mapping[str, Category]
    departments: Mapping[str, Department]

    @classmethod
    def of(cls, tables: Mapping[str, Any]) -> RuleSetView:
        rules = check(tables, "the stored rule set")
        full = [full_rule(rule) for rule in rules_of(tables)]
        return cls(full, rules.categories, rules.departments)


def choose_at_start(
    session: Session, settings_text: str, now: datetime
) -> tuple[RuleSetVersion, int]:
    """Record settings.toml's rule set and decide which version is active; return the active
    version and settings.toml's version number (equal when the file's rules route)."""
    settings_version = queries.record_rule_set(session, settings_text, now)
    settings_digest = digest(settings_text)
    active = active_rules(session)
    if active is None or active.settings_digest != settings_digest:
        active = activate_rule_set(
            session,
            version=settings_version,
            at=now,
            by=SETTINGS_AUTHOR,
            settings_digest=settings_digest,
        )
    stored = rule_set_version(session, version=active.version)
    assert stored is not None
    return stored, settings_version


def _stored(session: Session, version: int) -> RuleSetVersion:
    found = rule_set_version(session, version=version)
    if found is None:
        raise UnknownRule(
            "there is no rule set version %(version)s; the version list shows them",
            version=version,
        )
    return found


class RuleBook:
    """The rule set routing now, its versions, and every change to it. A change stores a new
    version (or finds the equal one) and makes it active at once in this process: `current`
    is the one place every consumer (intake, sweeps, the outbox, the chat, accounts) reads the
    rules from, through the `lambda: rule_book.current` bot.py hands them. Invalid rules raise
    RuleError and change nothing. Each instance on one database holds its own `current`;
    `refresh`, run every `REFRESH_EVERY`, loads a version another instance activated."""

    REFRESH_EVERY = timedelta(seconds=5)
    """How soon every instance routes with a version published on another: one primary-key
    read of active_rules each time; the version's text is read only when it changed."""

    def __init__(
        self, database: Database, clock: Clock, rules: RuleSet, settings_version: int
    ) -> None:
        self.database = database
        self.clock = clock
        self.current = rules
        self.settings_version = settings_version

    # ---- reading ----

    async def refresh(self) -> bool:
        """Route with the active version when another instance changed it; True when it did.
        A version that no longer loads (RuleError) keeps the rules in force, with a warning."""
        seen = self.current

        def work(session: Session) -> RuleSet | None:
            active = active_rules(session)
            if active is None or active.version == seen.version:
                return None
            return rule_set_from_text(_stored(session, active.version).source, active.version)

        try:
            rules = await self.database.read(work)
        except RuleError as error:
            log.warning(
                "the active rule set cannot be loaded, version %d stays: %s", seen.version, error
            )
            return False
        if rules is None or self.current is not seen:  # unchanged, or changed here meanwhile
            return False
        self.current = rules
        log.info("rule set version %d is active (changed by another instance)", rules.version)
        return True

    async def active(self) -> ActiveVersion:
        return await self.database.read(self._active)

    def _active(self, session: Session) -> ActiveVersion:
        active = active_rules(session)
        assert active is not None
        stored = _stored(session, active.version)
        if active.changed_by == SETTINGS_AUTHOR:
            origin = "settings"
        elif (active.changed_at, active.changed_by) == (stored.created_at, stored.author):
            origin = stored.origin  # activated when it was recorded
        else:
            origin = "rollback"
        return ActiveVersion(
            active.version, origin, active.changed_at, active.changed_by, self.settings_version
        )

    async def tables(self, version: int | None = None) -> Tables:
        """The tables of `version` (default: the active one)."""

        def work(session: Session) -> Tables:
            number = version if version is not None else self._active(session).version
            return tables_of(_stored(session, number).source)

        return await self.database.read(work)

    async def versions(self) -> list[VersionInfo]:
        """Every stored version, newest first."""

        def work(session: Session) -> list[VersionInfo]:
            active = active_rules(session)
            return [
                VersionInfo(*row, active is not None and row.version == active.version)
                for row in rule_set_versions(session)
            ]

        return await self.database.read(work)

    async def version(self, version: int) -> VersionInfo:
        """One stored version's details (UnknownRule when there is none)."""

        def work(session: Session) -> VersionInfo:
            stored = _stored(session, version)
            active = active_rules(session)
            is_active = active is not None and active.version == version
            return VersionInfo(
                version, stored.origin, stored.author, stored.note, stored.created_at, is_active
            )

        return await self.database.read(work)

    async def export_toml(self, version: int | None = None) -> str:
        """The active rule set (or `version`) as TOML to paste into settings.toml."""

        def work(session: Session) -> str:
            number = version if version is not None else self._active(session).version
            return to_toml(tables_of(_stored(session, number).source), number)

        return await self.database.read(work)

    # ---- changing ----

    async def add_rule(
        self, rule: Mapping[str, Any], author: str, position: int | None = None
    ) -> ActiveVersion:
        where = "last" if position is None else f"at position {position}"
        return await self.change(
            lambda tables: with_rule(tables, rule, position),
            author,
            note=f"added rule {rule.get('name')!r} {where}",
        )

    async def replace_rule(self, name: str, rule: Mapping[str, Any], author: str) -> ActiveVersion:
        return await self.change(
            lambda tables: with_rule_replaced(tables, name, rule), author, describe=True
        )

    async def move_rule(self, name: str, position: int, author: str) -> ActiveVersion:
        return await self.change(
            lambda tables: with_rule_moved(tables, name, position),
            author,
            note=f"moved rule {name!r} to position {position}",
        )

    async def enable_rule(self, name: str, enabled: bool, author: str) -> ActiveVersion:
        return await self.change(
            lambda tables: with_rule_enabled(tables, name, enabled),
            author,
            note=f"{'enabled' if enabled else 'disabled'} rule {name!r}",
        )

    async def remove_rule(self, name: str, author: str) -> ActiveVersion:
        return await self.change(
            lambda tables: without_rule(tables, name), author, note=f"deleted rule {name!r}"
        )

    async def replace_rules(self, rules: Sequence[Mapping[str, Any]], author: str) -> ActiveVersion:
        return await self.change(
            lambda tables: with_rules(tables, rules),
            author,
            note="replaced the rule list",
            describe=True,
        )

    async def import_toml(self, text: str, author: str) -> ActiveVersion:
        """Validate TOML routing tables and make them the active rules (origin import)."""
        imported = tables_from_toml(text)
        return await self.change(
            lambda _: imported, author, origin="import", note="imported TOML", describe=True
        )

    async def publish(self, text: str, author: str, origin: str, note: str = "") -> RuleSet:
        """Make the rule set of `text` (canonical JSON) active; returns the rules in force."""
        await self.change(lambda _: tables_of(text), author, origin=origin, note=note)
        return self.current

    async def change(
        self,
        edit: Callable[[Tables], Tables],
        author: str,
        *,
        origin: str = "console",
        note: str = "",
        describe: bool = False,
    ) -> ActiveVersion:
        """Apply `edit` to the active tables, validate, store and activate, in one transaction
        (two admins' changes apply one after the other, none is lost). `describe` appends
        what changed to the note. Tables equal to the active ones change nothing."""
        now = self.clock.now()

        def work(session: Session) -> tuple[ActiveVersion, RuleSet | None]:
            active = active_rules(session, for_update=True)
            assert active is not None
            before = tables_of(_stored(session, active.version).source)
            after = edit(before)
            rules = check(after)
            detail = describe_change(before, after) if describe else ""
            summary = ": ".join(part for part in (note, detail) if part)
            text = canonical_text(after)
            version = queries.record_rule_set(session, text, now, origin, author, summary)
            return self._activate(session, active, replace(rules, version=version), author, now)

        return self._activated(await self.database.write(work))

    async def rollback(self, version: int, author: str) -> ActiveVersion:
        """Make an earlier version active again. It keeps its number (a version names one set of
        rules); the activation shows as origin rollback. Complaints keep the version that
        routed them."""
        now = self.clock.now()

        def work(session: Session) -> tuple[ActiveVersion, RuleSet | None]:
            active = active_rules(session, for_update=True)
            assert active is not None
            rules = rule_set_from_text(_stored(session, version).source, version)
            return self._activate(session, active, rules, author, now)

        return self._activated(await self.database.write(work))

    def _activate(
        self, session: Session, active: ActiveRules, rules: RuleSet, author: str, now: datetime
    ) -> tuple[ActiveVersion, RuleSet | None]:
        """Point ActiveRules at `rules.version`; None instead of the rules when it already was."""
        if rules.version == active.version:
            return self._active(session), None
        activate_rule_set(session, version=rules.version, at=now, by=author)
        queries.sync_departments(session, {key: d.names for key, d in rules.departments.items()})
        return self._active(session), rules

    def _activated(self, outcome: tuple[ActiveVersion, RuleSet | None]) -> ActiveVersion:
        """After the commit: newly active rules route from the next message on."""
        activated, rules = outcome
        if rules is not None:
            self.current = rules
        return activated
