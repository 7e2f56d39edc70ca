"""Refusals of the staff API and console over the real bot (README "The API"): bad input is
answered 422 (or 403) with the reason, every wrong field named at once, and nothing changes;
a disabled account's tokens are revoked for good."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Desk, console_login, rows

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."


def _fields(answer: Any) -> dict[str, str]:
    """The wrong fields of a validation 422, by name, with their reasons."""
    assert answer.status_code == 422, answer.text
    return {problem["field"]: problem["error"] for problem in answer.json()["detail"]}


async def test_a_reply_with_both_a_canned_reply_and_a_text_is_refused_and_sends_nothing(
    shop: Desk,
) -> None:
    desk = shop
    number = (await desk.complain(BILLING))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    script = {"key": "checking", "language": "es", "title": "Revisando", "text": "Lo revisamos."}
    assert (await admin.post("/api/canned-replies", json=script)).status_code == 201
    before = rows(desk, "SELECT id FROM messages")

    both = await admin.post(
        f"/api/complaints/{number}/reply", json={"canned": "checking", "text": "also this"}
    )
    assert both.status_code == 422, both.text
    assert "a canned reply or a text, not both" in both.json()["detail"]
    assert rows(desk, "SELECT id FROM messages") == before
    alone = await admin.post(f"/api/complaints/{number}/reply", json={"canned": "checking"})
    assert alone.status_code == 200, alone.text


async def test_a_disabled_account_s_tokens_stay_revoked_after_reactivation(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    agent = await desk.account("Ana")
    account = (await agent.get("/api/me")).json()["id"]

    disabled = await admin.patch(f"/api/accounts/{account}", json={"active": False})
    assert disabled.json()["active"] is False and disabled.json()["can_log_in"] is False
    assert (await agent.get("/api/me")).status_code == 401
    tokens = (await admin.get(f"/api/accounts/{account}/tokens")).json()
    assert tokens and all(token["revoked_at"] for token in tokens)
    audit = (await admin.get("/api/audit")).json()
    revoked = [e for e in audit if e["action"] == "token_revoked" and e["target"] == str(account)]
    assert [e["detail"]["token_id"] for e in revoked] == [token["id"] for token in tokens]

    enabled = await admin.patch(f"/api/accounts/{account}", json={"active": True})
    assert enabled.json()["active"] is True and enabled.json()["can_log_in"] is True
    assert (await agent.get("/api/me")).status_code == 401  # the old token is gone for good
    issued = (await admin.post(f"/api/accounts/{account}/tokens", json={})).json()["token"]
    fresh = desk.client({"Authorization": f"Bearer {issued}"})
    assert (await fresh.get("/api/me")).status_code == 200


async def test_the_console_queue_refuses_a_due_within_that_is_no_duration(desk: Desk) -> None:
    accounts = desk.app.state.services.accounts
    await accounts.create("Lucía", "admin", (), "correct horse battery", language="es")
    client, _, _ = await console_login(desk, "Lucía", "correct horse battery")
    page = await client.get("/console/queue", params={"due_within": "zz"})
    assert page.status_code == 422
    assert "«zz» no es una duración" in page.text
    assert (await client.get("/console/queue", params={"due_within": "2h"})).status_code == 200


async def test_a_department_filter_outside_the_agents_departments_is_refused(desk: Desk) -> None:
    await desk.complain(BILLING)
    nina = await desk.account("Nina", departments=("network",))
    answer = await nina.get("/api/complaints", params={"department": "billing"})
    assert answer.status_code == 403, answer.text
    assert "billing" in answer.json()["detail"] and "(network)" in answer.json()["detail"]
    assert (await nina.get("/api/complaints", params={"department": "network"})).status_code == 200

    accounts = desk.app.state.services.accounts
    await accounts.create("Lucía", "agent", ("network",), "correct horse battery", language="es")
    client, _, _ = await console_login(desk, "Lucía", "correct horse battery")
    page = await client.get("/console/queue", params={"department": "billing"})
    assert page.status_code == 403, page.text
    assert "no es uno de sus departamentos" in page.text


async def test_a_dry_run_on_an_unknown_channel_is_refused_naming_the_channels(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    answer = await admin.post("/api/rules/dry-run", json={"text": "hello", "channel": "fax"})
    assert "email, telegram, webhook" in _fields(answer)["channel"]


async def test_a_new_account_with_many_wrong_fields_is_refused_naming_each(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    before = (await admin.get("/api/accounts")).json()
    body = {
        "name": "Bea",
        "role": "boss",
        "departments": ["nowhere"],
        "password": "short",
        "language": "fr",
        "email": "not-an-address",
    }
    wrong = _fields(await admin.post("/api/accounts", json=body))
    assert sorted(wrong) == ["departments", "email", "language", "password", "role"]
    assert "role must be one of" in wrong["role"]
    assert "unknown department(s) nowhere" in wrong["departments"]
    assert "10 characters" in wrong["password"]
    assert "language must be one of" in wrong["language"]
    assert "not an e-mail address" in wrong["email"]
    assert (await admin.get("/api/accounts")).json() == before


async def test_a_rejection_without_a_reason_names_the_reason_field(desk: Desk) -> None:
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana", departments=("billing",))
    sam = await desk.account("Sam", role="supervisor", departments=("billing",))
    big = await ana.post(
        f"/api/complaints/{number}/solutions", json={"kind": "compensation", "amount": 250}
    )
    path = f"/api/complaints/{number}/solutions/{big.json()['id']}/decision"
    wrong = _fields(await sam.post(path, json={"approve": False}))
    assert "say why the solution is rejected" in wrong["reason"]
    shown = (await ana.get(f"/api/complaints/{number}")).json()["solutions"]
    assert shown[0]["status"] == "awaiting_approval"
