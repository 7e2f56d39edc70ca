"""A late answer to an earlier round's survey, by e-mail: after a reopening, a reply to the
first survey's mail that is a score neither scores the new round, nor reopens the complaint
resolved again, nor counts while it is open; the customer is told that survey is no longer
open, and the new round's own survey is answered as usual."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.intake.test_reopening import Life, events, life, read, to_customer
from tests.mailpeers import Sink
from tests.scheduler.test_sweeps import drain, step

STALE = "This survey is no longer open"


def surveys(case: Life) -> list[str]:
    """The Message-IDs of the survey mails the customer got, oldest first."""
    return [
        m["Message-ID"]
        for m in case.sink.received
        if "How satisfied" in m.get_body(("plain",)).get_content()
    ]


async def test_a_late_score_to_the_first_survey_is_not_the_new_rounds(
    start_bot: Any, sink: Sink
) -> None:
    case = await life(start_bot, sink)
    await case.resolve_and_survey()
    [first] = surveys(case)
    assert "reopened your complaint" in to_customer(await case.write("1", in_reply_to=first))[0]

    # open again: a second score to the first survey is no answer of anything
    answered = to_customer(await case.write("5 great", in_reply_to=first))
    assert len(answered) == 1 and STALE in answered[0]
    found = await read(case)
    assert (found.status, found.survey_score, found.survey_comment) == ("reopened", None, "")

    # resolved again, its survey not sent yet: the old survey's score reopens nothing
    await case.agent("resolve", "Replaced the product.")
    answered = to_customer(await case.write("5", in_reply_to=first))
    assert len(answered) == 1 and STALE in answered[0]
    found = await read(case)
    assert (found.status, found.survey_score, found.survey_due is not None) == (
        "resolved",
        None,
        True,
    )

    # the new round is asked for, and only its own survey scores it
    assert (await step(case.bot, case.clock, timedelta(days=7)))["surveys"] == 1
    await drain(case.sink)
    first_again, second = surveys(case)
    assert first_again == first and second != first
    answered = to_customer(await case.write("2", in_reply_to=first))
    assert len(answered) == 1 and STALE in answered[0]
    found = await read(case)
    assert (found.status, found.survey_score, found.close_due is not None) == (
        "resolved",
        None,
        True,
    )
    answered = to_customer(await case.write("4 - good", in_reply_to=second))
    assert len(answered) == 1 and "your answer is recorded" in answered[0]
    found = await read(case)
    assert (found.status, found.survey_score, found.survey_comment) == ("closed", 4, "good")
    assert [e["score"] for e in events(case.bot, "survey_answered")] == [1, 4]
