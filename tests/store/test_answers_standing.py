"""`first_answer_standing`, the query staff.lost_answers asks when an answer that gave the
first response is lost: the earliest answer of the kinds named, at or after the lost one's
time (one written at the same instant before it counts: it gave the first response), other
than the lost one, whose delivery neither failed for good nor was cancelled; on SQLite and
PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from store import queries
from store.database import Database
from store.models import OutboxItem
from store.queries.complaints import complaint_by_id
from store.queries.messages import first_answer_standing
from store.queries.outbox import deliveries_concerning
from tests.conftest import START

ANSWERS = ("reply", "proposal_notice", "resolved", "rejected_notice")


def _complaint(session: Session) -> int:
    party = queries.identity_for(session, "email", "ana@example.com", START)
    complaint_id, _ = queries.open_complaint(
        session,
        {
            "customer_id": party.customer_id,
            "identity_id": party.identity_id,
            "channel": "email",
            "grade": "general",
            "category": "other",
            "department": "support",
            "language": "en",
            "created_at": START,
            "updated_at": START,
        },
    )
    return complaint_id


def test_the_earliest_answer_still_standing_besides_the_lost_one(any_store: Database) -> None:
    def write(session: Session) -> tuple[int, dict[str, int]]:
        complaint_id = _complaint(session)
        complaint = complaint_by_id(session, complaint_id=complaint_id)
        assert complaint is not None
        ids: dict[str, int] = {}
        for name, key, minutes in (
            ("before", "reply", 0),  # earlier than the lost one: not a candidate
            ("twin", "resolved", 10),  # the same instant, written first
            ("lost", "proposal_notice", 10),
            ("cancelled", "reply", 20),
            ("progress", "progress", 30),  # no answer
            ("later", "rejected_notice", 40),
        ):
            ids[name] = queries.queue_message(
                session,
                complaint,
                "email",
                "ana@example.com",
                key,
                "Hi",
                START + timedelta(minutes=minutes),
                text_key=key,
            )
        status = {ids["lost"]: "failed", ids["cancelled"]: "cancelled"}
        item: OutboxItem
        for item in deliveries_concerning(
            session, addresses=[], complaint_ids=[complaint_id], message_ids=[]
        ):
            item.status = status.get(item.message_id or 0, item.status)
            session.add(item)
        return complaint_id, ids

    complaint_id, ids = any_store.write_now(write)

    def standing(since_minutes: int, besides: str) -> object:
        return any_store.write_now(
            lambda s: first_answer_standing(
                s,
                complaint_id=complaint_id,
                kinds=ANSWERS,
                since=START + timedelta(minutes=since_minutes),
                besides=ids[besides],
            )
        )

    assert standing(10, "lost") == START + timedelta(minutes=10)  # the twin gave it
    assert standing(10, "twin") == START + timedelta(minutes=40)  # the lost one is no answer
    assert standing(50, "lost") is None
