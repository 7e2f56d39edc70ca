"""Cross-channel duplicates over the real bot: the same complaint by the shop's webhook and by
e-mail is flagged on both, and an agent merges them (timelines joined, the customer told once,
the scheduler done with the merged one)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import table_counts
from tests.mailpeers import mail, send
from tests.web.conftest import Desk, mailed, rows

ANA = "ana@example.com"
TEXT = "The invoice for order 5521 charged my card twice, please refund the second payment"
CUSTOMER_ADDRESSES = ("shop:c-1", ANA)


def complaint(desk: Desk, number: str) -> dict[str, Any]:
    (found,) = rows(desk, "SELECT * FROM complaints WHERE number = :n", n=number)
    return found


def tags(desk: Desk, number: str) -> list[str]:
    return list(json.loads(complaint(desk, number)["tags"] or "[]"))


async def by_webhook(desk: Desk, text: str = TEXT, email: str = ANA, customer: str = "c-1") -> str:
    answer = await desk.complain(text, customer=customer, contact={"email": email})
    return str(answer["complaint"])


async def by_email(
    desk: Desk, text: str = TEXT, sender: str = ANA, subject: str = "Invoice"
) -> str:
    return await mailed(desk, text, sender=sender, subject=subject)


def to_customer(desk: Desk) -> list[dict[str, Any]]:
    return rows(
        desk,
        "SELECT * FROM outbox WHERE address IN ('shop:c-1', :ana) ORDER BY id",
        ana=ANA,
    )


async def test_the_same_complaint_by_webhook_and_by_email_is_flagged_on_both(shop: Desk) -> None:
    agent = await shop.account("Ana", departments=("billing",))
    first = await by_webhook(shop)
    shop.clock.advance(timedelta(hours=3))
    second = await by_email(shop)

    assert "possible-duplicate" in tags(shop, first)
    assert "possible-duplicate" in tags(shop, second)
    for number, other in ((first, second), (second, first)):
        answer = await agent.get(f"/api/complaints/{number}/duplicates")
        assert answer.status_code == 200, answer.text
        flagged = answer.json()
        assert flagged["merged_into"] == ""
        assert [c["number"] for c in flagged["candidates"]] == [other]
        assert flagged["candidates"][0]["similarity"] >= 0.6
        (event,) = rows(
            shop,
            "SELECT e.detail FROM events e JOIN complaints c ON c.id = e.complaint_id "
            "WHERE c.number = :n AND e.kind = 'duplicate_suspected'",
            n=number,
        )
        assert json.loads(event["detail"])["of"] == other


async def test_other_words_another_person_or_days_apart_are_not_flagged(shop: Desk) -> None:
    await by_webhook(shop)
    unrelated = await by_email(shop, "The courier left the parcel in the rain and it is soaked")
    stranger = await by_email(shop, sender="someone.else@example.com")
    shop.clock.advance(timedelta(days=3))
    late = await by_email(shop, subject="Invoice again")
    chinese = await by_webhook(
        shop, "发票重复扣款两次，请退还第二笔款项", customer="c-9", email="li@example.com"
    )
    same_chinese = await by_email(
        shop, "发票重复扣款两次，请退还第二笔款项。", sender="li@example.com"
    )

    for number in (unrelated, stranger, late):
        assert "possible-duplicate" not in tags(shop, number), number
    assert "possible-duplicate" in tags(shop, chinese)
    assert "possible-duplicate" in tags(shop, same_chinese)


async def test_merge_joins_timelines_tells_the_customer_once_and_the_scheduler_skips_it(
    shop: Desk,
) -> None:
    agent = await shop.account("Ana", departments=("billing",))
    target = await by_webhook(shop)
    shop.clock.advance(timedelta(hours=1))
    source = await by_email(shop)
    shop.clock.advance(timedelta(days=1, hours=1))
    await shop.app.state.services.sweeps.run_all()  # progress updates fall due on both
    source_id, target_id = complaint(shop, source)["id"], complaint(shop, target)["id"]
    source_messages = rows(
        shop, "SELECT id, created_at FROM messages WHERE complaint_id = :i", i=source_id
    )
    target_messages = rows(shop, "SELECT id FROM messages WHERE complaint_id = :i", i=target_id)
    pending_progress = rows(
        shop,
        "SELECT id FROM outbox WHERE complaint_id = :i "
        "AND kind = 'progress' AND status = 'pending'",
        i=source_id,
    )
    assert pending_progress, "the scheduler queued a progress update for the source"
    before = to_customer(shop)

    answer = await agent.post(
        f"/api/complaints/{source}/merge", json={"into": target, "note": "same double charge"}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"merged": source, "into": target, "customer_told": True}
    after = to_customer(shop)
    new = [row for row in after if row["id"] not in {r["id"] for r in before}]
    assert len(new) == 1 and new[0]["address"] == "shop:c-1"
    assert f"{source} and {target} are about the same matter" in new[0]["payload"]
    cancelled = {r["id"]: r["status"] for r in after}
    assert all(cancelled[row["id"]] == "cancelled" for row in pending_progress)

    merged = complaint(shop, source)
    assert merged["status"] == "merged" and merged["merged_into"] == target
    due = ("escalate_due", "warn_due", "next_update_due", "survey_due", "close_due")
    assert all(merged[column] is None for column in due)
    moved = rows(shop, "SELECT id, created_at FROM messages WHERE complaint_id = :i", i=target_id)
    assert {(m["id"], m["created_at"]) for m in source_messages} <= {
        (m["id"], m["created_at"]) for m in moved
    }
    assert len(moved) == len(source_messages) + len(target_messages) + 1  # + the notice
    assert "possible-duplicate" not in tags(shop, source) + tags(shop, target)
    kinds = rows(
        shop,
        "SELECT c.number, e.kind FROM events e JOIN complaints c ON c.id = e.complaint_id "
        "WHERE e.kind = 'merged'",
    )
    assert {(k["number"], k["kind"]) for k in kinds} == {(source, "merged"), (target, "merged")}
    shown = (await agent.get(f"/api/complaints/{source}/duplicates")).json()
    assert shown["status"] == "merged" and shown["merged_into"] == target

    events_before = rows(shop, "SELECT id FROM events WHERE complaint_id = :i", i=source_id)
    shop.clock.advance(timedelta(days=10))
    await shop.app.state.services.sweeps.run_all()
    assert rows(shop, "SELECT id FROM events WHERE complaint_id = :i", i=source_id) == events_before
    assert not rows(
        shop, "SELECT id FROM outbox WHERE complaint_id = :i AND status = 'pending'", i=source_id
    )

    # The customer writes again naming the old number: it lands on the complaint kept.
    port = shop.app.state.services.channels["email"].smtp_port
    await send(
        port, mail("Any news on the refund?", sender=ANA, subject=f"Re: {source}"), sender=ANA
    )
    (later,) = rows(shop, "SELECT complaint_id FROM messages WHERE text LIKE 'Any news%'")
    assert later["complaint_id"] == target_id


async def test_merge_refusals_say_why_and_change_nothing(shop: Desk) -> None:
    billing = await shop.account("Ana", departments=("billing",))
    logistics = await shop.account("Leo", departments=("logistics",))
    first = await by_webhook(shop)
    second = await by_email(shop)
    stranger = await by_email(shop, "My invoice is wrong", sender="bob@example.com")
    other = await by_webhook(shop, "My invoice shows a wrong amount", customer="c-2", email="")
    before = table_counts(shop.bot.store_url)

    anonymous = shop.client()
    assert (
        await anonymous.post(f"/api/complaints/{first}/merge", json={"into": second})
    ).status_code == 401
    assert (await anonymous.get(f"/api/complaints/{first}/duplicates")).status_code == 401
    cases: list[tuple[httpx.AsyncClient, str, dict[str, Any], int, str]] = [
        (logistics, first, {"into": second}, 403, "not one of your departments"),
        (billing, first, {"into": first}, 422, "into itself"),
        (billing, first, {"into": "C-2026-999999"}, 404, "no complaint C-2026-999999"),
        (billing, "C-2026-999999", {"into": first}, 404, "no complaint C-2026-999999"),
        (billing, first, {"into": "nonsense"}, 422, "pattern"),
        (billing, first, {}, 422, "into"),
        (billing, stranger, {"into": first}, 409, "different customers"),
        (billing, other, {"into": first}, 409, "different customers"),
    ]
    for client, number, body, status, reason in cases:
        answer = await client.post(f"/api/complaints/{number}/merge", json=body)
        assert answer.status_code == status, (number, body, answer.text)
        assert reason in answer.text, answer.text
    assert (await logistics.get(f"/api/complaints/{first}/duplicates")).status_code == 403
    assert (await billing.get("/api/complaints/C-2026-999999/duplicates")).status_code == 404
    assert table_counts(shop.bot.store_url) == before
    assert "possible-duplicate" in tags(shop, first)

    assert (
        await billing.post(f"/api/complaints/{second}/merge", json={"into": first})
    ).status_code == 200
    again = await billing.post(f"/api/complaints/{second}/merge", json={"into": first})
    assert again.status_code == 409 and "already merged into" in again.json()["detail"]
    into_merged = await billing.post(f"/api/complaints/{first}/merge", json={"into": second})
    assert into_merged.status_code == 409 and "is merged" in into_merged.json()["detail"]


async def test_a_mail_sender_and_the_shops_customer_with_that_address_are_one_person(
    shop: Desk,
) -> None:
    """Ana mails first (her phone number in the text), then the shop's signed webhook sends her
    words again with her address as `customer.email`: flagged, and merged; Bob, with the same
    words under another address, stays apart."""
    agent = await shop.account("Eva", role="admin", departments=())
    words = "My new kettle started to smoke after two days."
    mailed_first = await by_email(
        shop, f"{words} Call me at +34 612 345 678.", sender="ana.perez@example.org", subject=""
    )
    shop.clock.advance(timedelta(hours=2))
    by_shop = await by_webhook(shop, words, email="Ana.Perez@example.org", customer="c-7")
    other_words = await by_webhook(
        shop, "The lid does not close any more", email="ana.perez@example.org", customer="c-8"
    )
    bob = await by_webhook(shop, words, email="bob@example.org", customer="c-9")

    flagged = (await agent.get(f"/api/complaints/{by_shop}/duplicates")).json()
    assert [c["number"] for c in flagged["candidates"]] == [mailed_first]
    assert flagged["candidates"][0]["similarity"] >= 0.6
    assert "possible-duplicate" in tags(shop, mailed_first)
    assert "possible-duplicate" not in tags(shop, bob) + tags(shop, other_words)

    refused = await agent.post(f"/api/complaints/{bob}/merge", json={"into": mailed_first})
    assert refused.status_code == 409 and "different customers" in refused.text
    merged = await agent.post(f"/api/complaints/{by_shop}/merge", json={"into": mailed_first})
    assert merged.status_code == 200, merged.text
    # Not flagged (other words), but the same address: an agent who sees it may merge it.
    joined = await agent.post(f"/api/complaints/{other_words}/merge", json={"into": mailed_first})
    assert joined.status_code == 200, joined.text
    assert complaint(shop, bob)["status"] != "merged"
