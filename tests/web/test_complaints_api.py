"""Agents' work over the real HTTP API: queue, timeline, actions, solutions, canned replies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from tests.conftest import table_counts
from tests.web.conftest import CallbackReceiver, Desk, delivered

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."
NASTY = '<script>alert("x")</script> 我的手机坏了 😡 <b>bold</b>'


async def test_complaint_routes_need_authentication(desk: Desk) -> None:
    filed = await desk.complain(BILLING)
    number = filed["complaint"]
    anonymous = desk.client()
    for method, path in [
        ("GET", "/api/complaints"),
        ("GET", f"/api/complaints/{number}"),
        ("GET", f"/api/complaints/{number}/attachments/1"),
        ("POST", f"/api/complaints/{number}/reply"),
        ("POST", f"/api/complaints/{number}/notes"),
        ("POST", f"/api/complaints/{number}/assign"),
        ("POST", f"/api/complaints/{number}/correct"),
        ("PATCH", f"/api/complaints/{number}"),
        ("POST", f"/api/complaints/{number}/reject"),
        ("POST", f"/api/complaints/{number}/resolve"),
        ("POST", f"/api/complaints/{number}/solutions"),
        ("POST", f"/api/complaints/{number}/solutions/1/decision"),
        ("GET", "/api/canned-replies"),
        ("POST", "/api/canned-replies"),
        ("PUT", "/api/canned-replies/1"),
        ("DELETE", "/api/canned-replies/1"),
        ("GET", f"/api/canned-replies/x/for/{number}"),
    ]:
        response = await anonymous.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)


async def test_queue_is_scoped_filtered_and_searchable(desk: Desk) -> None:
    billing = (await desk.complain(BILLING, customer="c-1", name="Ana Pérez"))["complaint"]
    desk.clock.advance(timedelta(minutes=5))
    network = (await desk.complain(NETWORK, customer="c-2", name="Bo Lindqvist"))["complaint"]
    ana = await desk.account("Ana", departments=("billing",))
    admin = await desk.account("Root", role="admin", departments=())

    mine = (await ana.get("/api/complaints")).json()
    assert [item["number"] for item in mine["items"]] == [billing] and mine["total"] == 1
    assert mine["items"][0]["excerpt"].startswith("Me han cobrado dos veces")
    everything = (await admin.get("/api/complaints")).json()
    assert {item["number"] for item in everything["items"]} == {billing, network}

    async def numbers(**params: Any) -> set[str]:
        response = await admin.get("/api/complaints", params=params)
        assert response.status_code == 200, response.text
        return {item["number"] for item in response.json()["items"]}

    assert await numbers(department="network") == {network}
    assert await numbers(q="tarjeta") == {billing}  # words of the message
    assert await numbers(q="bo lindqvist") == {network}  # the customer's name
    assert await numbers(q=network.lower()) == {network}
    assert await numbers(q="nothing-like-this") == set()
    for wildcard in ("%", "_", "a%b", "Bo_Li"):  # LIKE's wildcards are searched as themselves
        assert await numbers(q=wildcard) == set(), wildcard
    assert await numbers(status="open") == {billing, network}
    assert await numbers(channel="email") == set()
    assert await numbers(assignee="-") == {billing, network}
    assert await numbers(overdue="true") == set()
    desk.clock.advance(timedelta(days=30))
    assert await numbers(overdue="true") == {billing, network}
    assert (await admin.get("/api/complaints", params={"due_within": "soon"})).status_code == 422

    # Someone else's department: refused, and the complaint is not shown either.
    refused = await ana.get(f"/api/complaints/{network}")
    assert refused.status_code == 403 and "network" in refused.json()["detail"]
    assert (await ana.get("/api/complaints/C-2000-999999")).status_code == 404


async def test_timeline_shows_messages_events_trace_and_attachments(desk: Desk) -> None:
    attachment = {"name": "ticket.pdf", "content_type": "application/pdf", "data": "JVBERi0x"}
    number = (await desk.complain(NASTY, attachments=[attachment]))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    view = (await admin.get(f"/api/complaints/{number}")).json()
    inbound = [e for e in view["timeline"] if e["kind"] == "message" and e["direction"] == "in"]
    assert inbound[0]["text"] == NASTY  # stored and returned intact
    assert view["routing_trace"] and {"rule", "matched"} <= set(view["routing_trace"][0])
    assert any(e["kind"] == "event" for e in view["timeline"])
    assert view["customer"]["name"] == "Ana Pérez"
    url = inbound[0]["attachments"][0]["url"]
    download = await admin.get(url)
    assert download.content == b"%PDF-1"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert (await admin.get(f"/api/complaints/{number}/attachments/999")).status_code == 404


async def test_a_stored_type_that_is_not_a_media_type_downloads_as_octet_stream(
    desk: Desk,
) -> None:
    attachment = {"name": "box.png", "content_type": "image/png", "data": "iVBORw=="}
    number = (await desk.complain(BILLING, attachments=[attachment]))["complaint"]
    # As a webhook stored it before types were checked at intake.
    engine = sa.create_engine(desk.bot.store_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE attachments SET content_type = :bad"),
            {"bad": "image/png\r\nSet-Cookie: session=x"},
        )
    engine.dispose()
    admin = await desk.account("Root", role="admin", departments=())
    view = (await admin.get(f"/api/complaints/{number}")).json()
    inbound = [e for e in view["timeline"] if e["kind"] == "message" and e["direction"] == "in"]
    download = await admin.get(inbound[0]["attachments"][0]["url"])
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/octet-stream"
    assert "set-cookie" not in download.headers
    assert download.content == b"\x89PNG"


async def test_work_a_complaint_from_queue_to_resolved(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    await delivered(desk, receiver)  # the acknowledgement's copy
    ana = await desk.account("Ana", departments=("billing",))
    await desk.account("Bea", departments=("billing",))

    taken = await ana.post(f"/api/complaints/{number}/assign", json={})
    assert taken.json()["complaint"]["assignee"] == "Ana"
    given = await ana.post(f"/api/complaints/{number}/assign", json={"to": "Bea"})
    assert given.json()["complaint"]["assignee"] == "Bea"
    nobody = await ana.post(f"/api/complaints/{number}/assign", json={"to": "Ghost"})
    assert nobody.status_code == 422 and "no active account" in nobody.json()["detail"]
    notices = await delivered(desk, receiver)
    assert [n["text"] for n in notices] == [
        f"Su reclamación {number} la gestiona ahora Ana.",
        f"Su reclamación {number} la gestiona ahora Bea.",
    ]

    replied = await ana.post(
        f"/api/complaints/{number}/reply", json={"text": "Hemos anulado el cargo duplicado."}
    )
    assert replied.status_code == 200, replied.text
    assert replied.json()["complaint"]["first_response_at"] is not None
    [reply] = await delivered(desk, receiver)
    assert reply["complaint"] == number
    assert reply["text"] == (
        "Estimado/a Ana Pérez:\n\nHemos anulado el cargo duplicado.\n\nAtentamente,\nAna\n"
        "Atención al cliente"  # the company's name in Spanish (settings.toml)
    )

    await ana.post(f"/api/complaints/{number}/notes", json={"text": "called the bank"})
    edited = await ana.patch(
        f"/api/complaints/{number}", json={"order_number": "A-77", "product": "Tarjeta"}
    )
    assert edited.json()["complaint"]["order_number"] == "A-77"
    regraded = await ana.post(
        f"/api/complaints/{number}/correct", json={"grade": "urgent", "reason": "repeat charge"}
    )
    assert regraded.json()["complaint"]["grade"] == "urgent"

    resolved = await ana.post(
        f"/api/complaints/{number}/resolve",
        json={"summary": "Le hemos devuelto 30 €.", "root_cause": "TPV duplicó el cobro"},
    )
    complaint = resolved.json()["complaint"]
    assert complaint["status"] == "resolved" and complaint["root_cause"] == "TPV duplicó el cobro"
    [told] = await delivered(desk, receiver)
    assert "Le hemos devuelto 30 €." in told["text"]

    events = [e["event"] for e in resolved.json()["timeline"] if e["kind"] == "event"]
    for kind in ("assigned", "agent_replied", "note", "fields_edited", "grade_corrected"):
        assert kind in events, kind
    note = next(e for e in resolved.json()["timeline"] if e.get("event") == "note")
    assert note["detail"]["text"] == "called the bank" and note["actor"] == "agent:Ana"


async def test_bad_actions_are_refused_and_change_nothing(desk: Desk) -> None:
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana", departments=("billing",))
    other = await desk.account("Nico", departments=("network",))
    before = table_counts(desk.bot.store_url)
    view_before = (await ana.get(f"/api/complaints/{number}")).json()

    cases: list[tuple[httpx.AsyncClient, str, str, Any, int, str]] = [
        (ana, "POST", "correct", {"category": "weather"}, 422, "unknown category"),
        (ana, "POST", "correct", {"grade": "apocalyptic"}, 422, "grade must be one of"),
        (ana, "POST", "correct", {"department": "mars"}, 422, "unknown department"),
        (ana, "PATCH", "", {"colour": "red"}, 422, "colour"),
        (ana, "POST", "reply", {"text": "  "}, 422, "write a text"),
        (ana, "POST", "reply", {"canned": "missing"}, 404, "no canned reply"),
        (ana, "POST", "notes", {"text": ""}, 422, "text"),
        (ana, "POST", "resolve", {"summary": ""}, 422, "summary"),
        (ana, "POST", "solutions", {"kind": "bribe"}, 422, "one of"),
        (ana, "POST", "solutions", {"kind": "refund"}, 422, "needs an amount"),
        (ana, "POST", "solutions", {"kind": "repair", "amount": "10"}, 422, "has no amount"),
        (ana, "POST", "solutions", {"kind": "refund", "amount": "12,345"}, 422, "two ways"),
        (ana, "POST", "solutions", {"kind": "refund", "amount": "12,3456"}, 422, "not an amount"),
        (ana, "POST", "solutions/1/decision", {"approve": True}, 403, "supervisor"),
        (ana, "POST", "reply", {"text": "hi"}, 409, "cannot receive later messages"),
        (other, "POST", "notes", {"text": "hi"}, 403, "billing"),
        (other, "POST", "assign", {}, 403, "billing"),
    ]
    for client, method, action, body, status, reason in cases:
        path = f"/api/complaints/{number}" + (f"/{action}" if action else "")
        response = await client.request(method, path, json=body)
        assert response.status_code == status, (action, body, response.text)
        assert reason in response.text, (action, body, response.text)
    assert table_counts(desk.bot.store_url) == before
    assert (await ana.get(f"/api/complaints/{number}")).json() == view_before


async def test_a_correction_out_of_the_agents_departments_is_refused_and_changes_nothing(
    desk: Desk,
) -> None:
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana", departments=("billing",))
    before = table_counts(desk.bot.store_url)
    view_before = (await ana.get(f"/api/complaints/{number}")).json()
    assert view_before["complaint"]["department"] == "billing"

    for body in (
        {"department": "network", "reason": "it is about the signal"},
        {"category": "network_signal", "reason": "it is about the signal"},  # brings network
        {"department": "network", "grade": "urgent", "reason": "both at once"},
    ):
        refused = await ana.post(f"/api/complaints/{number}/correct", json=body)
        assert refused.status_code == 403, (body, refused.text)
        detail = refused.json()["detail"]
        assert "you do not work for network" in detail and "nothing was changed" in detail
    assert table_counts(desk.bot.store_url) == before  # no event, no message, nothing queued
    assert (await ana.get(f"/api/complaints/{number}")).json() == view_before

    # Who sees the target department may move it: a supervisor of both, or an admin.
    sam = await desk.account("Sam", role="supervisor", departments=("billing", "network"))
    moved = await sam.post(
        f"/api/complaints/{number}/correct",
        json={"category": "network_signal", "reason": "it is about the signal"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["complaint"]["department"] == "network"
    corrected = [e for e in moved.json()["timeline"] if e.get("event") == "corrected"]
    assert [e["actor"] for e in corrected] == ["supervisor:Sam"]  # the role he acted in
    gone = await ana.get(f"/api/complaints/{number}")
    assert gone.status_code == 403  # Ana no longer sees it, as it should be


async def test_compensation_above_the_limit_waits_for_a_supervisor(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    await delivered(desk, receiver)  # the acknowledgement's copy
    ana = await desk.account("Ana", departments=("billing",))
    sam = await desk.account("Sam", role="supervisor", departments=("billing",))
    far = await desk.account("Fay", role="supervisor", departments=("network",))

    small = await ana.post(
        f"/api/complaints/{number}/solutions",
        json={"kind": "discount", "amount": "20", "description": "en su próxima compra"},
    )
    assert small.status_code == 201 and small.json()["status"] == "proposed"
    [offer] = await delivered(desk, receiver)
    assert "un descuento (20,00\N{NO-BREAK SPACE}€): en su próxima compra." in offer["text"]
    # An offer the customer was told is a person's answer: the first response is given.
    shown = (await ana.get(f"/api/complaints/{number}")).json()["complaint"]
    assert shown["first_response_at"] is not None and shown["status"] == "solution_proposed"

    big = await ana.post(
        f"/api/complaints/{number}/solutions",
        json={"kind": "compensation", "amount": 250, "description": "por las molestias"},
    )
    assert big.json()["status"] == "awaiting_approval"
    assert await delivered(desk, receiver) == []  # the customer hears nothing yet
    solution = big.json()["id"]
    path = f"/api/complaints/{number}/solutions/{solution}/decision"

    assert (await ana.post(path, json={"approve": True})).status_code == 403
    other = (await desk.complain(BILLING, customer="c-9"))["complaint"]
    elsewhere = await sam.post(
        f"/api/complaints/{other}/solutions/{solution}/decision", json={"approve": True}
    )
    assert elsewhere.status_code == 404 and f"{other} has no solution" in elsewhere.text
    await delivered(desk, receiver)  # the other complaint's acknowledgement copy
    assert (await far.post(path, json={"approve": True})).status_code == 403
    no_reason = await sam.post(path, json={"approve": False})
    assert no_reason.status_code == 422 and "say why" in no_reason.text

    approved = await sam.post(path, json={"approve": True, "reason": "cliente VIP"})
    assert approved.status_code == 200 and approved.json()["decided_by"] == "Sam"
    [told] = await delivered(desk, receiver)
    assert "una compensación (250,00\N{NO-BREAK SPACE}€): por las molestias." in told["text"]
    again = await sam.post(path, json={"approve": True})
    assert again.status_code == 409 and "not waiting for approval" in again.text  # a conflict

    third = await ana.post(
        f"/api/complaints/{number}/solutions", json={"kind": "refund", "amount": "999"}
    )
    rejected = await sam.post(
        f"/api/complaints/{number}/solutions/{third.json()['id']}/decision",
        json={"approve": False, "reason": "too much for a double charge"},
    )
    assert rejected.json()["status"] == "rejected"
    assert await delivered(desk, receiver) == []
    timeline = (await ana.get(f"/api/complaints/{number}")).json()["timeline"]
    kinds = [e["event"] for e in timeline if e["kind"] == "event"]
    assert kinds.count("solution_awaiting_approval") == 2
    assert "solution_approved" in kinds and "solution_rejected" in kinds
    rejection = next(e for e in timeline if e.get("event") == "solution_rejected")
    assert rejection["detail"]["why"] == "too much for a double charge"


async def test_canned_replies_are_managed_by_admins_and_used_by_agents(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING, name="Ana Pérez"))["complaint"]
    await delivered(desk, receiver)  # the acknowledgement's copy
    ana = await desk.account("Ana", departments=("billing",))
    admin = await desk.account("Root", role="admin", departments=())
    script = {
        "key": "refund-done",
        "language": "es",
        "title": "Reembolso hecho",
        "text": "Estimada {customer}: hemos hecho el reembolso de {number}. Un saludo, {agent}.",
    }
    assert (await ana.post("/api/canned-replies", json=script)).status_code == 403
    created = await admin.post("/api/canned-replies", json=script)
    assert created.status_code == 201
    duplicate = await admin.post("/api/canned-replies", json=script)
    assert duplicate.status_code == 422 and "already" in duplicate.text
    typo = await admin.post("/api/canned-replies", json={**script, "text": "Hola {cliente}"})
    assert typo.status_code == 422 and "{cliente}" in typo.text
    english = {**script, "language": "en", "text": "Dear {customer}, refund for {number} done."}
    assert (await admin.post("/api/canned-replies", json=english)).status_code == 201

    listed = (await ana.get("/api/canned-replies", params={"language": "es"})).json()
    assert [r["key"] for r in listed] == ["refund-done"]
    rendered = (await ana.get(f"/api/canned-replies/refund-done/for/{number}")).json()
    assert rendered == {
        "language": "es",
        "text": f"Estimada Ana Pérez: hemos hecho el reembolso de {number}. Un saludo, Ana.",
    }
    sent = await ana.post(f"/api/complaints/{number}/reply", json={"canned": "refund-done"})
    assert sent.status_code == 200
    [reply] = await delivered(desk, receiver)
    assert reply["text"] == rendered["text"]

    changed = await admin.put(
        f"/api/canned-replies/{created.json()['id']}", json={**script, "title": "Hecho"}
    )
    assert changed.json()["title"] == "Hecho" and changed.json()["updated_by"] == "Root"
    assert (await admin.delete(f"/api/canned-replies/{created.json()['id']}")).status_code == 204
    assert (await admin.delete(f"/api/canned-replies/{created.json()['id']}")).status_code == 404


async def test_a_canned_reply_names_the_customer_as_a_greeting_does(desk: Desk) -> None:
    """{customer} follows complaints.names.addressee: "Last, First" in order, capitals
    softened, a login-like name left for "cliente"."""
    jose = (await desk.complain(BILLING, customer="c-7", name="PEREZ, JOSE"))["complaint"]
    login = (await desk.complain(BILLING, customer="c-8", name="ana.martinez"))["complaint"]
    ana = await desk.account("Ana", departments=("billing",))
    admin = await desk.account("Root", role="admin", departments=())
    script = {"key": "hi", "language": "es", "title": "Hola", "text": "Estimada {customer}:"}
    assert (await admin.post("/api/canned-replies", json=script)).status_code == 201
    for number, greeting in ((jose, "Estimada Jose Perez:"), (login, "Estimada cliente:")):
        rendered = (await ana.get(f"/api/canned-replies/hi/for/{number}")).json()
        assert rendered == {"language": "es", "text": greeting}


async def test_contact_data_is_masked_for_agents_who_do_not_handle_it(desk: Desk) -> None:
    number = (
        await desk.complain(
            BILLING, contact={"email": "ana.perez@example.com", "phone": "+34612345678"}
        )
    )["complaint"]
    ana = await desk.account("Ana", departments=("billing",))
    bea = await desk.account("Bea", departments=("billing",))
    sam = await desk.account("Sam", role="supervisor", departments=("billing",))
    await ana.post(f"/api/complaints/{number}/assign", json={})
    assert (await ana.get(f"/api/complaints/{number}")).json()["customer"]["email"] == (
        "ana.perez@example.com"
    )
    masked = (await bea.get(f"/api/complaints/{number}")).json()["customer"]
    assert masked["masked"] is True and masked["email"] == "a***@example.com"
    assert masked["phone"] == "+346******78" and masked["name"] == "Ana Pérez"
    assert (await sam.get(f"/api/complaints/{number}")).json()["customer"]["phone"] == (
        "+34612345678"
    )


async def test_the_store_is_read_not_written_by_views(desk: Desk) -> None:
    number = (await desk.complain(BILLING))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    before = table_counts(desk.bot.store_url)
    await admin.get("/api/complaints", params={"q": "tarjeta"})
    await admin.get(f"/api/complaints/{number}")
    assert table_counts(desk.bot.store_url) == before
    engine = sa.create_engine(desk.bot.store_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from events")).scalar_one() > 0
    engine.dispose()


async def test_an_edited_purchase_date_must_be_a_date(desk: Desk) -> None:
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana", departments=("billing",))
    for text in ("last tuesday", "el martes pasado", "上周二", "2026-02-30"):
        refused = await ana.patch(f"/api/complaints/{number}", json={"purchase_date": text})
        assert refused.status_code == 422 and "YYYY-MM-DD" in refused.json()["detail"], text
    edited = await ana.patch(f"/api/complaints/{number}", json={"purchase_date": "yesterday"})
    expected = (desk.clock.now() - timedelta(days=1)).date().isoformat()
    assert edited.json()["complaint"]["purchase_date"] == expected
    edited = await ana.patch(f"/api/complaints/{number}", json={"purchase_date": "2026/2/1"})
    assert edited.json()["complaint"]["purchase_date"] == "2026-02-01"


async def test_a_reply_that_asks_the_customer_waits_for_their_answer(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana", departments=("billing",))
    await ana.post(f"/api/complaints/{number}/assign", json={})
    asked = await ana.post(
        f"/api/complaints/{number}/reply",
        json={"text": "¿En qué fecha vio el cargo?", "wait_for_customer": True},
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["complaint"]["status"] == "awaiting_customer"
    texts = [n["text"] for n in await delivered(desk, receiver)]
    assert any("\n\n¿En qué fecha vio el cargo?\n\n" in text for text in texts)
