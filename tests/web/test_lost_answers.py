"""A person's answer whose delivery failed for good (the shop's callback answered 400) gave the
customer nothing: whichever message gave the first response (a reply, a proposed solution, the
resolution or the rejection told), the first response is taken back, the API shows it owed,
the reports count it missed once its deadline passed, an open complaint's deadline is watched
again and escalates, and the desk is told; an answer that did arrive keeps the first response
it gave, and a later answer still standing gives it in its place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from complaints.clock import ManualClock
from tests.conftest import SECRET, START, Served
from tests.web.conftest import CallbackReceiver, Desk, delivered, rows

NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."

Act = Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]


async def _reply(agent: httpx.AsyncClient, number: str) -> httpx.Response:
    return await agent.post(f"/api/complaints/{number}/reply", json={"text": "Checking now."})


async def _propose(agent: httpx.AsyncClient, number: str) -> httpx.Response:
    body = {"kind": "repair", "description": "A technician checks the mast."}
    return await agent.post(f"/api/complaints/{number}/solutions", json=body)


async def _resolve(agent: httpx.AsyncClient, number: str) -> httpx.Response:
    body = {"summary": "The mast is repaired.", "root_cause": "storm"}
    return await agent.post(f"/api/complaints/{number}/resolve", json=body)


async def _reject(agent: httpx.AsyncClient, number: str) -> httpx.Response:
    body = {"explanation": "This is another operator's network."}
    return await agent.post(f"/api/complaints/{number}/reject", json=body)


ANSWERS: dict[str, Act] = {
    "reply": _reply,
    "proposal": _propose,
    "resolution": _resolve,
    "rejection": _reject,
}


@pytest.fixture
async def reachable_desk(
    start_bot: Callable[..., Awaitable[Any]],
    callback_receiver: tuple[CallbackReceiver, Served],
) -> AsyncIterator[tuple[Desk, CallbackReceiver]]:
    """The shop's customers are written to at the returned receiver, and the network
    department has a supervisor, who is told of what could not be delivered."""
    receiver, served = callback_receiver
    clock = ManualClock(START)
    overrides = {
        "webhook": {
            "sources": {"shop": {"secret": SECRET, "callback_url": f"{served.url}/callback"}}
        },
        "departments": {"network": {"supervisor": "email:noc@example.com"}},
    }
    running = Desk(await start_bot(overrides, clock=clock, background=False), clock)
    yield running, receiver
    for client in running.clients:
        await client.aclose()


def _when(value: object) -> datetime:
    """A time column as the store returns it (SQLite: ISO text), aware in UTC."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _state(desk: Desk, number: str) -> dict[str, object]:
    [row] = rows(
        desk,
        "SELECT id, status, first_response_at, first_response_due, escalate_due, "
        "escalation_level FROM complaints WHERE number = :number",
        number=number,
    )
    return row


def _desk_told(desk: Desk, number: str) -> int:
    found = rows(
        desk,
        "SELECT count(*) AS told FROM events e JOIN complaints c ON c.id = e.complaint_id "
        "WHERE c.number = :number AND e.kind = 'undelivered_told'",
        number=number,
    )
    return int(found[0]["told"])


async def _opened(desk: Desk, receiver: CallbackReceiver) -> tuple[str, httpx.AsyncClient]:
    """A network complaint whose acknowledgement arrived, and an agent of network."""
    number = (await desk.complain(NETWORK))["complaint"]
    assert len(await delivered(desk, receiver)) == 1  # the acknowledgement
    return number, await desk.account("Net", departments=("network",))


async def _past_first_response_due(desk: Desk, number: str) -> None:
    due = _when(_state(desk, number)["first_response_due"])
    desk.clock.advance(due - desk.clock.now() + timedelta(minutes=1))


async def _first_response_sla(desk: Desk) -> dict[str, object]:
    admin = await desk.account("Root", role="admin", departments=())
    report = await admin.get("/api/reports")
    assert report.status_code == 200, report.text
    sla: dict[str, object] = report.json()["sla"]["first_response"]
    return sla


@pytest.mark.parametrize("kind", ANSWERS)
async def test_an_answer_that_never_arrived_is_no_first_response(
    reachable_desk: tuple[Desk, CallbackReceiver], kind: str
) -> None:
    desk, receiver = reachable_desk
    number, net = await _opened(desk, receiver)
    receiver.status = 400  # the shop refuses the callback for good
    answered = await ANSWERS[kind](net, number)
    assert answered.status_code in (200, 201), answered.text
    assert _state(desk, number)["first_response_at"] is not None  # given while it is owed
    assert await delivered(desk, receiver) == []
    shown = (await net.get(f"/api/complaints/{number}")).json()
    assert "delivery_failed" in [entry["event"] for entry in shown["timeline"]]
    assert shown["complaint"]["first_response_at"] is None, kind  # owed again
    assert _desk_told(desk, number) == 1

    state = _state(desk, number)
    assert state["first_response_at"] is None
    if state["status"] in ("resolved", "rejected"):  # finished: nothing is watched any more
        assert state["escalate_due"] is None
    else:  # the first-response deadline is watched again (paused while a proposal waits)
        assert state["escalate_due"] == state["first_response_due"]
    await _past_first_response_due(desk, number)
    await desk.app.state.services.sweeps.run_all()
    sla = await _first_response_sla(desk)
    if kind == "reply":  # its clock runs: overdue, escalated and missed
        assert _state(desk, number)["escalation_level"] == 1
        overdue = (await net.get("/api/complaints", params={"overdue": "true"})).json()
        assert [item["number"] for item in overdue["items"]] == [number]
        assert sla["missed"] == 1 and sla["met"] == 0, sla
    elif kind == "resolution":  # resolved, its first response never given: missed
        assert sla["missed"] == 1 and sla["met"] == 0, sla
    else:  # waiting for the customer, or rejected: left out of the figures, never met
        assert sla["met"] == 0, sla


@pytest.mark.parametrize("kind", ANSWERS)
async def test_an_answer_that_arrived_keeps_the_first_response(
    reachable_desk: tuple[Desk, CallbackReceiver], kind: str
) -> None:
    desk, receiver = reachable_desk
    number, net = await _opened(desk, receiver)
    answered_at = desk.clock.now()
    answered = await ANSWERS[kind](net, number)
    assert answered.status_code in (200, 201), answered.text
    assert len(await delivered(desk, receiver)) == 1
    shown = (await net.get(f"/api/complaints/{number}")).json()["complaint"]
    assert shown["first_response_at"] is not None, kind
    assert _when(_state(desk, number)["first_response_at"]) == answered_at
    assert _desk_told(desk, number) == 0
    await _past_first_response_due(desk, number)
    sla = await _first_response_sla(desk)
    assert sla["missed"] == 0, sla
    assert sla["met"] == (0 if kind == "rejection" else 1), sla  # a rejection is left out


async def test_an_answer_delivered_meanwhile_gives_the_first_response_in_its_place(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    """The proposal's callback fails for a while (503), a reply written meanwhile arrives,
    then the proposal fails for good: the reply is the first response, at its own time."""
    desk, receiver = reachable_desk
    number, net = await _opened(desk, receiver)
    proposed_at = desk.clock.now()
    receiver.status = 503
    assert (await _propose(net, number)).status_code == 201
    assert await delivered(desk, receiver) == []  # to be tried again
    desk.clock.advance(timedelta(seconds=1))
    replied_at = desk.clock.now()
    receiver.status = 200
    assert (await _reply(net, number)).status_code == 200
    assert len(await delivered(desk, receiver)) == 1  # the reply; the proposal waits its turn
    assert _when(_state(desk, number)["first_response_at"]) == proposed_at

    receiver.status = 400
    desk.clock.advance(timedelta(hours=1))
    assert await delivered(desk, receiver) == []
    assert _when(_state(desk, number)["first_response_at"]) == replied_at
    assert _desk_told(desk, number) == 1


async def test_a_lost_resolution_after_a_delivered_reply_takes_nothing_back(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    """The reply gave the first response and arrived; the resolution told after it is lost:
    the first response stands (only the message that gave it takes it back)."""
    desk, receiver = reachable_desk
    number, net = await _opened(desk, receiver)
    replied_at = desk.clock.now()
    assert (await _reply(net, number)).status_code == 200
    assert len(await delivered(desk, receiver)) == 1
    desk.clock.advance(timedelta(minutes=5))
    receiver.status = 400
    assert (await _resolve(net, number)).status_code == 200
    assert await delivered(desk, receiver) == []
    assert _when(_state(desk, number)["first_response_at"]) == replied_at
    assert _desk_told(desk, number) == 1
