"""A merge into a complaint nobody holds keeps the merged complaint's handler: her work (a
solution waiting for approval) moved there, and "handler: nobody" would leave it unanswerable."""

from __future__ import annotations

from datetime import timedelta

from tests.web.conftest import Desk

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
AGAIN = "Sigo esperando el reembolso del doble cargo en mi tarjeta de la semana pasada."


async def test_a_merge_into_an_unheld_complaint_keeps_the_merged_ones_handler(
    desk: Desk,
) -> None:
    held = (await desk.complain(BILLING, customer="c-3"))["complaint"]
    desk.clock.advance(timedelta(hours=2))
    unheld = (await desk.complain(AGAIN, customer="c-3"))["complaint"]
    assert held != unheld
    lucia = await desk.account("Lucía", departments=("billing",))
    await desk.account("Marco", departments=("billing",))
    proposed = await lucia.post(
        f"/api/complaints/{held}/solutions",
        json={"kind": "compensation", "amount": 250, "description": "por las molestias"},
    )
    assert proposed.status_code == 201 and proposed.json()["status"] == "awaiting_approval"

    merged = await lucia.post(f"/api/complaints/{held}/merge", json={"into": unheld})
    assert merged.status_code == 200, merged.text
    target = (await lucia.get(f"/api/complaints/{unheld}")).json()
    assert target["complaint"]["assignee"] == "Lucía"
    assigned = [e["detail"] for e in target["timeline"] if e["event"] == "assigned"]
    assert assigned.count({"from": "", "to": "Lucía"}) == 2  # her taking, moved; and this
