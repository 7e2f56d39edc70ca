"""The webhook against an integrator's walkthrough of hostile and sloppy input (the real bot
under uvicorn, driven by httpx): every refusal stays small and quick, names what is wrong, and
stores nothing; input is cleaned before it is validated."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from channels.webhook.adapter import sign
from complaints.clock import ManualClock
from tests.channels.test_webhook import complaint, post
from tests.conftest import SECRET, START, table_counts


async def test_many_attachments_are_refused_at_once_with_a_small_answer(start_bot: Any) -> None:
    """200,000 empty attachments (1.2 MB) once took 28 s and answered 89 MB while the server
    waited: the list is bounded by [intake] max_attachments before any item is validated."""
    bot = await start_bot()
    before = table_counts(bot.store_url)
    body = complaint("big-1", "Broken screen.", attachments=[{}] * 200_000)
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        refused, health = await asyncio.gather(
            post(bot, body), client.get("/health"), return_exceptions=False
        )
    assert health.status_code == 200
    assert refused.status_code == 422, refused.text[:500]
    assert len(refused.content) < 2_000
    [wrong] = refused.json()["detail"]
    assert wrong["field"] == "attachments"
    assert "at most 10 attachments" in wrong["error"]
    assert table_counts(bot.store_url) == before


async def test_the_list_of_wrong_fields_is_capped(start_bot: Any) -> None:
    """Ten attachments each wrong in three ways and more wrong fields besides: the answer names
    the first of them and says how many more there are, whatever the input."""
    bot = await start_bot()
    body = complaint("many-1", "x" * 60_000, attachments=[{"data": "%%"}] * 10)
    body["customer"] = {"id": "", "name": "n" * 300, "email": "e" * 300, "phone": "p" * 300}
    refused = await post(bot, {**body, "subject": "s" * 300, "language": "l" * 40})
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert len(detail) == 20 + 1
    assert detail[-1]["field"] == "body" and "more wrong fields" in detail[-1]["error"]
    assert len(refused.content) < 10_000


async def test_a_huge_signed_timestamp_is_401_with_a_reason(start_bot: Any) -> None:
    bot = await start_bot(clock=ManualClock(START))
    before = table_counts(bot.store_url)
    raw = json.dumps(complaint("t-1", "Broken.")).encode()
    stamp = "9" * 400
    headers = {
        "Content-Type": "application/json",
        "X-Signature": sign(SECRET, f"{stamp}.".encode() + raw),
        "X-Signature-Timestamp": stamp,
    }
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        response = await client.post("/webhook/shop", content=raw, headers=headers)
    assert response.status_code == 401, response.text
    assert "more than 300 seconds" in response.json()["detail"]
    assert table_counts(bot.store_url) == before


async def test_a_nul_in_an_id_is_refused_not_folded_into_another_id(start_bot: Any) -> None:
    bot = await start_bot()
    before = table_counts(bot.store_url)
    for body, field in (
        (complaint("a\u0000b", "Broken screen."), "id"),
        (complaint("n-1", "Broken screen.", customer="\u0000"), "customer.id"),
        (complaint("n-2", "Broken screen.", customer="c\u00001"), "customer.id"),
    ):
        refused = await post(bot, body)
        assert refused.status_code == 422, refused.text
        assert [p["field"] for p in refused.json()["detail"]] == [field]
        assert "NUL" in refused.json()["detail"][0]["error"]
    assert table_counts(bot.store_url) == before
    accepted = await post(bot, complaint("ab", "Broken screen."))
    assert accepted.status_code == 202, accepted.text


async def test_a_nul_in_a_text_is_dropped_before_the_lengths_are_checked(start_bot: Any) -> None:
    """Cleaned first, then validated: a name of NULs is an empty name, and a text at the limit
    with NULs in it fits once they are gone."""
    bot = await start_bot()
    text = "Broken screen. " + "x" * (50_000 - 15)
    body = complaint("c-1", text[:100] + "\u0000" * 5 + text[100:], name="\u0000\u0000")
    accepted = await post(bot, body)
    assert accepted.status_code == 202, accepted.text


async def test_text_of_invisible_characters_only_is_empty(start_bot: Any) -> None:
    bot = await start_bot()
    before = table_counts(bot.store_url)
    for invisible in ("\u200b\u200b\u200b", "\u200d\ufeff \u2060", "\u00ad\u200c\n"):
        refused = await post(bot, complaint("z-1", invisible))
        assert refused.status_code == 422, (invisible, refused.text)
        assert refused.json()["detail"] == "the message has no text and no attachment"
    assert table_counts(bot.store_url) == before


async def test_a_bare_zh_language_tag_means_simplified_chinese(start_bot: Any) -> None:
    """A text without a language of its own follows the hint; "zh" alone names simplified
    Chinese, as the console reads it."""
    bot = await start_bot()
    for number, (tag, expected) in enumerate(
        [("zh", "zh-Hans"), ("zh-SG", "zh-Hans"), ("zh-MO", "zh-Hant"), ("zh-HK", "zh-Hant")]
    ):
        body = complaint(f"l-{number}", "5521 ??? 😡", customer=f"c-{number}", language=tag)
        answer = await post(bot, body)
        assert answer.status_code == 202, answer.text
        assert answer.json()["language"] == expected, tag


async def test_a_purchase_date_after_today_is_422_and_stores_nothing(start_bot: Any) -> None:
    bot = await start_bot(clock=ManualClock(START))
    before = table_counts(bot.store_url)
    tomorrow = START.date().fromordinal(START.date().toordinal() + 1).isoformat()
    for future in ("2099-01-01", tomorrow):
        body = complaint("d-1", "Broken.", details={"purchase_date": future})
        refused = await post(bot, body)
        assert refused.status_code == 422, refused.text
        [wrong] = refused.json()["detail"]
        assert wrong["field"] == "details.purchase_date" and "after today" in wrong["error"]
    assert table_counts(bot.store_url) == before
    today = complaint("d-1", "Broken.", details={"purchase_date": START.date().isoformat()})
    assert (await post(bot, today)).status_code == 202
