"""The triage model's training data from the store (agents' category and grade corrections, with
the text of the message that opened each complaint) and its versions."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from store.models_triage import TriageModelVersion
from store.queries.tables import EVENTS, MESSAGES

CORRECTIONS = ("corrected", "grade_corrected")
"""The event kinds of an agent's correction (staff.corrections): of category, department and
maybe grade; of the grade alone."""


class TriageCorrection(NamedTuple):
    """The category or grade (or both) an agent gave a complaint, "" for what it left alone,
    and the message that opened it."""

    event_id: int
    complaint_id: int
    category: str
    grade: str
    subject: str
    text: str


def last_correction_id(session: Session, *, after: int = 0) -> int:
    """The id of the newest correction event, `after` when there is none newer. Scans only the
    events after `after` (a primary-key range), so checking often stays cheap."""
    newest = (
        session.connection()
        .execute(
            sa.select(sa.func.max(EVENTS.c.id)).where(
                EVENTS.c.kind.in_(CORRECTIONS), EVENTS.c.id > after
            )
        )
        .scalar_one()
    )
    return int(newest or after)


def triage_corrections(session: Session, *, up_to: int) -> list[TriageCorrection]:
    """Every correction that set a category or a grade, up to event `up_to`, oldest first, with
    the complaint's first inbound message; complaints without one (or erased to nothing) are
    left out, as a correction of the department alone is."""
    first_inbound = (
        sa.select(MESSAGES.c.complaint_id, sa.func.min(MESSAGES.c.id).label("message_id"))
        .where(MESSAGES.c.direction == "in")
        .group_by(MESSAGES.c.complaint_id)
        .subquery()
    )
    rows = session.connection().execute(
        sa.select(
            EVENTS.c.id,
            EVENTS.c.complaint_id,
            EVENTS.c.kind,
            EVENTS.c.detail,
            MESSAGES.c.subject,
            MESSAGES.c.text,
        )
        .join(first_inbound, first_inbound.c.complaint_id == EVENTS.c.complaint_id)
        .join(MESSAGES, MESSAGES.c.id == first_inbound.c.message_id)
        .where(EVENTS.c.kind.in_(CORRECTIONS), EVENTS.c.id <= up_to)
        .order_by(EVENTS.c.id)
    )
    found = []
    for event_id, complaint_id, kind, detail, subject, text in rows:
        detail = detail or {}
        grade = detail if kind == "grade_corrected" else detail.get("grade", {})
        category, grade = _to(detail.get("category")), _to(grade)
        if (category or grade) and (subject or text).strip():
            found.append(TriageCorrection(event_id, complaint_id, category, grade, subject, text))
    return found


def _to(change: object) -> str:
    """The new value of a `{"from": ..., "to": ...}` change, "" when there is none."""
    return str(change.get("to") or "") if isinstance(change, dict) else ""


def record_triage_model(
    session: Session,
    *,
    digest: str,
    rows: int,
    corrections: int,
    up_to: int,
    now: datetime,
    fitted: bytes | None = None,
) -> int:
    """The version number of the model trained on the data with this digest, recording a new
    version when the data is new, and keeping `fitted` when the version has no fitted model
    yet (another instance may have stored it first: both are equal). Instances started together
    on a new store fit the same data at once; the second to record finds the first's row."""
    table = TriageModelVersion.__table__  # type: ignore[attr-defined]
    # length(), not the blob itself: SQLite reads only the header to answer, not 15 MB
    missing_fitted = sa.func.length(table.c.fitted).is_(None)
    select = sa.select(table.c.version, missing_fitted).where(table.c.digest == digest)
    found = session.connection().execute(select).first()
    if found is not None:
        version, missing = found
    else:
        row = TriageModelVersion(
            digest=digest,
            trained_at=now,
            rows=rows,
            corrections=corrections,
            corrections_up_to=up_to,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another instance recorded this digest since the select
            version, missing = session.connection().execute(select).one()
        else:
            assert row.version is not None
            version, missing = row.version, True
    if missing and fitted is not None:
        _write_fitted(session, int(version), fitted)
    return int(version)


def _write_fitted(session: Session, version: int, fitted: bytes) -> None:
    """Store `fitted` as the model of `version`. On SQLite the blob is made at its size and
    written in pieces of MODEL_CHUNK bytes: SQLite bound in one piece builds the whole record in
    memory and keeps its pages until the commit, which raised a first start's resident peak by
    about 30 MB (to within a few MB of issue 15's 200); in pieces it costs about 2 MB."""
    table = TriageModelVersion.__table__  # type: ignore[attr-defined]
    this = table.c.version == version
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(sa.update(table).where(this).values(fitted=fitted))
        return
    connection.execute(sa.update(table).where(this).values(fitted=sa.func.zeroblob(len(fitted))))
    whole = memoryview(fitted)
    with _sqlite(session).blobopen(table.name, table.c.fitted.name, version) as blob:
        for start in range(0, len(fitted), MODEL_CHUNK):
            blob.write(whole[start : start + MODEL_CHUNK])


def _sqlite(session: Session) -> sqlite3.Connection:
    """The session's SQLite connection, for its incremental blob I/O (the version is the
    table's rowid: an INTEGER PRIMARY KEY)."""
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


MODEL_CHUNK = 1 << 20
"""Bytes of a stored model read per statement. PostgreSQL sends bytea as hex text, and libpq
holds the whole row in its receive buffer (which it keeps for the connection's life) and again
in the result, beside the unescaped copy and Python's bytes: the 15 MB model read in one piece
raised the resident peak of a bot starting on a store that had it by about 45 MB."""


def stored_triage_model(session: Session, *, digest: str) -> bytes | None:
    """The fitted model of the data with this digest, None when none is stored. On PostgreSQL
    read in pieces of MODEL_CHUNK bytes, so libpq never holds more than a piece; a model's
    `fitted` is written once and never changed, so the pieces agree without one snapshot. On
    SQLite through its blob I/O, straight into the bytes returned (a SELECT would hold it
    twice: SQLite's copy and Python's; substr pieces would read the blob again for each)."""
    table = TriageModelVersion.__table__  # type: ignore[attr-defined]
    fitted, this = table.c.fitted, table.c.digest == digest
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # length(), not the blob: SQLite reads only the header to answer
        stored = sa.select(table.c.version).where(this, sa.func.length(fitted).is_not(None))
        version = connection.execute(stored).scalar_one_or_none()
        if version is None:
            return None
        with _sqlite(session).blobopen(table.name, fitted.name, version, readonly=True) as blob:
            return blob.read()
    size = connection.execute(sa.select(sa.func.length(fitted)).where(this)).scalar_one_or_none()
    if size is None:
        return None
    model = bytearray(size)
    for start in range(0, size, MODEL_CHUNK):
        piece = connection.execute(
            sa.select(sa.func.substr(fitted, start + 1, MODEL_CHUNK, type_=fitted.type)).where(this)
        ).scalar_one()
        model[start : start + len(piece)] = piece
    return bytes(model)


def triage_model_versions(session: Session) -> list[TriageModelVersion]:
    """Every recorded version, newest first, without the fitted models (`fitted` is None)."""
    return list(
        session.exec(
            select(TriageModelVersion)
            .options(defer(TriageModelVersion.fitted))  # type: ignore[arg-type]
            .order_by(TriageModelVersion.version.desc())  # type: ignore[union-attr]
        )
    )
