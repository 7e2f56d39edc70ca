"""A customer's request for another handler on the shipped settings (no senior agent, no
supervisor): the desk sees it (an event on the timeline, the tag `handler-requested` the queue
filters by, in the API and the console), and the customer is told what will happen."""

from __future__ import annotations

import json
import re

from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login, rows

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."
LABELS = {
    "en": "another handler requested",
    "es": "solicitud de otro responsable",
    "zh-Hans": "客户要求更换处理人",
    "zh-Hant": "客戶要求更換處理人",
}


async def test_a_request_for_another_handler_is_recorded_for_the_desk_and_said_truly(
    desk: Desk,
) -> None:
    billing = (await desk.complain(BILLING, customer="c-1", id_="h-1"))["complaint"]
    network = (await desk.complain(NETWORK, customer="c-2", id_="h-2"))["complaint"]
    asked = await desk.complain(
        "Quiero hablar con otra persona, por favor.", customer="c-1", id_="h-3", complaint=billing
    )
    assert asked["complaint"] == billing
    answer = asked["acknowledgement"]
    assert "Hemos registrado su petición" in answer and "asignará a otra persona" in answer
    assert "supervisor" not in answer  # nobody was told: no supervisor will call
    [complaint] = rows(desk, "SELECT tags, assignee FROM complaints WHERE number = :n", n=billing)
    assert "handler-requested" in json.loads(complaint["tags"]) and complaint["assignee"] == ""

    admin = await desk.account("Root", role="admin", departments=())
    listed = await admin.get("/api/complaints", params={"tag": "handler-requested"})
    assert listed.status_code == 200, listed.text
    assert [item["number"] for item in listed.json()["items"]] == [billing]
    assert "handler-requested" in listed.json()["items"][0]["tags"]
    everything = await admin.get("/api/complaints")
    assert {item["number"] for item in everything.json()["items"]} == {billing, network}
    for near_miss in ("handler", "requested", "handler-requested-x", "%"):
        found = await admin.get("/api/complaints", params={"tag": near_miss})
        assert found.json()["items"] == [], near_miss
    view = (await admin.get(f"/api/complaints/{billing}")).json()
    events = [e for e in view["timeline"] if e["kind"] == "event"]
    assert "handler_requested" in [e.get("event") for e in events]

    await desk.account("Ana", departments=("billing",), password=PASSWORD)
    console, _, _ = await console_login(desk, "Ana", PASSWORD)
    queue = await console.get("/console/queue", params={"tag": "handler-requested"})
    assert re.findall(r'data-number="([^"]+)"', queue.text) == [billing]
    assert 'name="tag" value="handler-requested"' in queue.text
    for language, label in LABELS.items():
        page = await console.get(
            f"/console/complaints/{billing}", headers={"Accept-Language": language}
        )
        assert page.status_code == 200 and label in page.text, language
        assert "/console/queue?tag=handler-requested" in page.text
