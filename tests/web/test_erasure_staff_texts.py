"""Erasing a customer also erases what staff wrote about them on their complaints: solution
descriptions (in events and the solutions table), a chat proposal, a supervisor's reason, a
correction's reason, a merge note, a resolution summary and root cause, a rejection's
explanation. Ids, keys and the reasons the system writes stay; the console shows the erased
marker in the reader's language."""

from __future__ import annotations

import html
import json
import re

from tests.conftest import CallbackReceiver
from tests.web.conftest import Desk, console_login, delivered, rows
from tests.web.test_privacy_api import _holding

PHONE = "13800138000"
WRITTEN = {
    "description": f"给张伟换新电视 ({PHONE})",
    "chat": f"张伟: new TV by courier, call {PHONE}1",
    "awaiting": f"补偿张伟 {PHONE}2",
    "refused": f"张伟 already got a voucher {PHONE}3",
    "corrected": f"张伟 called about the bill {PHONE}4",
    "summary": f"张伟的电视已更换 {PHONE}5",
    "root_cause": f"张伟 dropped it {PHONE}6",
    "explanation": f"张伟 bought it elsewhere {PHONE}7",
    "merge": f"张伟 wrote twice {PHONE}8",
}


async def _staff_wrote_about_zhang(desk: Desk, receiver: CallbackReceiver) -> tuple[int, str, str]:
    """Three complaints of one customer, each with texts staff wrote about him; his id, the
    complaint with the solutions and the rejected one (the third was merged into it)."""
    numbers = [
        (await desk.complain(text, customer="c-9", id_=f"z-{i}", name="张伟"))["complaint"]
        for i, text in enumerate(
            ("电视坏了，屏幕不亮", "The invoice charged me twice", "Invoice charged twice again")
        )
    ]
    await delivered(desk, receiver)  # the acknowledgements: "acknowledgement delivered"
    root = await desk.account("Root", role="admin", departments=(), password="correct horse")
    first, second, third = numbers
    proposed = await root.post(
        f"/api/complaints/{first}/solutions",
        json={"kind": "exchange", "description": WRITTEN["description"]},
    )
    assert proposed.status_code == 201, proposed.text
    waiting = await root.post(
        f"/api/complaints/{first}/solutions",
        json={"kind": "compensation", "amount": "500", "description": WRITTEN["awaiting"]},
    )
    assert waiting.status_code == 201, waiting.text
    refused = await root.post(
        f"/api/complaints/{first}/solutions/{waiting.json()['id']}/decision",
        json={"approve": False, "reason": WRITTEN["refused"]},
    )
    assert refused.status_code == 200, refused.text
    services = desk.app.state.services
    admin = await services.agents.agent_for_name("Root")
    await services.agents.propose(first, admin, WRITTEN["chat"])
    corrected = await root.post(
        f"/api/complaints/{first}/correct",
        json={"category": "delivery_damage", "reason": WRITTEN["corrected"]},
    )
    assert corrected.status_code == 200, corrected.text
    resolved = await root.post(
        f"/api/complaints/{first}/resolve",
        json={"summary": WRITTEN["summary"], "root_cause": WRITTEN["root_cause"]},
    )
    assert resolved.status_code == 200, resolved.text
    merged = await root.post(
        f"/api/complaints/{third}/merge", json={"into": second, "note": WRITTEN["merge"]}
    )
    assert merged.status_code == 200, merged.text
    rejected = await root.post(
        f"/api/complaints/{second}/reject", json={"explanation": WRITTEN["explanation"]}
    )
    assert rejected.status_code == 200, rejected.text
    (customer,) = rows(desk, "SELECT customer_id FROM complaints WHERE number = :n", n=first)
    return int(customer["customer_id"]), first, second


async def test_erasure_leaves_nothing_staff_wrote_and_keeps_ids_and_system_reasons(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    customer_id, first, second = await _staff_wrote_about_zhang(desk, receiver)
    for text in WRITTEN.values():
        assert _holding(desk, text), text  # each text was stored somewhere
    root = desk.clients[-1]
    reasons = "SELECT detail FROM events WHERE kind = 'status_changed' ORDER BY id"
    before = [json.loads(row["detail"])["why"] for row in rows(desk, reasons)]

    done = await root.post(
        f"/api/customers/{customer_id}/erase", json={"confirm": str(customer_id)}
    )

    assert done.status_code == 200, done.text
    assert _holding(desk, PHONE) == [] and _holding(desk, "张伟") == []
    document = (await root.get(f"/api/customers/{customer_id}/export")).json()
    assert PHONE not in json.dumps(document, ensure_ascii=False)
    shown = (await root.get(f"/api/complaints/{first}")).text
    assert PHONE not in shown and "张伟" not in shown
    events = document["events"]
    offered = [e["detail"] for e in events if e["kind"] == "solution_proposed"]
    ids = {s["id"] for s in document["solutions"]}
    assert [d["solution"] for d in offered if d.get("kind")] == [min(ids)]  # the id is kept
    assert [d["kind"] for d in offered if d.get("kind")] == ["exchange"]
    assert {d["description"] for d in offered if d.get("kind")} == {"[erased]"}
    after = [json.loads(row["detail"])["why"] for row in rows(desk, reasons)]
    staff_wrote = set(WRITTEN.values())
    assert after == ["[erased]" if why in staff_wrote else why for why in before]
    assert {"acknowledged in the webhook response", "exchange"} <= set(after)
    assert {"taken to propose a solution", "merged into " + second} <= set(after)
    (corrected,) = [e["detail"] for e in events if e["kind"] == "corrected"]
    assert corrected["why"] == "[erased]"
    assert corrected["category"] == {"from": "product_quality", "to": "delivery_damage"}
    assert {s["kind"] for s in document["solutions"]} == {"exchange", "compensation"}
    (complaint,) = [c for c in document["complaints"] if c["number"] == first]
    assert complaint["root_cause"] == "" and complaint["category"] == "delivery_damage"


async def test_the_console_shows_the_erased_marker_in_the_readers_language(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    customer_id, first, _ = await _staff_wrote_about_zhang(desk, receiver)
    await desk.clients[-1].post(
        f"/api/customers/{customer_id}/erase", json={"confirm": str(customer_id)}
    )
    await desk.app.state.services.accounts.create(
        "Li", "admin", (), "correct horse battery", language="zh-Hans"
    )
    client, _, _ = await console_login(desk, "Li", "correct horse battery")

    answer = await client.get(f"/console/complaints/{first}")
    page = html.unescape(re.sub(r"<[^>]+>", "", answer.text))

    assert "[erased]" not in page
    assert "说明: （已删除）" in page
    assert "原因: 已在Webhook响应中确认受理" in page  # a system reason is kept and translated


async def test_erasure_takes_a_grade_only_reason_and_the_customers_words_from_the_trace(
    desk: Desk,
) -> None:
    """A grade-only correction's reason is the agent's words, and the routing trace quotes the
    words of the message that matched a rule: both go; the rules and what they decided stay."""
    words = "cobrado 250 euros"
    opened = await desk.complain(f"Me han {words} de penalización sin avisar.", customer="p-1")
    number = opened["complaint"]
    root = await desk.account("Root", role="admin", departments=(), password="correct horse")
    before = (await root.get(f"/api/complaints/{number}")).json()["routing_trace"]
    assert any(step["found"] for step in before), before  # a rule matched the customer's words
    reason = "Pedro Alcántara, DNI 11111111H, amenaza con la OCU"
    corrected = await root.post(
        f"/api/complaints/{number}/correct", json={"grade": "urgent", "reason": reason}
    )
    assert corrected.status_code == 200, corrected.text
    (customer,) = rows(desk, "SELECT customer_id FROM complaints WHERE number = :n", n=number)
    customer_id = int(customer["customer_id"])

    done = await root.post(
        f"/api/customers/{customer_id}/erase", json={"confirm": str(customer_id)}
    )

    assert done.status_code == 200, done.text
    assert _holding(desk, "11111111H") == [] and _holding(desk, words) == []
    shown = (await root.get(f"/api/complaints/{number}")).json()
    assert "11111111H" not in json.dumps(shown) and "250" not in json.dumps(shown["routing_trace"])
    after = shown["routing_trace"]
    assert [(s["rule"], s["matched"], s["reason"], s["effects"]) for s in after] == [
        (s["rule"], s["matched"], s["reason"], s["effects"]) for s in before
    ]
    client, _, _ = await console_login(desk, "Root", "correct horse")
    page = html.unescape((await client.get(f"/console/complaints/{number}")).text)
    assert "11111111H" not in page and "250 euros" not in page
