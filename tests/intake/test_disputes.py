"""A customer disputes a rejection by e-mail, end to end through the real bot: whatever the
settings, the dispute is on the timeline (a `disputed` event naming who was told) and the
complaint is tagged `dispute`; the department's supervisor reviews it, else the first
`[escalation] levels` address; with nobody to tell, the customer is not promised a supervisor.
In every language the customer is told who reviews."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.clock import ManualClock
from outbox.texts import say
from tests.conftest import START
from tests.intake.test_reopening import Life, events, to_customer
from tests.mailpeers import Sink
from tests.scheduler.test_sweeps import complaint, settings

DISPUTE = "I disagree: the assistant was rude, this is a complaint."


async def rejected(start_bot: Any, sink: Sink, *, supervisor: str, levels: list[str]) -> Life:
    overrides = settings(sink)
    overrides["departments"] = {"customer_care": {"supervisor": supervisor}}
    overrides["escalation"]["levels"] = levels
    clock = ManualClock(START)
    bot = await start_bot(overrides, clock, background=False)
    case = Life(bot, sink, clock)
    await case.write("The shop assistant was rude to me.")
    await case.agent("reject", "This is a question about our opening hours.")
    assert complaint(case.bot)["status"] == "rejected"
    return case


@pytest.mark.parametrize(
    ("supervisor", "levels", "told", "promise"),
    [
        (
            "email:boss@example.com",
            ["email:head@example.com"],
            "boss@example.com",
            "a supervisor will review our decision",
        ),
        ("", ["email:head@example.com"], "head@example.com", "our complaints team will review"),
        ("", [], "", "our complaints team will review"),
    ],
)
async def test_a_dispute_is_recorded_tagged_and_reaches_whoever_reviews_it(
    start_bot: Any, sink: Sink, supervisor: str, levels: list[str], told: str, promise: str
) -> None:
    case = await rejected(start_bot, sink, supervisor=supervisor, levels=levels)
    mails = await case.write(DISPUTE, subject=f"Re: [{case.number}]")
    stored = complaint(case.bot)
    assert stored["status"] == "reopened" and stored["escalate_due"] is not None
    assert "dispute" in (stored["tags"] or "")
    staff = [(to, body) for to, body in mails if to != "ana@customer.test"]
    if told:
        assert len(staff) == 1 and staff[0][0] == told
        assert "disputes" in staff[0][1] and case.number in staff[0][1]
    else:
        assert staff == []
    assert events(case.bot, "disputed") == [{"to": f"email:{told}"} if told else {}]
    answered = to_customer(mails)
    assert len(answered) == 1 and promise in answered[0]
    if not supervisor:
        assert "supervisor" not in answered[0]
    # a second dispute (after another rejection) tags once and is on the timeline again
    await case.agent("reject", "Still a question about our opening hours.")
    await case.write("I still disagree.", subject=f"Re: [{case.number}]")
    assert events(case.bot, "disputed")[-1] == ({"to": f"email:{told}"} if told else {})
    assert len(events(case.bot, "disputed")) == 2
    assert str(complaint(case.bot)["tags"]).count('"dispute"') == 1


@pytest.mark.parametrize("language", ["en", "es", "zh-Hans", "zh-Hant"])
def test_the_customer_is_told_honestly_who_reviews_in_every_language(language: str) -> None:
    supervisor = {"en": "supervisor", "es": "supervisor", "zh-Hans": "主管", "zh-Hant": "主管"}
    assert supervisor[language] in say(language, "dispute_received", number="C-1", due="x")
    for key in ("dispute_received_by_team", "reopened_by_team"):
        text = say(language, key, number="C-1", due="1 May")
        assert "C-1" in text and supervisor[language] not in text
        assert language == "en" or text != say("en", key, number="C-1", due="1 May")
