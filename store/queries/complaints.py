"""Complaints: finding them (by number, by the customer's references), opening them, and
moving their status with an event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from complaints.errors import ChangedMeanwhile
from complaints.numbers import complaint_number
from complaints.workflow import check
from store.direct import Direct, DirectInsert
from store.folding import fold_fields
from store.models import SEARCHED, ChatState, Complaint, Message
from store.queries.events import add_event, add_events
from store.queries.outbox import expire_loaded
from store.queries.tables import COMPLAINTS, EVENTS, MESSAGES, OUTBOX, SOLUTIONS, with_defaults

_COMPLAINT_TIMES = Direct(
    sa.select(COMPLAINTS.c.created_at).where(
        COMPLAINTS.c.customer_id == sa.bindparam("customer_id"),
        COMPLAINTS.c.created_at >= sa.bindparam("since", type_=COMPLAINTS.c.created_at.type),
    )
)
_TIMELINE = (MESSAGES, EVENTS, SOLUTIONS, OUTBOX)
"""What a complaint's timeline is made of: rows that follow it when it is merged."""
_INSERT_COMPLAINT = DirectInsert(COMPLAINTS)
_LAST_ID = Direct(sa.select(sa.func.coalesce(sa.func.max(COMPLAINTS.c.id), 0)))
_NEXT_ID = Direct(sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence("complaints", "id"))))
_NEXT_ID_KEY = "complaints.next_id"
"""Where a SQLite transaction keeps the next free complaint id (see `_next_complaint_id`)."""


def complaint_by_id(session: Session, *, complaint_id: int) -> Complaint | None:
    return session.get(Complaint, complaint_id)


def complaint_by_number(session: Session, number: str) -> Complaint | None:
    return session.exec(select(Complaint).where(Complaint.number == number)).first()


def set_if_unchanged(
    session: Session, complaint: Complaint, changes: Mapping[str, tuple[str, str]]
) -> bool:
    """Compare-and-set: give each named column its new value only if every one of them still
    holds its old value in the database (`{"assignee": ("", "Wang")}`), in ONE conditional
    UPDATE, so two people who read the same values cannot both write: on PostgreSQL the
    second UPDATE waits for the first one's row lock, then finds the row changed and writes
    nothing (a read, then a write, would let both through). False when the row changed
    meanwhile; `complaint` carries the new values after True. "" and NULL are both empty."""
    session.flush()  # the caller's pending changes first: they are not this statement's
    conditions = [COMPLAINTS.c.id == complaint.id]
    for name, (old, _) in changes.items():
        column = COMPLAINTS.c[name]
        conditions.append(sa.func.coalesce(column, "") == (old or ""))
    values = {name: new for name, (_, new) in changes.items()}
    searched = SEARCHED[Complaint]
    if any(name in searched for name in values):  # the ORM's listener does not see Core
        values["search_text"] = fold_fields(
            {field: values.get(field, getattr(complaint, field)) for field in searched}, searched
        )
    written = session.execute(sa.update(COMPLAINTS).where(*conditions).values(values))
    if getattr(written, "rowcount", 0) != 1:
        return False
    for name, new in values.items():
        set_committed_value(complaint, name, new)
    return True


def complaint_of_customer(
    session: Session, customer_id: int, numbers: Iterable[str]
) -> Complaint | None:
    """The first of `numbers` that is one of this customer's complaints; others are ignored."""
    wanted = list(numbers)
    if not wanted:
        return None
    found = {
        complaint.number: complaint
        for complaint in session.exec(
            select(Complaint).where(
                col(Complaint.number).in_(wanted), Complaint.customer_id == customer_id
            )
        )
    }
    return next((found[number] for number in wanted if number in found), None)


def complaint_by_references(
    session: Session, channel: str, customer_id: int, references: Sequence[str]
) -> Complaint | None:
    """The customer's complaint holding a message whose transport id is among `references`."""
    if not references:
        return None
    return session.exec(
        select(Complaint)
        .join(Message, col(Message.complaint_id) == Complaint.id)
        .where(
            Message.channel == channel,
            col(Message.external_id).in_(list(references)),
            Complaint.customer_id == customer_id,
        )
        .order_by(col(Complaint.id).desc())
    ).first()


def complaints_of_customer(session: Session, *, customer_id: int) -> list[Complaint]:
    """All the customer's complaints, oldest first."""
    return list(
        session.exec(
            select(Complaint)
            .where(Complaint.customer_id == customer_id)
            .order_by(col(Complaint.id))
        )
    )


def complaint_times(session: Session, customer_id: int, since: datetime) -> tuple[datetime, ...]:
    rows = _COMPLAINT_TIMES.rows(session, {"customer_id": customer_id, "since": since})
    return tuple(created for (created,) in rows)


def open_complaint(session: Session, values: Mapping[str, Any]) -> tuple[int, str]:
    """Insert a complaint with its human number in one INSERT; return its id and number.

    The number is made of the id, so the id is chosen first (`_next_complaint_id`) rather
    than read back from the INSERT and written again by an UPDATE (the costliest pair of
    statements on intake's hot path)."""
    complaint_id = _next_complaint_id(session)
    number = complaint_number(complaint_id, values["created_at"].year)
    row = with_defaults(Complaint, values)
    _INSERT_COMPLAINT.rows(session, [{**row, "id": complaint_id, "number": number}])
    return complaint_id, number


def _next_complaint_id(session: Session) -> int:
    """The id the next complaint gets: what the database would have given it.

    PostgreSQL: the table's sequence (several instances share it). SQLite: the highest id
    plus one, as SQLite itself assigns it, read once per transaction and counted on from
    there: a writer's transaction holds the database's only write lock (BEGIN IMMEDIATE) and
    every complaint is inserted here, so nobody else takes an id meanwhile. A savepoint rolled
    back after taking one leaves a gap, which numbers allow (they only never repeat)."""
    if session.get_bind().dialect.name != "sqlite":
        return int(_NEXT_ID.scalar(session, {}))
    transaction = session.connection().get_transaction()
    cached = session.info.get(_NEXT_ID_KEY)
    if cached is None or cached[0] is not transaction:
        cached = (transaction, int(_LAST_ID.scalar(session, {})) + 1)
    session.info[_NEXT_ID_KEY] = (transaction, cached[1] + 1)
    return int(cached[1])


def change_status(
    session: Session, complaint: Complaint, target: str, actor: str, why: str, now: datetime
) -> bool:
    """Move `complaint` from the status this transaction read to `target`, with its event;
    False when it already is there.

    A compare-and-set, as `set_if_unchanged` is: ONE conditional UPDATE on the status read,
    so of two writers who read the same status (an agent resolving while another rejects,
    the closing sweep while the customer answers the survey) only the first moves it. On
    PostgreSQL the second one's UPDATE waits for the first one's row lock, finds the status
    changed and writes nothing; a read, then a write, let both through, each with its event
    and its message to the customer. The loser hears `ChangedMeanwhile` before the event or
    anything its caller writes after this: call it before the other writes of the action."""
    source = complaint.status
    if source == target:
        return False
    check(source, target)
    moved = session.execute(
        sa.update(COMPLAINTS)
        .where(COMPLAINTS.c.id == complaint.id, COMPLAINTS.c.status == source)
        .values(status=target, updated_at=now)
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise changed_meanwhile(session, complaint)
    set_committed_value(complaint, "status", target)
    set_committed_value(complaint, "updated_at", now)
    add_event(
        session,
        complaint.id or 0,
        now,
        actor,
        "status_changed",
        {"from": source, "to": target, "why": why},
    )
    return True


ROUND_FIELDS: Mapping[str, object] = {
    "resolved_at": None,
    "resolution_summary": "",
    "survey_score": None,
    "survey_comment": "",
    "survey_answered_at": None,
}
"""What a resolution and its satisfaction survey set: true of one round only. The timeline
keeps each round (the `resolved` status change with the summary as its `why` and its time,
the `survey_answered` event with the score, the customer's answer as a message)."""


def reopen_complaint(
    session: Session, complaint: Complaint, *, actor: str, why: str, now: datetime
) -> None:
    """Reopen a finished complaint (`change_status` to "reopened", first, so a writer who
    moved it meanwhile refuses this before anything else is written) and end its round: an
    open complaint has no current resolution or score, so neither the API nor the console
    shows the earlier one as if it still stood, and the next resolution starts from blank (a
    survey answered after it is that round's alone). The root cause stays: it is about the
    problem, and the next resolution keeps it unless it names another."""
    change_status(session, complaint, "reopened", actor, why, now)
    for field, blank in ROUND_FIELDS.items():
        setattr(complaint, field, blank)


def changed_meanwhile(session: Session, complaint: Complaint) -> ChangedMeanwhile:
    """The refusal of a compare-and-set on `complaint` that another writer's change beat. The
    complaint is reloaded (expired), so whoever decides again reads what it is now."""
    number = complaint.number or ""
    session.expire(complaint)
    return ChangedMeanwhile(
        "%(number)s was changed by someone else meanwhile (it is now %(status)s): reload it "
        "and decide again",
        number=number,
        status=complaint.status,
    )


def hold_status(session: Session, *complaints: Complaint) -> None:
    """Lock these complaints' rows for this transaction if their statuses are still the ones
    it read, in the order of their ids (two transactions holding the same two cannot wait
    for each other); `ChangedMeanwhile` when one changed. An action that changes a status
    only after other writes (a merge moves the timeline first) holds it first: its later
    `change_status` cannot lose, and nobody else's can win meanwhile."""
    for complaint in sorted(complaints, key=lambda held: held.id or 0):
        status = complaint.status
        if not set_if_unchanged(session, complaint, {"status": (status, status)}):
            raise changed_meanwhile(session, complaint)


def move_timeline(session: Session, *, source_id: int, target_id: int) -> None:
    """Move the source complaint's messages, events, solutions and deliveries to the target,
    keeping their times, so its timeline reads as one; a Telegram conversation on the source
    continues on the target."""
    for table in _TIMELINE:
        session.execute(
            sa.update(table).where(table.c.complaint_id == source_id).values(complaint_id=target_id)
        )
    session.execute(
        sa.update(ChatState)
        .where(col(ChatState.complaint_id) == source_id)
        .values(complaint_id=target_id)
    )


def change_statuses(
    session: Session,
    *,
    complaint_ids: Sequence[int],
    source: str,
    target: str,
    actor: str,
    why: str,
    now: datetime,
) -> list[int]:
    """Move those of these complaints that are in `source` to `target`, each with its event,
    in two statements for the whole batch; the ids moved. The UPDATE itself picks them by
    `source` (a compare-and-set, as `change_status`), so one that another writer moved
    meanwhile keeps that writer's status: on PostgreSQL the UPDATE waits for its row lock,
    then finds it changed (a SELECT of the ids, then an UPDATE of those ids, overwrote it)."""
    if not complaint_ids:
        return []
    check(source, target)
    moved = list(
        session.connection().scalars(
            sa.update(COMPLAINTS)
            .where(COMPLAINTS.c.id.in_(list(complaint_ids)), COMPLAINTS.c.status == source)
            .values(status=target, updated_at=now)
            .returning(COMPLAINTS.c.id)
        )
    )
    if not moved:
        return []
    expire_loaded(session, Complaint, moved)
    detail = {"from": source, "to": target, "why": why}
    add_events(
        session,
        [
            {
                "complaint_id": i,
                "at": now,
                "actor": actor,
                "kind": "status_changed",
                "detail": detail,
            }
            for i in moved
        ],
    )
    return moved
