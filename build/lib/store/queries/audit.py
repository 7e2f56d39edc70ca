"""The audit log of staff-side changes: accounts, tokens, refused logins, customer exports and
erasures (append-only; rows name accounts and customers by id)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from store.models import AuditEvent


def record_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(at=at, actor=actor, action=action, target=target, detail=dict(detail or {}))
    )


def audit_page(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[AuditEvent]:
    """Newest first; only `action` and/or `actor` when given."""
    query = select(AuditEvent)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    return list(session.exec(query.offset(offset).limit(limit)))
