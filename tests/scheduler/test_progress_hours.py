"""Progress updates a desk would send: on a grade that counts working time only within its
business hours (none at night, over a weekend or on a holiday), and never the same words again
within the grade's `repeat_unchanged`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from complaints.clock import ManualClock
from tests.mailpeers import Sink, mail, send
from tests.scheduler.test_sweeps import settings, step

MADRID = ZoneInfo("Europe/Madrid")


async def test_progress_waits_for_working_hours_and_does_not_repeat_itself(
    start_bot: Any, sink: Sink
) -> None:
    overrides = settings(sink)
    overrides["bot"] = {"timezone": "Europe/Madrid"}
    overrides["business_hours"] = {
        "timezone": "Europe/Madrid",
        "hours": {"mon-fri": ["09:00-18:00"]},
        "holidays": ["2026-03-09"],  # Monday
    }
    overrides["grades"] = {"general": {"progress_every": "1d", "working_time": True}}
    clock = ManualClock(datetime(2026, 3, 6, 22, 50, tzinfo=UTC))  # Friday 23:50 in Madrid
    bot = await start_bot(overrides, clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<p1@c.test>"))
    await bot.app.state.services.dispatcher.dispatch_due()
    await sink.next()  # the acknowledgement

    updates = []
    while clock.now() < datetime(2026, 3, 11, 22, 0, tzinfo=UTC):  # to Wednesday night
        await step(bot, clock, timedelta(hours=3))
        while not sink.messages.empty():
            sent = await sink.next()
            if "Update on your complaint" in sent.get_body(("plain",)).get_content():
                updates.append(clock.now().astimezone(MADRID))
    # Saturday 23:50 falls on a weekend, Monday is a holiday: Tuesday's opening, once; on
    # Wednesday it would say word for word the same, so it is not sent
    assert [at.date().isoformat() for at in updates] == ["2026-03-10"]
    assert 9 <= updates[0].hour < 18
