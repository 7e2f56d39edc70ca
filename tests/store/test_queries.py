"""The store functions whose behaviour no API test pins down. The admin side: sessions that end,
rows an erasure must find or leave, a spot alerted twice, a dead letter's outcome. The staff
side: the queue's order and page bounds, a canned reply renamed onto a taken key, what a merge
cancels and moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from complaints.errors import AlreadyExists
from store import queries
from store.database import Database
from store.models import Agent, CannedReply, ChatState, HotSpotAlert, Solution
from store.queries.accounts import (
    add_agent,
    add_api_token,
    agent_by_token,
    console_session_agent,
    end_console_sessions_of,
    start_console_session,
)
from store.queries.canned_replies import canned_replies, canned_reply, save_canned_reply
from store.queries.chat import chats
from store.queries.complaints import complaint_by_id, move_timeline
from store.queries.dead_letter_queue import mark_dead_letter
from store.queries.events import timeline_events
from store.queries.hot_spots import record_alert
from store.queries.messages import messages_of
from store.queries.outbox import cancel_pending, deliveries_concerning
from store.queries.queue import QueueFilter, complaint_queue
from store.queries.solutions import add_solution, solutions_of_complaint
from store.queries.suppressions import forget_suppressions, suppressions_of
from tests.conftest import START


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'store.db'}")
    database.upgrade()
    yield database
    database.close()


def _agent(session: Session, name: str = "ana") -> int:
    agent = add_agent(session, agent=Agent(name=name, role="admin"))
    assert agent.id is not None
    return agent.id


def test_console_sessions_expire_and_end_everywhere_for_one_account(database: Database) -> None:
    def log_in(session: Session, agent_id: int, token: str, at: timedelta) -> None:
        start_console_session(
            session,
            token_hash=token,
            agent_id=agent_id,
            csrf_token=f"csrf-{token}",
            now=START + at,
            expires_at=START + at + timedelta(hours=1),
        )

    ana, bea = database.write_now(_agent), database.write_now(lambda s: _agent(s, "bea"))
    database.write_now(lambda s: log_in(s, ana, "a1", timedelta()))
    database.write_now(lambda s: log_in(s, ana, "a2", timedelta(minutes=30)))
    database.write_now(lambda s: log_in(s, bea, "b1", timedelta(minutes=30)))

    def live(token: str, at: timedelta) -> str | None:
        found = database.write_now(
            lambda s: console_session_agent(s, token_hash=token, now=START + at)
        )
        return None if found is None else found[1]

    assert live("a1", timedelta(minutes=59)) == "csrf-a1"
    assert live("a1", timedelta(minutes=61)) is None
    database.write_now(lambda s: end_console_sessions_of(s, agent_id=ana))
    assert live("a2", timedelta(minutes=31)) is None
    assert live("b1", timedelta(minutes=31)) == "csrf-b1"


def test_a_revoked_token_names_nobody(database: Database) -> None:
    def issue(session: Session) -> None:
        token = add_api_token(
            session, agent_id=_agent(session), name="script", token_hash="h", now=START
        )
        token.revoked_at = START

    database.write_now(issue)
    assert database.write_now(lambda s: agent_by_token(s, token_hash="h")) is None


def test_suppressions_are_found_and_forgotten_only_for_the_addresses_given(
    database: Database,
) -> None:
    def bounce(session: Session) -> None:
        for address in ("ana@example.com", "bea@example.com"):
            queries.count_bounce(session, "email", address, "550 no such user", 1, START)

    database.write_now(bounce)
    ana = [("email", "ana@example.com"), ("telegram", "42")]
    found = database.write_now(lambda s: suppressions_of(s, addresses=ana))
    assert [row.address for row in found] == ["ana@example.com"]
    assert database.write_now(lambda s: forget_suppressions(s, addresses=ana)) == 1
    assert not database.write_now(lambda s: queries.is_suppressed(s, "email", "ana@example.com"))
    assert database.write_now(lambda s: queries.is_suppressed(s, "email", "bea@example.com"))


def test_a_spot_alerted_twice_for_one_window_is_recorded_once(database: Database) -> None:
    def alert() -> HotSpotAlert:
        return HotSpotAlert(
            dimension="product",
            value="kettle",
            window_start=START,
            window_end=START + timedelta(days=1),
            count=9,
            baseline=1.0,
            created_at=START,
        )

    def twice(session: Session) -> tuple[bool, bool]:
        return record_alert(session, alert=alert()), record_alert(session, alert=alert())

    assert database.write_now(twice) == (True, False)
    assert database.write_now(lambda s: record_alert(s, alert=alert())) is False


def _customer_with_two_complaints(session: Session) -> tuple[list[int], int, int]:
    """Ana's complaint, Bea's complaint with a message Ana wrote on it (as after a merge), and
    a reply queued to Ana; returns Ana's complaint ids, her identity and Bea's complaint."""
    ana = queries.identity_for(session, "email", "ana@example.com", START)
    bea = queries.identity_for(session, "email", "bea@example.com", START)
    opened = {}
    for party in (ana, bea):
        opened[party.identity_id], _ = queries.open_complaint(
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
    queries.add_messages(
        session,
        [
            {
                "complaint_id": opened[bea.identity_id],
                "direction": "in",
                "channel": "email",
                "identity_id": ana.identity_id,
                "text": "Ana, on Bea's complaint",
                "created_at": START,
            }
        ],
    )
    return [opened[ana.identity_id]], ana.identity_id, opened[bea.identity_id]


def test_a_customers_own_messages_and_deliveries_are_found_on_other_complaints(
    database: Database,
) -> None:
    mine, identity, theirs = database.write_now(_customer_with_two_complaints)
    messages = database.write_now(
        lambda s: messages_of(s, complaint_ids=mine, identity_ids=[identity])
    )
    assert [(m.complaint_id, m.text) for m in messages] == [(theirs, "Ana, on Bea's complaint")]

    def reply(session: Session) -> None:
        found = complaint_by_id(session, complaint_id=theirs)
        assert found is not None
        queries.queue_message(session, found, "email", "ana@example.com", "reply", "Hi", START)

    database.write_now(reply)
    deliveries = database.write_now(
        lambda s: deliveries_concerning(
            s, addresses=[("email", "ana@example.com")], complaint_ids=mine, message_ids=[]
        )
    )
    assert [item.complaint_id for item in deliveries] == [theirs]


def test_a_reprocessed_dead_letter_keeps_its_first_reason(database: Database) -> None:
    ok_id = database.write_now(lambda s: queries.keep_dead_letter(s, "email", b"x", "bad", START))
    failed_id = database.write_now(
        lambda s: queries.keep_dead_letter(s, "email", b"y", "worse", START)
    )
    later = START + timedelta(hours=1)
    database.write_now(
        lambda s: mark_dead_letter(s, letter_id=ok_id, ok=True, outcome="complaint", now=later)
    )
    database.write_now(
        lambda s: mark_dead_letter(s, letter_id=failed_id, ok=False, outcome="again", now=later)
    )
    letters = database.write_now(queries.dead_letters)
    assert [(d.status, d.reason, d.reprocessed_at) for d in letters] == [
        ("reprocessed", "bad | reprocessed: complaint", later),
        ("kept", "again", None),
    ]


def _open(session: Session, address: str, department: str = "support") -> int:
    """A complaint of a new customer at `address`, with their first message; its id."""
    party = queries.identity_for(session, "email", address, START)
    complaint_id, _ = queries.open_complaint(
        session,
        {
            "customer_id": party.customer_id,
            "identity_id": party.identity_id,
            "channel": "email",
            "grade": "general",
            "category": "other",
            "department": department,
            "language": "en",
            "created_at": START,
            "updated_at": START,
        },
    )
    queries.add_messages(
        session,
        [
            {
                "complaint_id": complaint_id,
                "direction": "in",
                "channel": "email",
                "identity_id": party.identity_id,
                "text": f"Complaint from {address}",
                "created_at": START,
            }
        ],
    )
    return complaint_id


def test_the_queue_puts_the_nearest_deadline_first_and_bounds_its_pages(
    database: Database,
) -> None:
    def open_four(session: Session) -> list[int]:
        ids = [_open(session, f"c{i}@example.com", "billing" if i else "network") for i in range(4)]
        for complaint_id, hours in zip(ids, (None, 5, 1, None), strict=True):
            found = complaint_by_id(session, complaint_id=complaint_id)
            assert found is not None
            found.first_response_due = None if hours is None else START + timedelta(hours=hours)
            found.resolution_due = None
        return ids

    network, late, soon, undated = database.write_now(open_four)

    def page(departments: list[str] | None, **paging: int) -> tuple[list[int], int]:
        rows, total = database.write_now(
            lambda s: complaint_queue(
                s, filters=QueueFilter(**paging), departments=departments, now=START
            )
        )
        return [row.complaint.id or 0 for row in rows], total

    # Deadlines the customer waits on first, the nearest first; then the newest without one.
    assert page(None) == ([soon, late, undated, network], 4)
    assert page(["billing"]) == ([soon, late, undated], 3)
    assert page([]) == ([], 0)
    assert page(None, limit=0) == ([soon], 4)  # at least one row
    assert page(None, limit=2, offset=-5) == ([soon, late], 4)
    rows, _ = database.write_now(
        lambda s: complaint_queue(s, filters=QueueFilter(), departments=None, now=START)
    )
    assert rows[0].excerpt == "Complaint from c2@example.com"
    assert rows[0].customer_name == ""


def test_the_queue_filters_by_a_whole_tag_on_every_store(any_store: Database) -> None:
    tags = [["handler-requested"], ["possible-duplicate", "handler-requested"], ["50%_off"], None]

    def open_tagged(session: Session) -> list[int]:
        ids = [_open(session, f"t{i}@example.com") for i in range(len(tags))]
        for complaint_id, complaint_tags in zip(ids, tags, strict=True):
            found = complaint_by_id(session, complaint_id=complaint_id)
            assert found is not None
            found.tags = complaint_tags
        return ids

    asked, both, odd, untagged = any_store.write_now(open_tagged)

    def tagged(tag: str) -> set[int]:
        rows, total = any_store.write_now(
            lambda s: complaint_queue(s, filters=QueueFilter(tag=tag), departments=None, now=START)
        )
        assert total == len(rows)
        return {row.complaint.id or 0 for row in rows}

    assert tagged("handler-requested") == {asked, both}
    assert tagged(" possible-duplicate ") == {both}
    assert tagged("50%_off") == {odd}
    for part in ("handler", "requested", "50", "%", "_", '"'):  # whole tags only
        assert tagged(part) == set(), part
    assert tagged("") == {asked, both, odd, untagged}


def test_a_canned_reply_renamed_onto_a_taken_key_is_refused_and_nothing_changes(
    database: Database,
) -> None:
    def script(key: str) -> CannedReply:
        return CannedReply(
            key=key, language="es", title=key, text="Hola {customer}", updated_at=START
        )

    first = database.write_now(lambda s: save_canned_reply(s, reply=script("t-refund")).id)
    second = database.write_now(lambda s: save_canned_reply(s, reply=script("t-late")).id)
    assert first is not None and second is not None

    def rename(session: Session) -> None:
        found = canned_reply(session, reply_id=second)
        assert found is not None
        found.key = "t-refund"
        save_canned_reply(session, reply=found)

    with pytest.raises(AlreadyExists, match="already a es canned reply with the key 't-refund'"):
        database.write_now(rename)
    with pytest.raises(AlreadyExists):
        database.write_now(lambda s: save_canned_reply(s, reply=script("t-refund")))
    kept = database.write_now(
        lambda s: [(r.id, r.key) for r in canned_replies(s, language="es") if r.key[:2] == "t-"]
    )
    assert kept == [(second, "t-late"), (first, "t-refund")]


def test_a_merge_cancels_only_the_sources_waiting_deliveries_of_the_kinds_named(
    database: Database,
) -> None:
    def queue(session: Session) -> tuple[int, dict[str, int]]:
        source, other = _open(session, "ana@example.com"), _open(session, "bea@example.com")
        ids = {}
        for complaint_id, kind in (
            (source, "progress"),
            (source, "survey"),
            (source, "reply"),
            (other, "progress"),
        ):
            found = complaint_by_id(session, complaint_id=complaint_id)
            assert found is not None
            queries.queue_message(session, found, "email", "x@example.com", kind, "Hi", START)
        for item in deliveries_concerning(
            session, addresses=[], complaint_ids=[source, other], message_ids=[]
        ):
            key = "others" if item.complaint_id == other else item.kind
            ids[key] = item.id or 0
            if key == "survey":
                item.status = "sent"
        return source, ids

    source, ids = database.write_now(queue)
    database.write_now(
        lambda s: cancel_pending(s, complaint_id=source, kinds=("progress", "survey"), reason="r")
    )
    items = database.write_now(
        lambda s: {
            item.id: (item.status, item.last_error)
            for item in deliveries_concerning(
                s, addresses=[("email", "x@example.com")], complaint_ids=[], message_ids=[]
            )
        }
    )
    assert items == {
        ids["progress"]: ("cancelled", "r"),
        ids["survey"]: ("sent", ""),
        ids["reply"]: ("pending", ""),
        ids["others"]: ("pending", ""),
    }


def test_a_merge_moves_the_whole_timeline_and_the_telegram_chat(database: Database) -> None:
    def two_with_history(session: Session) -> tuple[int, int, int]:
        source, target = _open(session, "ana@example.com"), _open(session, "ana@example.org")
        bystander = _open(session, "bea@example.com")
        for complaint_id in (source, bystander):
            queries.add_event(session, complaint_id, START, "system", "note", {})
            add_solution(
                session,
                solution=Solution(
                    complaint_id=complaint_id, kind="apology", proposed_by="ana", proposed_at=START
                ),
            )
            session.add(ChatState(chat_id=complaint_id, complaint_id=complaint_id))
            found = complaint_by_id(session, complaint_id=complaint_id)
            assert found is not None
            queries.queue_message(session, found, "email", "ana@example.com", "reply", "Hi", START)
        return source, target, bystander

    source, target, bystander = database.write_now(two_with_history)
    database.write_now(lambda s: move_timeline(s, source_id=source, target_id=target))

    def holdings(session: Session, complaint_id: int) -> tuple[int, int, int, int, list[int]]:
        found = deliveries_concerning(
            session, addresses=[], complaint_ids=[complaint_id], message_ids=[]
        )
        about = _chats_about(session, complaint_id)
        return (
            len(messages_of(session, complaint_ids=[complaint_id], identity_ids=[])),
            len(timeline_events(session, complaint_id=complaint_id)),
            len(solutions_of_complaint(session, complaint_id=complaint_id)),
            len(found),
            about,
        )

    assert database.write_now(lambda s: holdings(s, source)) == (0, 0, 0, 0, [])
    assert database.write_now(lambda s: holdings(s, target)) == (3, 1, 1, 1, [source])
    assert database.write_now(lambda s: holdings(s, bystander)) == (2, 1, 1, 1, [bystander])


def _chats_about(session: Session, complaint_id: int) -> list[int]:
    """The chat ids whose conversation is about `complaint_id`."""
    found = chats(session, chat_ids=range(1, 10))
    return sorted(chat.chat_id for chat in found if chat.complaint_id == complaint_id)
