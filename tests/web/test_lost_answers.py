"""An agent's answer whose delivery failed for good (the shop's callback answered 400) gave the
customer nothing: the first response is not given, its deadline is still watched and escalates
when missed, while an answer that did arrive keeps the first response it gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.web.conftest import CallbackReceiver, Desk, delivered, rows

NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."


def _when(value: object) -> datetime:
    """A time column as the store returns it (SQLite: ISO text), aware in UTC."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _state(desk: Desk, number: str) -> dict[str, object]:
    [row] = rows(
        desk,
        "SELECT first_response_at, first_response_due, escalate_due, escalation_level "
        "FROM complaints WHERE number = :number",
        number=number,
    )
    return row


async def test_an_answer_that_never_arrived_is_no_first_response(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(NETWORK))["complaint"]
    await delivered(desk, receiver)  # the acknowledgement
    net = await desk.account("Net", departments=("network",))
    receiver.status = 400  # the shop refuses the callback for good
    answered = await net.post(f"/api/complaints/{number}/reply", json={"text": "Checking now."})
    assert answered.status_code == 200, answered.text
    assert await delivered(desk, receiver) == []
    kinds = [e["event"] for e in (await net.get(f"/api/complaints/{number}")).json()["timeline"]]
    assert "delivery_failed" in kinds

    state = _state(desk, number)
    assert state["first_response_at"] is None
    assert state["escalate_due"] == state["first_response_due"]
    desk.clock.advance(_when(state["first_response_due"]) - desk.clock.now() + timedelta(minutes=1))
    await desk.app.state.services.sweeps.run_all()
    assert _state(desk, number)["escalation_level"] == 1


async def test_an_answer_that_arrived_keeps_the_first_response(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(NETWORK))["complaint"]
    await delivered(desk, receiver)
    net = await desk.account("Net", departments=("network",))
    answered = await net.post(f"/api/complaints/{number}/reply", json={"text": "Checking now."})
    assert answered.status_code == 200, answered.text
    assert len(await delivered(desk, receiver)) == 1
    assert _state(desk, number)["first_response_at"] is not None
