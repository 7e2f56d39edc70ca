"""The queue's "overdue" and "due within" on SQLite and on PostgreSQL: a complaint whose clock is
stopped (finished, or waiting for the customer) is neither, whatever its stored due times say,
and one waiting for the customer sorts after the work whose clock runs."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from store.database import Database
from store.queries.complaints import complaint_by_id
from store.queries.queue import QueueFilter, complaint_queue
from tests.conftest import START
from tests.store.test_queries import _open

STATUSES = ("investigating", "solution_proposed", "awaiting_customer", "resolved", "new")


def test_a_stopped_clock_is_never_overdue_nor_due_on_every_store(any_store: Database) -> None:
    def open_all(session: Session) -> list[int]:
        ids = [_open(session, f"w{i}@example.com") for i in range(len(STATUSES))]
        for hours, (complaint_id, status) in enumerate(zip(ids, STATUSES, strict=True)):
            found = complaint_by_id(session, complaint_id=complaint_id)
            assert found is not None
            found.status = status
            found.first_response_at = START
            found.first_response_due = START + timedelta(hours=1)
            # the waiting ones' deadlines are the earliest: past, yet not the desk's turn
            due = START + timedelta(hours=2 if status == "investigating" else 1, minutes=hours)
            if status == "new":  # its clock runs, nothing missed yet
                due = START + timedelta(days=3)
            found.resolution_due = found.escalate_due = due
        return ids

    running, proposed, asked, resolved, fresh = any_store.write_now(open_all)
    now = START + timedelta(hours=3)

    def queue(**wanted: object) -> list[tuple[int, bool, bool]]:
        rows, total = any_store.write_now(
            lambda s: complaint_queue(
                s,
                filters=QueueFilter(**wanted),  # type: ignore[arg-type]
                departments=None,
                now=now,
            )
        )
        assert total == len(rows)
        return [(row.complaint.id or 0, row.overdue, row.clock_paused) for row in rows]

    assert queue(overdue=True) == [(running, True, False)]
    assert queue(due_within=timedelta(hours=1)) == [(running, True, False)]
    assert queue() == [
        (running, True, False),
        (fresh, False, False),
        (proposed, False, True),
        (asked, False, True),
        (resolved, False, False),
    ]
