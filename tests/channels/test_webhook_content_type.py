"""What an integrator gets wrong first, answered with a reason that says what to change: a body
declared as something other than UTF-8 JSON (curl's default form type, text/plain, a Latin-1
charset) and a timestamped request signed over the body alone."""

from __future__ import annotations

import hmac
import json
from typing import Any

import httpx
import pytest

from tests.conftest import SECRET, signed, table_counts

BODY = {"id": "ct-1", "customer": {"id": "c-1"}, "text": "我的宽带断网三天了。"}


async def _post(bot: Any, raw: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        return await client.post("/webhook/shop", content=raw, headers=headers)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",  # curl --data-binary without -H
        "text/plain",
        "application/json; charset=iso-8859-1",
        "multipart/form-data; boundary=x",
    ],
)
async def test_a_body_declared_as_anything_but_utf8_json_is_415(
    start_bot: Any, content_type: str
) -> None:
    bot = await start_bot()
    before = table_counts(bot.store_url)
    raw, headers = signed(BODY)
    answer = await _post(bot, raw, {**headers, "Content-Type": content_type})
    assert answer.status_code == 415, answer.text
    detail = answer.json()["detail"]
    assert "Content-Type: application/json" in detail and content_type.split(";")[0] in detail
    assert table_counts(bot.store_url) == before


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON; charset=UTF-8", "application/vnd.crm+json", None],
)
async def test_json_declared_in_any_usual_form_or_not_at_all_is_taken(
    start_bot: Any, content_type: str | None
) -> None:
    bot = await start_bot()
    raw, headers = signed(BODY)
    headers.pop("Content-Type")
    if content_type is not None:
        headers["Content-Type"] = content_type
    answer = await _post(bot, raw, headers)
    assert answer.status_code == 202, answer.text


async def test_a_timestamped_request_signed_over_the_body_alone_says_what_to_sign(
    start_bot: Any,
) -> None:
    bot = await start_bot()
    before = table_counts(bot.store_url)
    raw, headers = signed(BODY)  # signed over the body alone
    stamp = "1000000000"  # long past: judged stale once the signature matches
    answer = await _post(bot, raw, {**headers, "X-Signature-Timestamp": stamp})
    assert answer.status_code == 401, answer.text
    assert "<X-Signature-Timestamp>.<body>" in answer.json()["detail"]
    assert table_counts(bot.store_url) == before
    # the same request correctly signed is judged on its timestamp, not its signature
    good = "sha256=" + hmac.new(SECRET.encode(), f"{stamp}.".encode() + raw, "sha256").hexdigest()
    stale = await _post(bot, raw, {**headers, "X-Signature-Timestamp": stamp, "X-Signature": good})
    assert stale.status_code == 401 and "seconds" in stale.json()["detail"]


async def test_a_body_with_a_utf8_byte_order_mark_is_read_as_json(start_bot: Any) -> None:
    """PowerShell and .NET writers put EF BB BF before the JSON; RFC 8259 lets a reader ignore
    it, and a 422 "expected value at line 1 column 1" would not tell the sender why."""
    bot = await start_bot()
    raw, headers = signed(b"\xef\xbb\xbf" + json.dumps(BODY, ensure_ascii=False).encode())
    answer = await _post(bot, raw, headers)
    assert answer.status_code == 202, answer.text
    assert answer.json()["language"] == "zh-Hans"
