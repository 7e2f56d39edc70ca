"""A reopened complaint's current view over the real bot (webhook customer, API, console): while
it is open again it has no current resolution or satisfaction score, its earlier round stays on
the timeline, and the next resolution asks the customer again, the new answer counting alone."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import CallbackReceiver
from tests.web.conftest import Desk, console_login, delivered

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
ROUND = ("resolved_at", "resolution_summary", "survey_score", "survey_comment")


def current(detail: dict[str, Any]) -> dict[str, Any]:
    complaint = detail["complaint"]
    return {key: complaint[key] for key in ("status", *ROUND, "survey_answered_at")}


def events(detail: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        {"at": entry["at"], **entry["detail"]}
        for entry in detail["timeline"]
        if entry["kind"] == "event" and entry["event"] == kind
    ]


async def survey_round(desk: Desk, receiver: CallbackReceiver) -> None:
    """A week later the survey goes out, and reaches the customer."""
    desk.clock.advance(timedelta(days=7))
    assert (await desk.app.state.services.sweeps.run_all())["surveys"] == 1
    assert [said["kind"] for said in await delivered(desk, receiver)] == ["survey"]


async def resolve(agent: httpx.AsyncClient, number: str, summary: str) -> dict[str, Any]:
    done = await agent.post(f"/api/complaints/{number}/resolve", json={"summary": summary})
    assert done.status_code == 200, done.text
    return dict(done.json())


async def detail(agent: httpx.AsyncClient, number: str) -> dict[str, Any]:
    found = await agent.get(f"/api/complaints/{number}")
    assert found.status_code == 200, found.text
    return dict(found.json())


async def test_a_low_score_reopening_clears_the_round_and_the_next_round_asks_again(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana")
    assert (await ana.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    first = await resolve(ana, number, "Devuelto.")
    resolved_at = first["complaint"]["resolved_at"]
    assert resolved_at is not None
    await delivered(desk, receiver)
    await survey_round(desk, receiver)

    await desk.complain("1 - sigue cobrado dos veces", id_="survey-1", complaint=number)
    reopened = await detail(ana, number)
    assert current(reopened) == {
        "status": "reopened",
        "resolved_at": None,
        "resolution_summary": "",
        "survey_score": None,
        "survey_comment": "",
        "survey_answered_at": None,
    }
    # the earlier round happened: the timeline keeps it
    changes = [(e["to"], e["why"], e["at"]) for e in events(reopened, "status_changed")]
    assert ("resolved", "Devuelto.", resolved_at) in changes
    assert changes[-1][:2] == ("reopened", "survey score 1")
    assert [e["score"] for e in events(reopened, "survey_answered")] == [1]
    assert any(
        entry["kind"] == "message" and entry["text"] == "1 - sigue cobrado dos veces"
        for entry in reopened["timeline"]
    )
    queue = await ana.get("/api/complaints", params={"status": "reopened"})
    assert [item["number"] for item in queue.json()["items"]] == [number]
    assert not set(ROUND) & set(queue.json()["items"][0])  # the queue shows no round's fields

    # the console shows no resolution while it is open again
    console, _, _ = await console_login(desk, "Ana", "correct horse battery")
    page = html.unescape((await console.get(f"/console/complaints/{number}")).text)
    assert 'id="resolved"' not in page and "<dt>Resolution</dt>" not in page
    assert "Devuelto." in page  # on the timeline

    second = await resolve(ana, number, "Devuelto de verdad.")
    assert (second["complaint"]["resolved_at"], second["complaint"]["survey_score"]) != (
        resolved_at,
        1,
    )
    assert second["complaint"]["survey_score"] is None
    assert second["complaint"]["resolution_summary"] == "Devuelto de verdad."
    await delivered(desk, receiver)
    await survey_round(desk, receiver)  # the customer is asked again for the new round
    await desk.complain("5, gracias", id_="survey-2", complaint=number)
    closed = await detail(ana, number)
    assert current(closed)["status"] == "closed"
    assert (closed["complaint"]["survey_score"], closed["complaint"]["survey_comment"]) == (
        5,
        "gracias",
    )
    assert [e["score"] for e in events(closed, "survey_answered")] == [1, 5]


async def test_a_reopening_by_staff_clears_a_closed_complaints_rating(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana")
    assert (await ana.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    await resolve(ana, number, "Devuelto.")
    await delivered(desk, receiver)
    await survey_round(desk, receiver)
    await desk.complain("4 bien", id_="survey-1", complaint=number)
    rated = await detail(ana, number)
    assert (rated["complaint"]["status"], rated["complaint"]["survey_score"]) == ("closed", 4)

    reopened = await ana.post(
        f"/api/complaints/{number}/reopen", json={"reason": "the bank returned the refund"}
    )
    assert reopened.status_code == 200, reopened.text
    assert current(reopened.json()) == {
        "status": "reopened",
        "resolved_at": None,
        "resolution_summary": "",
        "survey_score": None,
        "survey_comment": "",
        "survey_answered_at": None,
    }
    found = await detail(ana, number)
    assert current(found) == current(reopened.json())
    assert [e["score"] for e in events(found, "survey_answered")] == [4]
    assert "Devuelto." in [e["why"] for e in events(found, "status_changed")]
