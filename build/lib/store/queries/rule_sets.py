"""Routing rule sets: every published text is a numbered version; one row says which version
is active; the departments table follows the active rules."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from store.models import ActiveRules, Department, RuleSetVersion
from store.queries.tables import RULE_SETS

_ACTIVE = 1
"""The one row of active_rules."""


class VersionRow(NamedTuple):
    """A stored version without its text."""

    version: int
    origin: str
    author: str
    note: str
    created_at: datetime


def record_rule_set(
    session: Session,
    source: str,
    now: datetime,
    origin: str = "settings",
    author: str = "",
    note: str = "",
) -> int:
    """The version number of this rule set text, recording it as a new version when unseen."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    found = session.exec(select(RuleSetVersion).where(RuleSetVersion.digest == digest)).first()
    if found is None:
        found = RuleSetVersion(
            digest=digest, source=source, created_at=now, origin=origin, author=author, note=note
        )
        session.add(found)
        session.flush()
    assert found.version is not None
    return found.version


def rule_set_version(session: Session, *, version: int) -> RuleSetVersion | None:
    return session.get(RuleSetVersion, version)


def rule_set_versions(session: Session) -> list[VersionRow]:
    """Every stored version, newest first, without loading their texts."""
    rows = session.connection().execute(
        sa.select(
            RULE_SETS.c.version,
            RULE_SETS.c.origin,
            RULE_SETS.c.author,
            RULE_SETS.c.note,
            RULE_SETS.c.created_at,
        ).order_by(RULE_SETS.c.version.desc())
    )
    return [VersionRow(version or 0, *rest) for version, *rest in rows]


def active_rules(session: Session, *, for_update: bool = False) -> ActiveRules | None:
    """The row naming the active version; `for_update` locks it, so two changes apply one
    after the other."""
    return session.get(ActiveRules, _ACTIVE, with_for_update=for_update or None)


def activate_rule_set(
    session: Session, *, version: int, at: datetime, by: str, settings_digest: str | None = None
) -> ActiveRules:
    """Make `version` the active one (recording who and when; `settings_digest` when it is
    settings.toml's rule set that becomes active)."""
    active = session.get(ActiveRules, _ACTIVE)
    if active is None:
        active = ActiveRules(id=_ACTIVE, version=version, settings_digest="")
    active.version, active.changed_at, active.changed_by = version, at, by
    if settings_digest is not None:
        active.settings_digest = settings_digest
    session.add(active)
    return active


def sync_departments(session: Session, names: Mapping[str, Mapping[str, str]]) -> None:
    """Make the departments table match settings: add new ones, update names, keep old keys
    (complaints still refer to them)."""
    for key, labels in names.items():
        department = session.get(Department, key)
        if department is None:
            session.add(Department(key=key, names=dict(labels)))
        elif department.names != dict(labels):
            department.names = dict(labels)


def department_keys(session: Session) -> list[str]:
    """Every department key complaints may name, in key order."""
    return sorted(session.exec(select(Department.key)))
