"""A solution proposed on a finished complaint is refused with what the person can do instead
(staff.solutions.finished_refusal, by the rules of staff.reopening): reopen it; for an agent
on a rejected one, ask a supervisor to review it; for a merged one, work on the complaint it
went into. Every refusal changes nothing."""

from __future__ import annotations

import html

from tests.conftest import table_counts
from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
OFFER = {"kind": "refund", "amount": 20}


async def test_each_finished_status_names_what_the_person_can_do(desk: Desk) -> None:
    resolved = (await desk.complain(BILLING, customer="c-1"))["complaint"]
    rejected = (await desk.complain(BILLING, customer="c-2"))["complaint"]
    merged = (await desk.complain(BILLING, customer="c-3"))["complaint"]
    into = (await desk.complain(BILLING + " Otra vez.", customer="c-3"))["complaint"]
    ana = await desk.account("Ana")
    sam = await desk.account("Sam", role="supervisor")
    assert (await ana.post(f"/api/complaints/{resolved}/assign", json={})).status_code == 200
    done = await ana.post(f"/api/complaints/{resolved}/resolve", json={"summary": "Devuelto."})
    assert done.status_code == 200, done.text
    said = await ana.post(f"/api/complaints/{rejected}/reject", json={"explanation": "No."})
    assert said.status_code == 200, said.text
    joined = await ana.post(f"/api/complaints/{merged}/merge", json={"into": into})
    assert joined.status_code == 200, joined.text
    before = table_counts(desk.bot.store_url)

    cases = [
        (ana, resolved, f"{resolved} is resolved; reopen it before proposing a solution"),
        (sam, resolved, f"{resolved} is resolved; reopen it before proposing a solution"),
        (
            ana,
            rejected,
            f"{rejected} is rejected; ask a supervisor of billing to review and reopen it "
            "before a solution is proposed",
        ),
        (sam, rejected, f"{rejected} is rejected; reopen it before proposing a solution"),
        (ana, merged, f"{merged} was merged into {into}; propose the solution on {into}"),
        (sam, merged, f"{merged} was merged into {into}; propose the solution on {into}"),
    ]
    for client, number, detail in cases:
        refused = await client.post(f"/api/complaints/{number}/solutions", json=OFFER)
        assert refused.status_code == 422, refused.text
        assert refused.json() == {"detail": detail}
    assert table_counts(desk.bot.store_url) == before


async def test_an_agent_reads_the_rejected_case_in_spanish_in_the_console(desk: Desk) -> None:
    rejected = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana", password=PASSWORD)
    said = await ana.post(f"/api/complaints/{rejected}/reject", json={"explanation": "No."})
    assert said.status_code == 200, said.text
    console, csrf, _ = await console_login(desk, "Ana", PASSWORD)
    before = table_counts(desk.bot.store_url)
    console.headers["Accept-Language"] = "es"
    form = {"kind": "refund", "amount": "20", "description": "", "csrf_token": csrf}
    refused = await console.post(f"/console/complaints/{rejected}/solutions", data=form)
    assert refused.status_code == 303, refused.text
    page = html.unescape((await console.get(refused.headers["location"])).text)
    assert f"{rejected} está rechazada; pida a un supervisor de " in page
    assert "que la revise y la reabra antes de proponer una solución" in page
    assert table_counts(desk.bot.store_url) == before
