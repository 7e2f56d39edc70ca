"""The customer's name is not contact data: one rule (staff.contact) shows it whole to everyone
who may see the complaint, in the console's complaint page, its queue and the API alike, while
the contact fields (e-mail, phone, addresses) stay masked for an agent who does not handle it."""

from __future__ import annotations

import html
import re

from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
NAME = "Ana Walker"
EMAIL = "ana.walker@example.com"
PHONE = "+34612345678"


async def _agent(desk: Desk, name: str, language: str) -> None:
    accounts = desk.app.state.services.accounts
    await accounts.create(name, "agent", ("billing",), PASSWORD, language=language)


def _field(page: str, dd_id: str) -> str:
    found = re.search(rf'<dd id="{dd_id}">(.*?)</dd>', page, re.DOTALL)
    assert found is not None, page
    return html.unescape(found[1])


async def test_an_agent_who_does_not_hold_the_complaint_sees_the_name_whole(shop: Desk) -> None:
    number = (await shop.complain(BILLING, name=NAME, contact={"email": EMAIL, "phone": PHONE}))[
        "complaint"
    ]
    await _agent(shop, "Carla", "en")  # takes it: the assignee
    await _agent(shop, "Bea", "es")  # of the same department, does not hold it
    carla, carla_csrf, _ = await console_login(shop, "Carla", PASSWORD)
    taken = await carla.post(f"/console/complaints/{number}/take", data={"csrf_token": carla_csrf})
    assert taken.status_code == 303, taken.text

    bea, _, _ = await console_login(shop, "Bea", PASSWORD)
    page = (await bea.get(f"/console/complaints/{number}")).text
    assert _field(page, "customer") == NAME
    contact = _field(page, "contact")
    assert "a***@example.com" in contact and EMAIL not in contact
    assert "+346******78" in contact and PHONE not in contact
    assert "Ana W." not in page

    queue = (await bea.get("/console/queue")).text
    row = re.search(rf'<tr[^>]*data-number="{number}">(.*?)</tr>', queue, re.DOTALL)
    assert row is not None and f"<td>{NAME}</td>" in row[1]

    api = await bea.get(f"/api/complaints/{number}")
    customer = api.json()["customer"]
    assert customer["masked"] is True and customer["name"] == NAME
    assert customer["email"] == "a***@example.com" and customer["phone"] == "+346******78"
    assert [i["display_name"] for i in customer["identities"]] == [NAME]
    assert EMAIL not in api.text and PHONE not in api.text
    listed = (await bea.get("/api/complaints")).json()
    assert [item["customer_name"] for item in listed["items"]] == [NAME]

    page = (await carla.get(f"/console/complaints/{number}")).text
    assert _field(page, "customer") == NAME
    contact = _field(page, "contact")
    assert EMAIL in contact and PHONE in contact and "***" not in contact
    whole = (await carla.get(f"/api/complaints/{number}")).json()["customer"]
    assert whole["masked"] is False
    assert (whole["name"], whole["email"], whole["phone"]) == (NAME, EMAIL, PHONE)
