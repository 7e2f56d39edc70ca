"""Customers' personal data over the real bot: admins search, export and erase it (statistics
kept); who sees contact data on a complaint."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from staff.contact import contact_for, name_for
from store import queries
from store.models import Agent, ChatState, Complaint, Customer, Identity
from tests.conftest import START, table_counts
from tests.mailpeers import mail, send
from tests.web.conftest import Desk, rows

PHONE = "+34 612 345 612"
CHAT_ID = 777001
PICTURE = b"\x89PNG\r\n\x1a\n-a-photo-of-the-receipt-"


async def ana_with_history(desk: Desk) -> tuple[int, str]:
    """Ana's customer id and complaint: an attachment, an agent's note, a resolution, a survey
    answered, a Telegram chat linked to her; return (customer id, number)."""
    filed = await desk.complain(
        "I was charged twice on invoice 5521; my card ends in 4242",
        customer="c-1",
        id_="order-1",
        name="Ana Pérez",
        contact={"email": "ana@example.com", "phone": PHONE},
        subject="Double charge",
        details={"order_number": "5521", "serial_number": "SN-1", "desired_outcome": "refund"},
        attachments=[
            {
                "name": "receipt.png",
                "content_type": "image/png",
                "data": base64.b64encode(PICTURE).decode(),
            }
        ],
    )
    number = str(filed["complaint"])
    await desk.app.state.services.accounts.create("Bea", "agent", ("billing",))
    bea = await desk.app.state.services.agents.agent_for_name("Bea")
    await desk.app.state.services.agents.take(number, bea)
    await desk.app.state.services.agents.note(number, bea, "Ana phoned from +34 612 345 612")
    await desk.app.state.services.agents.resolve(
        number, bea, "Refunded the second charge to Ana's card"
    )
    desk.clock.advance(timedelta(days=8))
    await desk.app.state.services.sweeps.run_all()  # the survey goes out
    await desk.complain("4 thanks", customer="c-1", id_="order-1-survey", complaint=number)
    (customer,) = rows(desk, "SELECT customer_id FROM complaints WHERE number = :n", n=number)
    customer_id = int(customer["customer_id"])

    def link_telegram(session: Session) -> None:
        complaint = queries.complaint_by_number(session, number)
        assert complaint is not None
        session.add(Identity(customer_id=customer_id, channel="telegram", address=str(CHAT_ID)))
        session.add(ChatState(chat_id=CHAT_ID, language="es", complaint_id=complaint.id))

    await desk.app.state.services.database.write(link_telegram)
    return customer_id, number


async def test_privacy_routes_are_for_admins_only(shop: Desk) -> None:
    customer_id, _ = await ana_with_history(shop)
    agent = await shop.account("Ana", role="agent", departments=("billing",))
    supervisor = await shop.account("Sam", role="supervisor", departments=("billing",))
    before = table_counts(shop.bot.store_url)
    routes = [
        ("GET", "/api/customers?q=ana", None),
        ("GET", f"/api/customers/{customer_id}/export", None),
        ("POST", f"/api/customers/{customer_id}/erase", {"confirm": str(customer_id)}),
    ]
    for method, path, body in routes:
        assert (await shop.client().request(method, path, json=body)).status_code == 401, path
        for client in (agent, supervisor):
            refused = await client.request(method, path, json=body)
            assert refused.status_code == 403, (path, refused.text)
            assert "admin" in refused.json()["detail"]
    assert table_counts(shop.bot.store_url) == before


async def test_admins_find_customers_by_name_email_phone_or_address(shop: Desk) -> None:
    customer_id, number = await ana_with_history(shop)
    await shop.complain("Wrong price at the till", customer="c-2", name="Bob Li")
    admin = await shop.account("Root", role="admin", departments=())

    for query in ("ana p", "ANA@EXAMPLE", "612 345", "612345612", "shop:c-1", str(CHAT_ID)):
        found = await admin.get("/api/customers", params={"q": query})
        assert found.status_code == 200, found.text
        assert [c["id"] for c in found.json()] == [customer_id], query
        assert found.json()[0]["complaints"] == [number]
        assert {"channel": "telegram", "address": str(CHAT_ID)} in found.json()[0]["identities"]
    assert (await admin.get("/api/customers", params={"q": "nobody"})).json() == []
    assert (await admin.get("/api/customers", params={"q": "%_"})).json() == []
    assert (await admin.get("/api/customers", params={"q": "a"})).status_code == 422
    assert (await admin.get("/api/customers")).status_code == 422


async def test_the_export_holds_everything_about_the_customer(shop: Desk) -> None:
    customer_id, number = await ana_with_history(shop)
    admin = await shop.account("Root", role="admin", departments=())

    answer = await admin.get(f"/api/customers/{customer_id}/export")

    assert answer.status_code == 200, answer.text
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="customer-{customer_id}.json"'
    document = answer.json()
    assert document["customer"]["email"] == "ana@example.com"
    assert document["customer"]["phone"] == PHONE
    assert {i["address"] for i in document["identities"]} == {"shop:c-1", str(CHAT_ID)}
    (complaint,) = document["complaints"]
    assert complaint["number"] == number and complaint["order_number"] == "5521"
    texts = [m["text"] for m in document["messages"]]
    assert "I was charged twice on invoice 5521; my card ends in 4242" in texts
    assert {m["direction"] for m in document["messages"]} == {"in", "out"}
    (attachment,) = document["attachments"]
    assert attachment["filename"] == "receipt.png"
    assert base64.b64decode(attachment["content_base64"]) == PICTURE
    kinds = {e["kind"] for e in document["events"]}
    assert {"routed", "note", "status_changed", "survey_answered"} <= kinds
    assert document["deliveries"] and all(
        d["address"] == "shop:c-1" for d in document["deliveries"]
    )
    assert [c["chat_id"] for c in document["telegram_chats"]] == [CHAT_ID]

    assert (await admin.get("/api/customers/999999/export")).status_code == 404


async def test_erasure_redacts_the_person_and_keeps_the_statistics(shop: Desk) -> None:
    customer_id, number = await ana_with_history(shop)
    admin = await shop.account("Root", role="admin", departments=())
    (stats_before,) = rows(
        shop,
        "SELECT category, department, grade, channel, status, created_at, survey_score "
        "FROM complaints WHERE number = :n",
        n=number,
    )
    assert stats_before["survey_score"] == 4
    before = table_counts(shop.bot.store_url)
    erase = f"/api/customers/{customer_id}/erase"

    wrong = await admin.post(erase, json={"confirm": "1234"})
    assert wrong.status_code == 422 and f'"confirm": "{customer_id}"' in wrong.json()["detail"]
    assert (await admin.post(erase, json={})).status_code == 422
    assert (
        await admin.post("/api/customers/999999/erase", json={"confirm": "999999"})
    ).status_code == 404
    assert table_counts(shop.bot.store_url) == before
    assert (await admin.get(f"/api/customers/{customer_id}/export")).json()["customer"]["name"]

    done = await admin.post(erase, json={"confirm": str(customer_id)})

    assert done.status_code == 200, done.text
    assert done.json()["erased"]["attachments_deleted"] == 1
    document = (await admin.get(f"/api/customers/{customer_id}/export")).json()
    person = document["customer"]
    assert (person["name"], person["email"], person["phone"]) == ("", "", "")
    assert person["erased_at"]
    assert sorted(i["address"] for i in document["identities"]) == sorted(
        f"erased-{i['id']}" for i in document["identities"]
    )
    assert all(m["text"] == "[erased]" for m in document["messages"])
    assert document["attachments"] == [] and document["telegram_chats"] == []
    (complaint,) = document["complaints"]
    for field in ("subject", "serial_number", "order_number", "desired_outcome"):
        assert complaint[field] == "", field
    assert complaint["resolution_summary"] == "" and complaint["survey_comment"] == ""
    details = json.dumps([e["detail"] for e in document["events"]], ensure_ascii=False)
    assert "612 345" not in details and "Refunded" not in details
    erased_by = [e["actor"] for e in document["events"] if e["kind"] == "customer_erased"]
    assert erased_by == ["admin:Root"]
    for delivery in document["deliveries"]:
        assert delivery["address"].startswith("erased-")
        assert delivery["status"] != "pending"
        assert delivery["payload"]["text"] == "[erased]"
    (stats_after,) = rows(
        shop,
        "SELECT category, department, grade, channel, status, created_at, survey_score "
        "FROM complaints WHERE number = :n",
        n=number,
    )
    assert stats_after == stats_before
    dump = json.dumps(document, ensure_ascii=False)
    for personal in ("ana@example.com", "Pérez", "4242", "5521", str(CHAT_ID)):
        assert personal not in dump, personal

    # The shop retrying a message it sent before is still recognised, and nothing is stored.
    counts = table_counts(shop.bot.store_url)
    replay = await shop.complain("anything", customer="c-1", id_="order-1")
    assert replay["complaint"] == number and replay["acknowledgement"] == "[erased]"
    assert table_counts(shop.bot.store_url) == counts

    again = await admin.post(erase, json={"confirm": str(customer_id)})
    assert again.status_code == 409 and "already erased" in again.json()["detail"]
    assert table_counts(shop.bot.store_url) == counts


def _people() -> tuple[Complaint, Customer, list[Identity]]:
    complaint = Complaint(
        number="C-2026-000001",
        customer_id=1,
        identity_id=1,
        channel="webhook",
        grade="general",
        category="billing",
        department="billing",
        language="en",
        assignee="Bea",
        created_at=datetime(2026, 3, 2, tzinfo=UTC),
        updated_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    customer = Customer(
        name="Ana Pérez", email="ana@example.com", phone=PHONE, tier="vip", created_at=START
    )
    identities = [
        Identity(customer_id=1, channel="email", address="ana@example.com", display_name="Ana P"),
        Identity(customer_id=1, channel="telegram", address=str(CHAT_ID), display_name="Ana"),
        Identity(customer_id=1, channel="webhook", address="shop:c-1", display_name="Ana Pérez"),
    ]
    return complaint, customer, identities


@pytest.mark.parametrize(
    ("name", "role", "departments"),
    [
        ("Root", "admin", []),
        ("Sam", "supervisor", ["billing"]),
        ("Bea", "agent", ["billing"]),  # the assignee
    ],
)
def test_contact_data_is_whole_for_those_who_need_it(
    name: str, role: str, departments: list[str]
) -> None:
    complaint, customer, identities = _people()
    shown = contact_for(
        Agent(name=name, role=role, departments=departments), complaint, customer, identities
    )
    assert shown["masked"] is False
    assert (shown["name"], shown["email"], shown["phone"]) == (
        "Ana Pérez",
        "ana@example.com",
        PHONE,
    )
    assert [i["address"] for i in shown["identities"]] == [
        "ana@example.com",
        str(CHAT_ID),
        "shop:c-1",
    ]


@pytest.mark.parametrize(
    ("name", "role", "departments"),
    [
        ("Leo", "agent", ["billing"]),  # of the department, not the assignee
        ("Sue", "supervisor", ["logistics"]),  # a supervisor of another department
    ],
)
def test_contact_data_is_masked_for_everyone_else(
    name: str, role: str, departments: list[str]
) -> None:
    complaint, customer, identities = _people()
    shown = contact_for(
        Agent(name=name, role=role, departments=departments), complaint, customer, identities
    )
    assert shown["masked"] is True
    assert shown["name"] == "Ana Pérez"  # a name is not contact data: whole for everyone
    assert [i["display_name"] for i in shown["identities"]] == ["Ana P", "Ana", "Ana Pérez"]
    assert shown["email"] == "a***@example.com"
    assert shown["phone"] == "+34 6** *** *12"
    assert [i["address"] for i in shown["identities"]] == [
        "a***@example.com",
        "(hidden)",
        "shop:c***",
    ]
    assert str(CHAT_ID) not in json.dumps(shown) and "ana@" not in json.dumps(shown)
    assert shown["tier"] == "vip"


def test_a_name_that_is_an_address_or_a_number_is_masked_as_that_contact() -> None:
    """A mail client may put the address where the name goes; the name then cannot show what
    the contact fields hide. The assignee sees it as written."""
    complaint, customer, identities = _people()
    customer.name = "ana@example.com"
    identities[1].display_name = f"Ana {PHONE}"
    leo = Agent(name="Leo", role="agent", departments=["billing"])
    shown = contact_for(leo, complaint, customer, identities)
    assert shown["name"] == "a***@example.com"
    assert shown["identities"][1]["display_name"] == "Ana +34 6** *** *12"
    assert name_for(leo, complaint, "Ana Pérez") == "Ana Pérez"
    assert name_for(leo, complaint, "ana@example.com") == "a***@example.com"
    bea = Agent(name="Bea", role="agent", departments=["billing"])
    assert contact_for(bea, complaint, customer, identities)["name"] == "ana@example.com"
    assert name_for(bea, complaint, "ana@example.com") == "ana@example.com"


def test_on_an_unassigned_complaint_no_agent_counts_as_its_assignee() -> None:
    complaint, customer, identities = _people()
    complaint.assignee = ""
    shown = contact_for(
        Agent(name="", role="agent", departments=["billing"]), complaint, customer, identities
    )
    assert shown["masked"] is True


def _holding(desk: Desk, text: str) -> list[str]:
    """Where `text` is anywhere in the store: every column of every row of every table,
    as "table.column". A JSON column may hold it escaped ("\\u5f20" for 张)."""
    needles = {text.lower(), json.dumps(text)[1:-1].lower()}
    engine = sa.create_engine(desk.bot.store_url)
    found = []
    try:
        with engine.connect() as connection:
            metadata = sa.MetaData()
            metadata.reflect(bind=connection)
            for table in metadata.sorted_tables:
                for row in connection.execute(sa.select(table)):
                    for column, value in row._mapping.items():
                        shown = value if isinstance(value, str) else json.dumps(value, default=str)
                        if isinstance(value, bytes):
                            shown = value.decode("utf-8", "replace")
                        if any(needle in shown.lower() for needle in needles):
                            found.append(f"{table.name}.{column}")
    finally:
        engine.dispose()
    return found


async def test_erasure_leaves_no_file_name_subject_or_edited_field_in_the_timeline(
    shop: Desk,
) -> None:
    """What the customer supplied reaches events too: the names of files not kept, the
    subject, registration fields an agent corrected (their old and new values). After the
    erasure none of it is anywhere in the store."""
    admin = await shop.account("Root", role="admin", departments=())
    sent = mail(
        "My new kettle started to smoke after two days; my ID card is attached.",
        sender="ana.perez@example.org",
        name="Ana Pérez",
        subject="Kettle of Ana Pérez, order ORD-ANA-77",
        references="<thread.of.ana-perez-77@mail.example.org>",  # mail clients name ids so
    )
    sent.add_attachment(
        b"\xff\xd8" + b"p" * 200, maintype="image", subtype="jpeg", filename="a.jpg"
    )
    sent.add_attachment(
        b"v" * 5_242_890, maintype="image", subtype="jpeg", filename="Ana_Perez_DNI.jpg"
    )
    await send(
        shop.app.state.services.channels["email"].smtp_port, sent, sender="ana.perez@example.org"
    )
    (filed,) = rows(shop, "SELECT number, customer_id FROM complaints ORDER BY id DESC LIMIT 1")
    number, customer_id = filed["number"], int(filed["customer_id"])
    edited = await admin.patch(
        f"/api/complaints/{number}",
        json={"order_number": "ORD-ANA-77", "serial_number": "SN-ANA-88"},
    )
    assert edited.status_code == 200, edited.text
    edited = await admin.patch(f"/api/complaints/{number}", json={"serial_number": "SN-ANA-99"})
    assert edited.status_code == 200, edited.text
    personal = (
        "Ana_Perez_DNI",
        "ORD-ANA-77",
        "SN-ANA-88",
        "SN-ANA-99",
        "ana.perez@",
        "Pérez",
        "ana-perez-77",
    )
    assert _holding(shop, "Ana_Perez_DNI") and _holding(shop, "SN-ANA-88")

    done = await admin.post(
        f"/api/customers/{customer_id}/erase", json={"confirm": str(customer_id)}
    )

    assert done.status_code == 200, done.text
    for text in personal:
        assert _holding(shop, text) == [], text
    kinds = {e["kind"] for e in rows(shop, "SELECT kind FROM events")}
    assert {"attachments_dropped", "fields_edited", "customer_erased"} <= kinds
