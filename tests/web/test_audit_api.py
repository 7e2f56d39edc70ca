"""The audit log over the real bot: account, token and login changes and customer exports and
erasures are recorded with who did them and no secret or personal data; only admins read it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.web.conftest import Desk, rows
from tests.web.test_console_login_throttle import attempt

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"


async def audit(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    answer = await client.get("/api/audit", params=params)
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()
    return events


async def admin_of(desk: Desk) -> tuple[httpx.AsyncClient, str]:
    admin = await desk.account("Root", role="admin", departments=())
    return admin, str((await admin.get("/api/me")).json()["id"])


async def test_only_admins_read_the_audit_log(desk: Desk) -> None:
    assert (await desk.client().get("/api/audit")).status_code == 401
    for role in ("agent", "supervisor"):
        client = await desk.account(f"A {role}", role=role)
        refused = await client.get("/api/audit")
        assert refused.status_code == 403
        assert "admin" in refused.json()["detail"]
    admin, _ = await admin_of(desk)
    assert (await admin.get("/api/audit")).status_code == 200


async def test_account_and_token_changes_are_recorded_by_the_admin_without_secrets(
    desk: Desk,
) -> None:
    admin, admin_id = await admin_of(desk)
    created = await admin.post(
        "/api/accounts",
        json={"name": "Li Wei", "role": "agent", "departments": ["billing"], "password": PASSWORD},
    )
    account = str(created.json()["id"])
    changed = await admin.patch(
        f"/api/accounts/{account}",
        json={"role": "supervisor", "password": NEW_PASSWORD, "email": "li@example.com"},
    )
    assert changed.status_code == 200, changed.text
    await admin.patch(f"/api/accounts/{account}", json={"active": False})
    issued = (await admin.post(f"/api/accounts/{account}/tokens", json={"name": "x"})).json()
    revoked = await admin.delete(f"/api/accounts/{account}/tokens/{issued['id']}")
    assert revoked.status_code == 204

    events = await audit(admin, actor=admin_id)
    assert [(e["action"], e["target"]) for e in events] == [
        ("token_revoked", account),
        ("token_issued", account),
        ("account_updated", account),
        ("account_updated", account),
        ("account_created", account),
    ]
    assert events[0]["detail"] == {"token_id": issued["id"]}
    assert events[2]["detail"] == {"active": False}
    assert events[3]["detail"] == {
        "role": "supervisor",
        "email_changed": True,
        "password_changed": True,
    }
    assert events[4]["detail"] == {
        "role": "agent",
        "departments": ["billing"],
        "password_set": True,
    }
    stored = str(rows(desk, "SELECT * FROM audit_events"))
    for secret in (PASSWORD, NEW_PASSWORD, issued["token"], "li@example.com", "Li Wei"):
        assert secret not in stored
    # The fixture's own accounts were made outside any request: by "system".
    assert {e["action"] for e in await audit(admin, actor="system")} == {
        "account_created",
        "token_issued",
    }


async def test_refused_and_throttled_logins_name_the_account_by_id_and_mask_the_address(
    desk: Desk,
) -> None:
    admin, _ = await admin_of(desk)
    await desk.account("Marta", password=PASSWORD)
    accounts = (await admin.get("/api/accounts")).json()
    marta = str(next(a["id"] for a in accounts if a["name"] == "Marta"))
    guesser = desk.client()
    assert (await attempt(guesser, "Nobody", "guess-0")).status_code == 200
    for guess in range(6):
        await attempt(guesser, "Marta", f"guess-{guess}")
    assert (await attempt(guesser, "Marta", PASSWORD)).status_code == 429

    throttled = await audit(admin, action="login_throttled")
    assert [(e["actor"], e["target"]) for e in throttled] == [("system", marta)]
    refused = await audit(admin, action="login_refused")
    assert [e["target"] for e in refused] == [marta] * 6 + ["unknown"]
    assert {e["detail"]["network"] for e in refused + throttled} == {"127.0.0.0/24"}
    stored = str(rows(desk, "SELECT * FROM audit_events"))
    for secret in ("Nobody", "Marta", "guess-", PASSWORD, "127.0.0.1"):
        assert secret not in stored


async def test_exports_and_erasures_are_recorded_by_customer_id(shop: Desk) -> None:
    admin, admin_id = await admin_of(shop)
    await shop.complain("My bill is wrong", customer="c-1", id_="order-1")
    (row,) = rows(shop, "SELECT id FROM customers")
    customer = str(row["id"])
    assert (await admin.get(f"/api/customers/{customer}/export")).status_code == 200
    erased = await admin.post(f"/api/customers/{customer}/erase", json={"confirm": customer})
    assert erased.status_code == 200, erased.text

    events = await audit(admin, actor=admin_id)
    assert [(e["action"], e["target"]) for e in events[:2]] == [
        ("customer_erased", customer),
        ("customer_exported", customer),
    ]
    assert events[0]["detail"] == erased.json()["erased"]
    assert "Ana" not in str(rows(shop, "SELECT * FROM audit_events"))


async def test_the_log_pages_newest_first(desk: Desk) -> None:
    admin, admin_id = await admin_of(desk)
    for n in range(5):
        await admin.post("/api/accounts", json={"name": f"Agent {n}", "departments": ["billing"]})
    everything = await audit(admin, action="account_created", actor=admin_id)
    assert len(everything) == 5
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    first = await audit(admin, action="account_created", actor=admin_id, limit=2)
    second = await audit(admin, action="account_created", actor=admin_id, limit=2, offset=2)
    last = await audit(admin, action="account_created", actor=admin_id, limit=2, offset=4)
    assert [e["id"] for e in first + second + last] == [e["id"] for e in everything]
    assert (await admin.get("/api/audit", params={"limit": 0})).status_code == 422
