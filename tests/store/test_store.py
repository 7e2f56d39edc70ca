"""The store on SQLite and again on PostgreSQL: migrations, intake transactions, the outbox."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, col, select

from complaints.clock import ManualClock
from config import load_settings
from intake.receive import Intake, IntakePolicy
from outbox.notify import Notifier
from outbox.templates import Replies
from scheduler.due import DueTimes
from store import queries
from store.columns import json_text, json_value
from store.database import Database
from store.models import Complaint, OutboxItem
from store.queries.outbox import lane_key, lane_of
from tests.conftest import ROOT, START, postgres_schema, table_counts
from tests.factories import make_inbound

SETTINGS = load_settings(ROOT / "settings.toml")


class Deliverable:
    """A channel that can always be written to later, so intake queues outbox rows."""

    name = "webhook"
    answers_in_response = False

    def can_send(self, address: str) -> bool:
        return True


@pytest.fixture
async def database(store_url: str) -> AsyncIterator[Database]:
    db = Database(store_url, timedelta(seconds=5))
    db.upgrade()
    yield db
    db.close()


def make_intake(database: Database, clock: ManualClock) -> Intake:
    version = database.write_now(
        lambda s: queries.record_rule_set(s, SETTINGS.rules_text, clock.now())
    )
    rules = replace(SETTINGS.rules, version=version)
    policy = IntakePolicy("en", 10, 1 << 20)
    replies = Replies(SETTINGS.templates_dir, lambda: rules, SETTINGS.customer_zones, "ACME")
    channels = {"webhook": Deliverable()}
    notifier = Notifier(lambda channel, address: channel in channels, lambda: rules)
    return Intake(
        database,
        policy,
        replies,
        clock,
        channels,  # type: ignore[arg-type]
        notifier,
        DueTimes(SETTINGS.service_levels),
        rules=lambda: rules,
    )


def test_migrations_build_exactly_the_models_schema(database: Database) -> None:
    with database.writer.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, SQLModel.metadata) == []


async def test_upgrading_again_keeps_the_data(database: Database, store_url: str) -> None:
    intake = make_intake(database, ManualClock(START))
    await intake.receive(make_inbound(external_id="m-1", text="The kettle leaks."))
    before = table_counts(store_url)
    database.upgrade()
    assert table_counts(store_url) == before


async def test_a_complaint_round_trips_with_utc_times_and_a_human_number(
    database: Database,
) -> None:
    intake = make_intake(database, ManualClock(START))
    result = await intake.receive(
        make_inbound(external_id="m-1", text="The screen of my new TV is cracked.")
    )
    stored = await database.read(
        lambda s: s.exec(select(Complaint).where(Complaint.number == result.complaint)).one()
    )
    assert result.complaint == "C-2026-000001"
    assert stored.created_at == START and stored.created_at.tzinfo is UTC
    assert stored.first_response_due == START + SETTINGS.service_levels[stored.grade].first_response
    assert stored.rule_set_version == 1
    assert isinstance(stored.routing_trace, list) and stored.routing_trace


async def test_concurrent_copies_of_one_message_store_one_complaint(
    database: Database, store_url: str
) -> None:
    intake = make_intake(database, ManualClock(START))
    inbound = make_inbound(external_id="same", text="My phone does not charge.")
    results = await asyncio.gather(*(intake.receive(inbound) for _ in range(8)))
    assert len({result.complaint for result in results}) == 1
    assert sum(not result.duplicate for result in results) == 1
    counts = table_counts(store_url)
    assert (counts["complaints"], counts["outbox"]) == (1, 1)
    assert counts["messages"] == 2


async def test_concurrent_distinct_messages_get_distinct_numbers(database: Database) -> None:
    intake = make_intake(database, ManualClock(START))
    results = await asyncio.gather(
        *(
            intake.receive(make_inbound("Missing item.", external_id=f"m-{n}", customer=f"c-{n}"))
            for n in range(20)
        )
    )
    assert len({result.complaint for result in results}) == 20


async def test_a_repeat_complaint_within_30_days_is_raised_one_grade(database: Database) -> None:
    clock = ManualClock(START)
    intake = make_intake(database, clock)
    first = await intake.receive(
        make_inbound(external_id="m-1", text="The cashier was rude to me.")
    )
    clock.advance(timedelta(days=3))
    second = await intake.receive(
        replace(
            make_inbound(external_id="m-2", text="Again the staff were rude at the checkout."),
            received_at=clock.now(),
        )
    )
    assert first.grade == "general" and second.grade == "important"
    assert first.complaint != second.complaint


async def test_claimed_deliveries_are_not_claimed_again_until_the_lease_ends(
    database: Database,
) -> None:
    clock = ManualClock(START)
    intake = make_intake(database, clock)
    for n in range(6):
        await intake.receive(make_inbound("Broken.", external_id=f"m-{n}", customer=f"c-{n}"))
    lease = timedelta(minutes=2)
    first = await database.write(lambda s: queries.claim_due_deliveries(s, clock.now(), lease, 4))
    second = await database.write(lambda s: queries.claim_due_deliveries(s, clock.now(), lease, 4))
    assert len(first) == 4 and len(second) == 2
    assert not {item.id for item in first} & {item.id for item in second}
    assert (
        await database.write(lambda s: queries.claim_due_deliveries(s, clock.now(), lease, 4)) == []
    )
    clock.advance(lease)
    again = await database.write(lambda s: queries.claim_due_deliveries(s, clock.now(), lease, 9))
    assert len(again) == 6 and all(item.attempts == 2 for item in again)


async def test_a_claim_leaves_the_lanes_it_skips_alone(database: Database) -> None:
    """A lane is a channel, or a webhook source's addresses (its prefix, matched literally:
    `sh_p:` is not a pattern that takes `shop:`). `since` leaves out what fell due before it
    (the skipped lanes' backlog, which the claim need not scan)."""
    clock = ManualClock(START)
    intake = make_intake(database, clock)
    addresses = ["shop:1", "sh_p:2", "shop:3", "100%:4", "ana@customer.test", "sh_p:5"]
    for n, _address in enumerate(addresses):
        await intake.receive(make_inbound("Broken.", external_id=f"m-{n}", customer=f"c-{n}"))

    def place(session: Session) -> None:
        items = session.exec(select(OutboxItem).order_by(col(OutboxItem.id))).all()
        for n, (item, address) in enumerate(zip(items, addresses, strict=True)):
            item.address = address
            item.channel = "email" if "@" in address else "webhook"
            item.lane = lane_key(lane_of(item.channel, address))
            item.next_attempt_at = START + timedelta(seconds=n)

    await database.write(place)
    clock.advance(timedelta(minutes=1))
    lease = timedelta(minutes=2)
    Skip = tuple[str, str]

    async def claim(*skipping: Skip, since: datetime | None = None) -> list[str]:
        items = await database.write(
            lambda s: queries.claim_due_deliveries(
                s, clock.now(), lease, 9, skipping=skipping, since=since
            )
        )
        return [item.address for item in items]

    async def next_due(*skipping: Skip) -> datetime | None:
        return await database.read(lambda s: queries.next_delivery_due(s, skipping=skipping))

    every = [("webhook", "shop:"), ("webhook", "sh_p:"), ("webhook", "100%:"), ("email", "")]
    assert await next_due(*every) is None
    assert await next_due(("webhook", "")) == START  # the lane of sourceless callbacks
    assert await next_due(("webhook", "sh_p:")) == START
    assert await next_due(("webhook", "shop:")) == START + timedelta(seconds=1)
    assert await next_due(("webhook", "shop:"), ("webhook", "sh_p:")) == START + timedelta(
        seconds=3
    )
    assert await claim(("webhook", "sh_p:"), ("email", ""), since=START + timedelta(seconds=1)) == [
        "shop:3",
        "100%:4",
    ]
    assert await claim(("webhook", "shop:"), ("webhook", "100%:")) == [
        "sh_p:2",
        "ana@customer.test",
        "sh_p:5",
    ]
    assert await next_due() == START  # only shop:1 is still due
    assert await claim(("email", "shop:")) == ["shop:1"]  # another channel's lane
    assert await next_due() == clock.now() + lease


def test_skip_locked_lets_two_dispatchers_claim_disjoint_items_at_once(
    postgres_admin_url: str,
) -> None:
    """PostgreSQL only: SQLite serialises writers, so two claims can never overlap there."""
    with postgres_schema(postgres_admin_url) as url:
        _claim_from_two_sessions(url)


def _claim_from_two_sessions(url: str) -> None:
    database = Database(url)
    database.upgrade()
    clock = ManualClock(START)
    intake = make_intake(database, clock)
    asyncio.run(_receive_many(intake, 6))
    lease = timedelta(minutes=2)
    engine = database.writer
    with (
        engine.connect() as a,
        engine.connect() as b,
        Session(bind=a) as first,
        Session(bind=b) as second,
    ):
        ids_a = {item.id for item in queries.claim_due_deliveries(first, clock.now(), lease, 4)}
        ids_b = {item.id for item in queries.claim_due_deliveries(second, clock.now(), lease, 4)}
        first.commit()
        second.commit()
    database.close()
    assert len(ids_a) == 4 and len(ids_b) == 2 and not ids_a & ids_b


async def _receive_many(intake: Intake, count: int) -> None:
    for n in range(count):
        await intake.receive(make_inbound("Broken.", external_id=f"m-{n}", customer=f"c-{n}"))


async def test_an_unchanged_rule_set_keeps_its_version_and_a_change_makes_a_new_one(
    database: Database,
) -> None:
    now = START
    one = database.write_now(lambda s: queries.record_rule_set(s, "rules A", now))
    same = database.write_now(lambda s: queries.record_rule_set(s, "rules A", now))
    two = database.write_now(lambda s: queries.record_rule_set(s, "rules B", now))
    assert (one, same, two) == (1, 1, 2)


async def test_an_aware_time_is_required(database: Database) -> None:
    item = OutboxItem(
        complaint_id=1,
        message_id=1,
        channel="x",
        address="y",
        kind="k",
        next_attempt_at=START.replace(tzinfo=None),
        created_at=START,
    )
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        await database.write(lambda s: (s.add(item), s.flush()))


def test_two_sweepers_on_postgresql_send_each_due_update_exactly_once(
    postgres_admin_url: str,
) -> None:
    """Two bot instances (two engines, as two processes would have) sweep the same 1,000 due
    complaints at once, 20 a claim: SKIP LOCKED shares the rows out, so each update is queued
    once. Fifty claims race, as many as 10,000 rows in claims of 200 gave; what a race can
    double is a claim, not a row, and each row costs about five queries (3 ms, on this machine
    loaded 6), so the rows are kept few and the claims many."""
    with postgres_schema(postgres_admin_url) as url:
        asyncio.run(_two_sweepers(url, 1_000, batch=20))


async def _two_sweepers(url: str, count: int, *, batch: int) -> None:
    from scheduler.sweeps import Sweeps
    from store.queries import COMPLAINTS, CUSTOMERS, IDENTITIES

    first, second = Database(url), Database(url)
    first.upgrade()
    due = START - timedelta(minutes=1)
    later = START + timedelta(days=30)
    with first.writer.begin() as connection:
        connection.execute(
            sa.insert(CUSTOMERS),
            [{"id": 1, "name": "Ana", "email": "", "phone": "", "tier": "", "created_at": due}],
        )
        connection.execute(
            sa.insert(IDENTITIES),
            [
                {
                    "id": 1,
                    "customer_id": 1,
                    "channel": "email",
                    "address": "ana@example.org",
                    "display_name": "Ana",
                }
            ],
        )
        connection.execute(
            sa.insert(COMPLAINTS),
            [
                {
                    "number": f"C-2026-{n:06d}",
                    "customer_id": 1,
                    "identity_id": 1,
                    "channel": "email",
                    "source": "",
                    "status": "acknowledged",
                    "grade": "general",
                    "category": "other",
                    "department": "customer_care",
                    "language": "en",
                    "subject": "",
                    "product": "",
                    "model": "",
                    "serial_number": "",
                    "order_number": "",
                    "purchase_date": "",
                    "desired_outcome": "",
                    "tags": [],
                    "rule_set_version": 1,
                    "routing_trace": [],
                    "created_at": due,
                    "updated_at": due,
                    "first_response_due": later,
                    "resolution_due": later,
                    "assignee": "",
                    "resolution_summary": "",
                    "survey_comment": "",
                    "next_update_due": due,
                    "escalation_level": 0,
                    "escalate_due": later,
                    "warn_due": later,
                }
                for n in range(1, count + 1)
            ],
        )
    clock = ManualClock(START)
    replies = Replies(
        SETTINGS.templates_dir, lambda: SETTINGS.rules, SETTINGS.customer_zones, "ACME"
    )

    def sweeper(database: Database) -> Sweeps:
        return Sweeps(
            database,
            clock,
            Notifier(lambda channel, address: True, lambda: SETTINGS.rules),
            DueTimes(SETTINGS.service_levels, close_after=SETTINGS.survey.close_after),
            replies,
            batch=batch,
            escalation=SETTINGS.escalation,
        )

    done = await asyncio.gather(sweeper(first).run_all(), sweeper(second).run_all())
    assert done[0]["progress"] + done[1]["progress"] == count
    assert done[0]["progress"] and done[1]["progress"]  # both took a share
    with first.reader.connect() as connection:
        per_complaint = connection.execute(
            sa.text(
                "SELECT complaint_id, count(*) FROM outbox WHERE kind = 'progress' "
                "GROUP BY complaint_id HAVING count(*) <> 1"
            )
        ).all()
        total = connection.execute(
            sa.text("SELECT count(*) FROM outbox WHERE kind = 'progress'")
        ).scalar_one()
    assert per_complaint == [] and total == count
    first.close()
    second.close()


def test_json_columns_are_written_compact_and_read_back_alike(database: Database) -> None:
    """orjson writes the JSON columns (store.columns.json_text): UTF-8 as is, keys as text; what
    the standard library wrote before (NaN, a lone surrogate's escape) still reads."""
    assert json_text({"why": "退款", 3: [1.5, None, ("a", True)]}) == (
        '{"why":"退款","3":[1.5,null,["a",true]]}'
    )
    detail = {"why": "退款 reembolso", "facts": {"n": 2, "p": 0.75}}
    with database.writer.begin() as connection:
        connection.execute(sa.text("CREATE TABLE kept (value JSON)"))
        connection.execute(sa.insert(_kept()).values(value=detail))
        stored = connection.execute(sa.text("SELECT CAST(value AS TEXT) FROM kept")).scalar_one()
        read = connection.execute(sa.select(_kept().c.value)).scalar_one()
    assert stored == json_text(detail)
    assert read == detail
    assert json_text({"p": np.float64(0.5), "n": np.int64(3)}) == '{"p":0.5,"n":3}'
    old = json_value('{"p": NaN, "s": "\\ud800"}')
    assert math.isnan(old["p"]) and old["s"] == "\ud800"


def _kept() -> sa.Table:
    return sa.Table("kept", sa.MetaData(), sa.Column("value", sa.JSON()))
