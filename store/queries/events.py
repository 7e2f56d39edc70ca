"""Complaint timelines: every change to a complaint appends an event (the audit trail)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from store.direct import DirectInsert
from store.models import Event
from store.queries.tables import EVENTS

_INSERT_EVENTS = DirectInsert(EVENTS)


def add_events(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append to timelines: each row has complaint_id, at, actor, kind and detail."""
    _INSERT_EVENTS.rows(session, rows)


def add_event(
    session: Session,
    complaint_id: int,
    at: datetime,
    actor: str,
    kind: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    add_events(
        session,
        [
            {
                "complaint_id": complaint_id,
                "at": at,
                "actor": actor,
                "kind": kind,
                "detail": dict(detail or {}),
            }
        ],
    )


def events_of_complaints(session: Session, *, complaint_ids: Sequence[int]) -> list[Event]:
    """The events of these complaints, oldest first."""
    return list(
        session.exec(
            select(Event).where(col(Event.complaint_id).in_(complaint_ids)).order_by(col(Event.id))
        )
    )


def timeline_events(session: Session, *, complaint_id: int) -> list[Event]:
    """The complaint's events in the order they happened."""
    return list(
        session.exec(
            select(Event)
            .where(Event.complaint_id == complaint_id)
            .order_by(col(Event.at), col(Event.id))
        )
    )


def events_of_kind(session: Session, *, complaint_id: int, kind: str) -> list[Event]:
    """The complaint's events of one kind, oldest first."""
    return list(
        session.exec(
            select(Event)
            .where(Event.complaint_id == complaint_id, Event.kind == kind)
            .order_by(col(Event.id))
        )
    )
