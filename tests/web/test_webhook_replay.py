"""A webhook message sent again under the same `id` is answered 200 with its first answer, as
stored: an idempotent resend must not mix what the complaint became since (a correction, a
regrading) with the acknowledgement's old text."""

from __future__ import annotations

import json

import httpx

from tests.conftest import signed
from tests.web.conftest import Desk

NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."


async def test_a_resend_is_answered_with_the_first_answer_after_a_correction(desk: Desk) -> None:
    body = {"id": "order-7", "customer": {"id": "c-7", "name": "Ana"}, "text": NETWORK}
    raw, headers = signed(body)
    async with httpx.AsyncClient(base_url=desk.url, timeout=10) as client:
        first = await client.post("/webhook/shop", content=raw, headers=headers)
        assert first.status_code == 202, first.text
        number = first.json()["complaint"]
        root = await desk.account("Root", role="admin", departments=())
        corrected = await root.post(
            f"/api/complaints/{number}/correct",
            json={"category": "billing", "grade": "urgent", "reason": "a double charge"},
        )
        assert corrected.status_code == 200, corrected.text
        again = await client.post("/webhook/shop", content=raw, headers=headers)
    assert again.status_code == 200, again.text
    assert json.loads(again.text) == json.loads(first.text)
    assert first.json()["category"] != "billing"  # what was answered, not what it is now
