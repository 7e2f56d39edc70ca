"""Two people on one complaint at once, over the real bot (API and console over httpx): a
complaint a colleague holds is not taken from them (at the same moment, or from a page opened
before they took it), while a supervisor's explicit reassignment stays possible; a stale
"Save fields" form writes only what its user changed and refuses to overwrite a colleague's
change; a complaint is not resolved or rejected while a solution waits for approval; a grade
correction keeps who and why; supervisors and admins act under their own role."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import httpx

from tests.conftest import CallbackReceiver
from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login, delivered, rows

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)
    assert found is not None, page
    return html.unescape(found[1]).strip()


def _events(desk: Desk, number: str, kind: str) -> list[dict[str, Any]]:
    return rows(
        desk,
        "SELECT e.actor, e.detail FROM events e JOIN complaints c ON c.id = e.complaint_id "
        "WHERE c.number = :n AND e.kind = :k ORDER BY e.id",
        n=number,
        k=kind,
    )


def _complaint(desk: Desk, number: str) -> dict[str, Any]:
    (found,) = rows(desk, "SELECT * FROM complaints WHERE number = :n", n=number)
    return found


async def _staff(desk: Desk, name: str, role: str = "agent", language: str = "en") -> Any:
    accounts = desk.app.state.services.accounts
    return await accounts.create(name, role, ("billing",), PASSWORD, language=language)


async def _api(desk: Desk, agent: Any) -> httpx.AsyncClient:
    _, secret = await desk.app.state.services.accounts.issue_token(agent.id, "tests")
    return desk.client({"Authorization": f"Bearer {secret}"})


async def test_two_agents_taking_one_complaint_at_once_one_is_refused_and_the_customer_told_once(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    await delivered(desk, receiver)  # the acknowledgement's copy
    wang = await desk.account("Wang")
    emma = await desk.account("Emma")
    url = f"/api/complaints/{number}/assign"

    answers = await asyncio.gather(wang.post(url, json={}), emma.post(url, json={}))

    assert sorted(answer.status_code for answer in answers) == [200, 409], [
        answer.text for answer in answers
    ]
    (won,) = [answer for answer in answers if answer.status_code == 200]
    (lost,) = [answer for answer in answers if answer.status_code == 409]
    holder = won.json()["complaint"]["assignee"]
    assert lost.json()["detail"] == f"already assigned to {holder}"
    assert _complaint(desk, number)["assignee"] == holder
    assert len(_events(desk, number, "assigned")) == 1
    notices = [notice["text"] for notice in await delivered(desk, receiver)]
    assert notices == [f"Su reclamación {number} la gestiona ahora {holder}."]


async def test_taking_what_a_colleague_holds_is_refused_a_supervisor_reassigns_it(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    await delivered(desk, receiver)
    wang = await desk.account("Wang")
    emma_account = await _staff(desk, "Emma", language="es")
    await _staff(desk, "Sofia", role="supervisor")
    emma, emma_csrf, _ = await console_login(desk, "Emma", PASSWORD)
    sofia, sofia_csrf, _ = await console_login(desk, "Sofia", PASSWORD)
    page = f"/console/complaints/{number}"
    assert f'action="{page}/take"' in (await emma.get(page)).text  # her page, opened first

    assert (await wang.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    taken = await emma.post(f"{page}/take", data={"csrf_token": emma_csrf})
    assert taken.status_code == 303
    shown = await emma.get(page)
    assert _flash(shown.text) == "No se ha cambiado nada: ya estaba asignada a Wang."
    assert f'action="{page}/take"' not in shown.text  # held by Wang: nothing to take
    # Sofia's page still says nobody holds it: her choice is refused rather than made blind
    blind = await sofia.post(
        f"{page}/assign", data={"to": "Sofia", "was": "", "csrf_token": sofia_csrf}
    )
    assert blind.status_code == 303
    assert _flash((await sofia.get(page)).text) == "Nothing was changed: already assigned to Wang."
    assert _complaint(desk, number)["assignee"] == "Wang"
    # An agent cannot give a colleague's complaint either, not even to herself by name.
    emma_api = await _api(desk, emma_account)
    named = await emma_api.post(f"/api/complaints/{number}/assign", json={"to": "Emma"})
    assert named.status_code == 409 and named.json()["detail"] == "already assigned to Wang"

    moved = await sofia.post(
        f"{page}/assign", data={"to": "Emma", "was": "Wang", "csrf_token": sofia_csrf}
    )
    assert moved.status_code == 303
    assert _flash((await sofia.get(page)).text) == f"{number}: assigned to Emma."
    assert _complaint(desk, number)["assignee"] == "Emma"
    assert [event["actor"] for event in _events(desk, number, "assigned")] == [
        "agent:Wang",
        "supervisor:Sofia",
    ]
    notices = sorted(notice["text"] for notice in await delivered(desk, receiver))
    assert notices == [  # one per handler, none of the refusals
        f"Su reclamación {number} la gestiona ahora Emma.",
        f"Su reclamación {number} la gestiona ahora Wang.",
    ]


async def test_a_stale_fields_form_writes_only_what_its_user_changed(shop: Desk) -> None:
    number = (await shop.complain(BILLING))["complaint"]
    await _staff(shop, "Wang", language="zh-Hans")
    await _staff(shop, "Sofia", role="supervisor")
    wang, wang_csrf, _ = await console_login(shop, "Wang", PASSWORD)
    sofia, sofia_csrf, _ = await console_login(shop, "Sofia", PASSWORD)
    page = f"/console/complaints/{number}"
    loaded = _form_values((await wang.get(page)).text)  # Wang's page, opened first
    assert loaded["order_number"] == ""

    mine = _form_values((await sofia.get(page)).text)
    saved = await sofia.post(
        f"{page}/fields", data={**mine, "order_number": "PED-555", "csrf_token": sofia_csrf}
    )
    assert saved.status_code == 303
    assert _flash((await sofia.get(page)).text) == f"{number}: updated Order number."

    stale = await wang.post(
        f"{page}/fields", data={**loaded, "product": "mesa", "csrf_token": wang_csrf}
    )
    assert stale.status_code == 303
    assert _flash((await wang.get(page)).text) == f"{number}：已更新 产品。"
    found = _complaint(shop, number)
    assert (found["product"], found["order_number"]) == ("mesa", "PED-555")

    # Wang changes the order number Sofia changed since his page was loaded: refused, in his
    # language, naming the field and what it holds now.
    clash = await wang.post(
        f"{page}/fields", data={**loaded, "order_number": "PED-1", "csrf_token": wang_csrf}
    )
    assert clash.status_code == 303
    shown = _flash((await wang.get(page)).text)
    assert "PED-555" in shown and "someone else" not in shown and "订单号" in shown, shown
    assert _complaint(shop, number)["order_number"] == "PED-555"
    assert [event["actor"] for event in _events(shop, number, "fields_edited")] == [
        "supervisor:Sofia",
        "agent:Wang",
    ]


def _form_values(page: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="[^"]*/fields".*?</form>', page, re.S)
    assert form is not None
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input[^>]*name="(\w+)" value="([^"]*)"', form[0])
        if name != "csrf_token"
    }


async def test_api_edits_with_the_values_they_loaded_refuse_a_clash_at_once(shop: Desk) -> None:
    number = (await shop.complain(BILLING))["complaint"]
    wang = await shop.account("Wang")
    sofia = await shop.account("Sofia", role="supervisor")
    url = f"/api/complaints/{number}"
    answers = await asyncio.gather(
        wang.patch(url, json={"order_number": "PED-1", "was": {"order_number": ""}}),
        sofia.patch(url, json={"order_number": "PED-555", "was": {"order_number": ""}}),
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    (won,) = [answer for answer in answers if answer.status_code == 200]
    (lost,) = [answer for answer in answers if answer.status_code == 409]
    kept = won.json()["complaint"]["order_number"]
    assert lost.json()["detail"] == (
        f"someone else changed order_number while you were editing it (it is now '{kept}'); "
        "nothing was saved: check it and save again"
    )
    unchanged = await wang.patch(
        url, json={"product": "mesa", "order_number": "", "was": {"order_number": ""}}
    )
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json()["complaint"]["order_number"] == kept  # not written back empty
    assert len(_events(shop, number, "fields_edited")) == 2


async def test_a_complaint_is_not_resolved_while_a_solution_waits_for_approval(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    await delivered(desk, receiver)
    wang = await desk.account("Wang")
    sofia = await desk.account("Sofia", role="supervisor")
    url = f"/api/complaints/{number}"
    waiting = await wang.post(f"{url}/solutions", json={"kind": "compensation", "amount": "150"})
    assert waiting.json()["status"] == "awaiting_approval"
    await delivered(desk, receiver)
    before = _complaint(desk, number)

    resolved = await wang.post(f"{url}/resolve", json={"summary": "已退款"})
    rejected = await wang.post(f"{url}/reject", json={"explanation": "no es válida"})

    for refused in (resolved, rejected):
        assert refused.status_code == 409, refused.text
        assert refused.json()["detail"] == (
            f"{number} has a solution waiting for a supervisor's approval (compensation, "
            "150.00 EUR): a supervisor approves or rejects it before the complaint can be "
            "resolved or rejected"
        )
    assert _complaint(desk, number) == before
    assert await delivered(desk, receiver) == []

    await _staff(desk, "Emma", language="zh-Hant")
    emma, csrf, _ = await console_login(desk, "Emma", PASSWORD)
    page = f"/console/complaints/{number}"
    await emma.post(f"{page}/resolve", data={"summary": "已退款", "csrf_token": csrf})
    shown = _flash((await emma.get(page)).text)
    assert "主管" in shown and "supervisor" not in shown, shown
    assert _complaint(desk, number)["status"] == before["status"]

    decision = f"{url}/solutions/{waiting.json()['id']}/decision"
    approved = await sofia.post(decision, json={"approve": True})
    assert approved.status_code == 200 and approved.json()["status"] == "proposed"
    finished = await wang.post(f"{url}/resolve", json={"summary": "Reembolsado."})
    assert finished.status_code == 200 and finished.json()["complaint"]["status"] == "resolved"
    again = await sofia.post(decision, json={"approve": True})
    assert again.status_code == 409, again.text
    assert again.json()["detail"] == "solution 1 is proposed, not waiting for approval"


GRADE_ENTRY = {  # the timeline's entry of the grade correction: who, what, why
    "en": ("alice (admin)", "grade corrected", "why: cliente repetido, pantalla rota"),
    "es": (
        "alice (administrador)",
        "gravedad corregida",
        "motivo: cliente repetido, pantalla rota",
    ),
    "zh-Hans": ("alice（管理员）", "等级已更正", "原因: cliente repetido, pantalla rota"),
    "zh-Hant": ("alice（管理員）", "等級已更正", "原因: cliente repetido, pantalla rota"),
}


async def test_a_grade_correction_keeps_who_and_why_in_each_language(desk: Desk) -> None:
    number = (await desk.complain(BILLING))["complaint"]
    alice = await desk.account("alice", role="admin", departments=("billing",))
    corrected = await alice.post(
        f"/api/complaints/{number}/correct",
        json={"grade": "urgent", "reason": "cliente repetido, pantalla rota"},
    )
    assert corrected.status_code == 200, corrected.text
    (event,) = (
        entry for entry in corrected.json()["timeline"] if entry.get("event") == "grade_corrected"
    )
    assert event["actor"] == "admin:alice"
    assert event["detail"]["why"] == "cliente repetido, pantalla rota"
    assert event["detail"]["to"] == "urgent"

    client, _, _ = await console_login(desk, "alice", PASSWORD)
    for language, (who, what, why) in GRADE_ENTRY.items():
        page = await client.get(
            f"/console/complaints/{number}", headers={"Accept-Language": language}
        )
        entries = re.findall(r'<li class="event">(.*?)</li>', page.text, re.S)
        (entry,) = (
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
            for text in entries
            if "pantalla rota" in text
        )
        assert who in entry and what in entry and why in entry, entry
