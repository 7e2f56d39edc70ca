"""The staff API against an integrator's walkthrough (README "The API"), over the real bot:
numbers too large for the store, misspelt keys, unknown filter values, merged complaints and
what the OpenAPI document says are answered as the README promises, never with a 500."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Desk, rows

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
HUGE = "99999999999999999999"


def _fields(answer: Any) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    return {problem["field"]: problem["error"] for problem in answer.json()["detail"]}


async def test_numbers_too_large_for_the_store_are_422_naming_the_parameter(shop: Desk) -> None:
    number = (await shop.complain(BILLING))["complaint"]
    admin = await shop.account("Root", role="admin", departments=())
    for path in ("/api/complaints", "/api/audit", "/api/dead-letters"):
        assert _fields(await admin.get(path, params={"offset": HUGE})) == {
            "query.offset": "Input should be less than or equal to 9223372036854775807"
        }, path
    for method, path, body in [
        ("GET", f"/api/accounts/{HUGE}/tokens", None),
        ("POST", f"/api/accounts/{HUGE}/tokens", {}),
        ("PATCH", f"/api/accounts/{HUGE}", {"email": "a@example.com"}),
        ("GET", f"/api/customers/{HUGE}/export", None),
        ("POST", f"/api/customers/{HUGE}/erase", {"confirm": HUGE}),
        ("GET", f"/api/complaints/{number}/attachments/{HUGE}", None),
        ("GET", f"/api/rules/versions/{HUGE}", None),
        ("POST", f"/api/rules/versions/{HUGE}/rollback", None),
        ("POST", f"/api/complaints/{number}/solutions/{HUGE}/decision", {"approve": True}),
        (
            "PUT",
            f"/api/canned-replies/{HUGE}",
            {"key": "k", "language": "en", "title": "t", "text": "x"},
        ),
        ("DELETE", f"/api/canned-replies/{HUGE}", None),
        ("GET", f"/api/dead-letters/{HUGE}/raw", None),
    ]:
        answer = await admin.request(method, path, json=body)
        assert answer.status_code == 422, (method, path, answer.status_code, answer.text)
        assert [p["loc"][0] for p in answer.json()["detail"]] == ["path"], (method, path)
    too_big = {"name": "Tg", "departments": ["billing"], "telegram_user_id": int(HUGE)}
    assert "telegram_user_id" in _fields(await admin.post("/api/accounts", json=too_big))


async def test_nul_is_dropped_before_an_account_s_fields_are_checked(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    created = await admin.post(
        "/api/accounts", json={"name": "nul\u0000x", "departments": ["billing"]}
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "nulx"
    empty = await admin.post("/api/accounts", json={"name": "\u0000", "departments": ["billing"]})
    assert "name" in _fields(empty)


async def test_a_merged_complaint_refuses_work_with_409(shop: Desk) -> None:
    first = (await shop.complain(BILLING))["complaint"]
    second = (await shop.complain("El mando a distancia no funciona."))["complaint"]
    agent = await shop.account("Root", role="admin", departments=())
    merged = await agent.post(f"/api/complaints/{second}/merge", json={"into": first})
    assert merged.status_code == 200, merged.text
    for action, body in [
        ("resolve", {"summary": "Refunded."}),
        ("reply", {"text": "We are on it."}),
        ("correct", {"grade": "urgent", "reason": "worse"}),
        ("assign", {}),
    ]:
        answer = await agent.post(f"/api/complaints/{second}/{action}", json=body)
        assert answer.status_code == 409, (action, answer.text)
        assert f"merged into {first}" in answer.json()["detail"]


async def test_misspelt_keys_are_refused_naming_them(shop: Desk) -> None:
    number = (await shop.complain(BILLING))["complaint"]
    admin = await shop.account("Root", role="admin", departments=())
    account = (await admin.get("/api/me")).json()["id"]
    before = (await admin.get("/api/accounts")).json()
    assert "nmae" in _fields(await admin.patch(f"/api/accounts/{account}", json={"nmae": "x"}))
    assert (await admin.get("/api/accounts")).json() == before
    texts = rows(shop, "SELECT id FROM messages")
    wrong = await admin.post(f"/api/complaints/{number}/reply", json={"txt": "Hola"})
    assert "txt" in _fields(wrong)
    assert rows(shop, "SELECT id FROM messages") == texts
    token = await admin.post(f"/api/accounts/{account}/tokens", json={"nmae": "script"})
    assert "nmae" in _fields(token)


async def test_an_unknown_canned_reply_language_is_422(desk: Desk) -> None:
    agent = await desk.account("Ana")
    wrong = _fields(await agent.get("/api/canned-replies", params={"language": "xx"}))
    assert "zh-Hans, zh-Hant, es, en" in wrong["query.language"]
    assert (await agent.get("/api/canned-replies", params={"language": "es"})).status_code == 200


async def test_a_token_is_issued_without_a_body(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    account = (await admin.get("/api/me")).json()["id"]
    issued = await admin.post(f"/api/accounts/{account}/tokens")
    assert issued.status_code == 201, issued.text
    assert issued.json()["name"] == "" and issued.json()["token"]


async def test_the_openapi_document_names_the_refusals_really_sent(desk: Desk) -> None:
    spec = (await desk.client().get("/openapi.json")).json()
    queue = spec["paths"]["/api/complaints"]["get"]["responses"]
    assert "403" in queue
    tokens = spec["paths"]["/api/accounts/{account_id}/tokens"]["get"]["responses"]["404"]
    assert "account" in tokens["description"]
    assert "No such complaint" not in str(tokens)
