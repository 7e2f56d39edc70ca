"""A correction that moves a complaint to another department, over the real HTTP API: its
handler stays only if they work for the new department; otherwise the complaint goes back to
that department's queue, nobody holding it, so its agents can take it."""

from __future__ import annotations

from tests.web.conftest import Desk

NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."


async def test_a_move_to_a_department_the_handler_does_not_work_for_frees_the_complaint(
    desk: Desk,
) -> None:
    number = (await desk.complain(NETWORK))["complaint"]
    net = await desk.account("Net", departments=("network",))
    bill = await desk.account("Bill", departments=("billing",))
    root = await desk.account("Root", role="admin", departments=())
    taken = await net.post(f"/api/complaints/{number}/assign", json={})
    assert taken.status_code == 200 and taken.json()["complaint"]["assignee"] == "Net"

    moved = await root.post(
        f"/api/complaints/{number}/correct",
        json={"department": "billing", "reason": "a double charge, not the signal"},
    )
    assert moved.status_code == 200, moved.text
    shown = moved.json()["complaint"]
    assert shown["department"] == "billing" and shown["assignee"] == ""
    freed = [e for e in moved.json()["timeline"] if e.get("event") == "assigned"][-1]
    assert freed["actor"] == "admin:Root" and freed["detail"] == {"from": "Net", "to": ""}

    queue = (await bill.get("/api/complaints", params={"assignee": "-"})).json()
    assert [item["number"] for item in queue["items"]] == [number]
    took = await bill.post(f"/api/complaints/{number}/assign", json={})
    assert took.status_code == 200, took.text
    assert took.json()["complaint"]["assignee"] == "Bill"
    assert (await net.get(f"/api/complaints/{number}")).status_code == 403  # not Net's now


async def test_a_move_keeps_a_handler_who_works_for_the_new_department(desk: Desk) -> None:
    number = (await desk.complain(NETWORK))["complaint"]
    both = await desk.account("Both", departments=("network", "billing"))
    root = await desk.account("Root", role="admin", departments=())
    assert (await both.post(f"/api/complaints/{number}/assign", json={})).status_code == 200

    moved = await root.post(f"/api/complaints/{number}/correct", json={"department": "billing"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["complaint"]["assignee"] == "Both"
    assigned = [e["detail"] for e in moved.json()["timeline"] if e.get("event") == "assigned"]
    assert assigned == [{"from": "", "to": "Both"}]  # the taking only
    shown = await both.get(f"/api/complaints/{number}")
    assert shown.status_code == 200
