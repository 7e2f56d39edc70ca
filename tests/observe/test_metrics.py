"""GET /metrics scraped over real HTTP from the real bot after real traffic (the signed
webhook, a callback peer that refuses then accepts, the sweeps on a moved clock, console
logins), parsed with prometheus_client's own parser: every counter and gauge moves by exactly
what the traffic did, and by nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from complaints.clock import ManualClock
from tests.channels.test_webhook import complaint, post
from tests.conftest import SECRET, START, CallbackReceiver, Served
from tests.mailpeers import Sink, mail, send
from tests.web.conftest import Desk, desk
from tests.web.test_console_login_throttle import attempt

__all__ = ["desk"]  # the fixture

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Scrape:
    """One scrape's samples: (sample name, sorted labels) → value; and the families' names."""

    samples: Mapping[tuple[str, Labels], float]
    families: frozenset[str]

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def moved(self, before: Scrape, name: str) -> dict[Labels, float]:
        """How each series of `name` changed since `before` (unchanged ones left out)."""
        keys = {key for key in (*self.samples, *before.samples) if key[0] == name}
        changes = {
            key[1]: self.samples.get(key, 0.0) - before.samples.get(key, 0.0) for key in keys
        }
        return {labels: change for labels, change in changes.items() if change}


def labels(**values: str) -> Labels:
    return tuple(sorted(values.items()))


async def scrape(bot: Any, headers: Mapping[str, str] | None = None) -> Scrape:
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        response = await client.get("/metrics", headers=dict(headers or {}))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = list(text_string_to_metric_families(response.text))
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families
        for sample in family.samples
    }
    return Scrape(samples, frozenset(family.name for family in families))


async def test_webhook_messages_are_counted_by_outcome_and_complaints_by_status_and_grade(
    start_bot: Any,
) -> None:
    bot = await start_bot(clock=ManualClock(START), background=False)
    before = await scrape(bot)
    assert before.value("complaint_bot_complaints", status="acknowledged", grade="general") == 0

    first = await post(bot, complaint("m-1", "My washing machine leaks water."))
    assert first.status_code == 202, first.text
    number = first.json()["complaint"]
    joined = await post(bot, complaint("m-2", "It leaked again today.", complaint=number))
    again = await post(bot, complaint("m-1", "My washing machine leaks water."))
    unknown = await post(bot, complaint("m-3", "And now?", complaint="C-2026-999999"))
    assert (joined.status_code, again.status_code, unknown.status_code) == (202, 200, 422)

    after = await scrape(bot)
    assert after.moved(before, "complaint_bot_messages_received_total") == {
        labels(channel="webhook", outcome="new"): 1,
        labels(channel="webhook", outcome="follow_up"): 1,
        labels(channel="webhook", outcome="duplicate"): 1,
        labels(channel="webhook", outcome="refused"): 1,
    }
    # Only the new complaint is acknowledged, in the webhook's own answer.
    assert after.moved(before, "complaint_bot_acknowledgements_sent_total") == {
        labels(channel="webhook", via="response"): 1
    }
    body = first.json()
    assert after.moved(before, "complaint_bot_complaints") == {
        labels(status=body["status"], grade=body["grade"]): 1
    }
    # Nothing was queued: no callback is configured for the shop.
    assert after.moved(before, "complaint_bot_outbox_pending") == {}
    assert after.moved(before, "complaint_bot_deliveries_total") == {}


async def test_the_outbox_backlog_its_age_and_each_delivery_result_are_counted(
    start_bot: Any, callback_receiver: tuple[CallbackReceiver, Served]
) -> None:
    receiver, served = callback_receiver
    receiver.status = 503  # the shop's system is down at first
    clock = ManualClock(START)
    source = {"secret": SECRET, "callback_url": f"{served.url}/callback"}
    bot = await start_bot({"webhook": {"sources": {"shop": source}}}, clock, background=False)
    dispatcher = bot.app.state.services.dispatcher
    start = await scrape(bot)

    assert (await post(bot, complaint("m-1", "The oven door glass cracked."))).status_code == 202
    clock.advance(timedelta(seconds=90))
    queued = await scrape(bot)
    assert queued.value("complaint_bot_outbox_pending", channel="webhook") == 1
    assert queued.value("complaint_bot_outbox_oldest_pending_seconds", channel="webhook") == 90

    await dispatcher.dispatch_due()  # 503: retried later
    refused = await scrape(bot)
    assert refused.moved(queued, "complaint_bot_deliveries_total") == {
        labels(channel="webhook", kind="acknowledgement", result="retry"): 1
    }
    assert refused.value("complaint_bot_outbox_pending", channel="webhook") == 1

    receiver.status = 200
    clock.advance(timedelta(minutes=1))  # past the first retry's 5 s
    await dispatcher.dispatch_due()
    sent = await scrape(bot)
    assert sent.moved(refused, "complaint_bot_deliveries_total") == {
        labels(channel="webhook", kind="acknowledgement", result="sent"): 1
    }
    assert sent.moved(start, "complaint_bot_acknowledgements_sent_total") == {
        labels(channel="webhook", via="response"): 1,
        labels(channel="webhook", via="outbox"): 1,
    }
    assert sent.value("complaint_bot_outbox_pending", channel="webhook") == 0
    assert ("complaint_bot_outbox_oldest_pending_seconds", labels(channel="webhook")) not in (
        sent.samples
    )


SWEEPS = ("warnings", "escalations", "progress", "surveys", "closing")


async def test_a_missed_deadline_is_an_sla_breach_and_each_sweep_reports_rows_and_duration(
    desk: Desk,
) -> None:
    filed = await desk.complain("The shop assistant was rude to me.", name="Ana Pérez")
    before = await scrape(desk.bot)
    desk.clock.advance(timedelta(hours=24, minutes=1))  # general: first response within 24 h
    done = await desk.app.state.services.sweeps.run_all()
    assert done["escalations"] == 1

    after = await scrape(desk.bot)
    assert after.moved(before, "complaint_bot_sla_breaches_total") == {
        labels(deadline="first_response", grade=filed["grade"]): 1
    }
    assert after.moved(before, "complaint_bot_sweep_rows_total") == {
        labels(sweep=name): count for name, count in done.items() if count
    }
    assert after.moved(before, "complaint_bot_sweep_duration_seconds_count") == {
        labels(sweep=name): 1 for name in SWEEPS
    }
    for name in SWEEPS:
        took = after.value("complaint_bot_sweep_duration_seconds_sum", sweep=name)
        assert took - before.value("complaint_bot_sweep_duration_seconds_sum", sweep=name) > 0


async def test_refused_console_logins_are_counted_by_reason(desk: Desk) -> None:
    await desk.account("Marta", password="correct horse battery")
    guesser = desk.client()
    before = await scrape(desk.bot)
    for guess in range(6):  # five are free; the sixth failure locks the account
        assert "Wrong name" in (await attempt(guesser, "Marta", f"guess-{guess}")).text
    assert (await attempt(guesser, "Marta", "correct horse battery")).status_code == 429

    after = await scrape(desk.bot)
    assert after.moved(before, "complaint_bot_login_refusals_total") == {
        labels(reason="wrong_credentials"): 6,
        labels(reason="throttled"): 1,
    }


async def test_a_metrics_token_is_required_when_set_and_metrics_can_be_turned_off(
    start_bot: Any,
) -> None:
    token = "metrics-token-0123456789"
    guarded = await start_bot({"metrics": {"token": token}}, background=False)
    async with httpx.AsyncClient(base_url=guarded.url, timeout=10) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = await client.get("/metrics", headers=headers)
            assert refused.status_code == 401
            assert "Authorization: Bearer <token>" in refused.json()["detail"]
            assert refused.headers["WWW-Authenticate"] == "Bearer"
    scraped = await scrape(guarded, {"Authorization": f"Bearer {token}"})
    assert {"complaint_bot_messages_received", "complaint_bot_complaints"} <= scraped.families

    off = await start_bot({"metrics": {"enabled": False}}, background=False)
    async with httpx.AsyncClient(base_url=off.url, timeout=10) as client:
        response = await client.get("/metrics")
    assert response.status_code == 404
    assert "[metrics] enabled" in response.json()["detail"]


async def test_mail_in_and_machine_mail_kept_as_a_dead_letter_are_counted(
    start_bot: Any, sink: Sink
) -> None:
    overrides = {"email": {"relay": {"port": sink.port}}}
    bot = await start_bot(overrides, ManualClock(START), background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    before = await scrape(bot)
    await send(port, mail("The blender's lid cracked.", message_id="<k1@c.test>"))
    auto_reply = mail(
        "I am out of the office.",
        sender="away@elsewhere.test",
        message_id="<k2@c.test>",
        headers={"Auto-Submitted": "auto-replied"},
    )
    await send(port, auto_reply, sender="away@elsewhere.test")
    await bot.app.state.services.dispatcher.dispatch_due()
    await sink.next()  # the acknowledgement reached the relay

    after = await scrape(bot)
    assert after.moved(before, "complaint_bot_messages_received_total") == {
        labels(channel="email", outcome="new"): 1,
        labels(channel="email", outcome="ignored"): 1,
    }
    assert after.moved(before, "complaint_bot_dead_letters_total") == {
        labels(channel="email", status="ignored"): 1
    }
    assert after.moved(before, "complaint_bot_acknowledgements_sent_total") == {
        labels(channel="email", via="outbox"): 1
    }
    assert after.moved(before, "complaint_bot_deliveries_total") == {
        labels(channel="email", kind="acknowledgement", result="sent"): 1
    }
