"""Outbox leases, on SQLite and on PostgreSQL: a dispatcher renews only its own claim, so once
another dispatcher claimed an item again (the first one's lease ran out) the first one cannot
take it back; and an item whose outcome is recorded is not renewed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from complaints.clock import ManualClock
from store import queries
from store.queries.outbox import renew_leases
from tests.channels.test_webhook import complaint, post
from tests.conftest import SECRET, START


async def test_only_the_latest_claim_of_a_delivery_renews_its_lease(
    start_bot: Any, store_url: str
) -> None:
    clock = ManualClock(START)
    callback = {"secret": SECRET, "callback_url": "http://127.0.0.1:1/callback"}  # never sent
    bot = await start_bot(
        {"store": {"url": store_url}, "webhook": {"sources": {"shop": callback}}},
        clock,
        background=False,
    )
    assert (await post(bot, complaint("lease-1", "My order never arrived."))).status_code == 202
    database = bot.app.state.services.database
    lease = timedelta(seconds=30)

    def claim() -> tuple[int, int]:
        (item,) = database.write_now(
            lambda s: queries.claim_due_deliveries(s, clock.now(), lease, 10)
        )
        return item.id, item.attempts

    first = claim()
    clock.advance(lease)  # the first claimant went quiet: its lease ran out
    second = claim()
    assert second == (first[0], first[1] + 1)
    later = clock.now() + lease
    assert database.write_now(lambda s: renew_leases(s, [first], later)) == 0
    assert database.write_now(lambda s: renew_leases(s, [second], later)) == 1
    item = database.write_now(lambda s: queries.delivery(s, second[0]))
    assert item.next_attempt_at == later
    database.write_now(lambda s: setattr(queries.delivery(s, second[0]), "status", "sent"))
    assert database.write_now(lambda s: renew_leases(s, [second], later)) == 0
