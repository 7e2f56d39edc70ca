"""The store functions the admin side uses whose behaviour no API test pins down: sessions that
end, rows an erasure must find or leave, a spot alerted twice, a dead letter's outcome."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from store import queries
from store.database import Database
from store.models import Agent, HotSpotAlert
from store.queries.accounts import (
    add_agent,
    add_api_token,
    agent_by_token,
    console_session_agent,
    end_console_sessions_of,
    start_console_session,
)
from store.queries.complaints import complaint_by_id
from store.queries.dead_letter_queue import mark_dead_letter
from store.queries.hot_spots import record_alert
from store.queries.messages import messages_of
from store.queries.outbox import deliveries_concerning
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
