"""The webhook as the OpenAPI document describes it: the signed body's schema is the model that
validates it, its examples are accepted by the real route, and every refusal comes back in the
documented body (the same as the API's)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from channels.webhook.body import ComplaintIn
from tests.conftest import START, signed, table_counts

WEBHOOK = "/webhook/{source}"
CONTEXT = {"max_attachments": 10, "today": START.date()}


@pytest.fixture
async def described(start_bot: Any) -> tuple[Any, dict[str, Any]]:
    bot = await start_bot()
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        spec = (await client.get("/openapi.json")).json()
    return bot, spec


def fits(spec: dict[str, Any], body: Any, ref: str) -> bool:
    """Whether `body` has exactly the keys of the schema `ref` (and its Problems, if a list)."""
    schemas = spec["components"]["schemas"]
    keys = set(schemas[ref.rsplit("/", 1)[-1]]["properties"])
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        problem = set(schemas["Problem"]["properties"])
        return set(body) == keys and all(set(item) == problem for item in detail)
    return isinstance(body, dict) and set(body) == keys and isinstance(detail, str)


async def test_the_documented_body_is_the_validating_model(
    described: tuple[Any, dict[str, Any]],
) -> None:
    bot, spec = described
    operation = spec["paths"][WEBHOOK]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    schema = content["schema"]
    assert "$ref" not in str(schema), "the body's schema stands alone, no dangling $defs"
    assert set(schema["required"]) == {"id", "customer", "text"}
    assert schema["properties"]["text"]["maxLength"] == 50_000
    assert schema["properties"]["customer"]["required"] == ["id"]
    attachment = schema["properties"]["attachments"]["items"]
    assert set(attachment["required"]) == {"name", "content_type", "data"}
    assert schema["properties"]["complaint"]["pattern"].startswith("^(")
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert headers["X-Signature"]["required"] and not headers["X-Signature-Timestamp"]["required"]

    for name, example in content["examples"].items():
        # every example is valid input, under the shipped limit, on the day the tests start
        ComplaintIn.model_validate(example["value"], context=CONTEXT)
        if name == "new":  # and accepted by the real route
            raw, signed_headers = signed(example["value"])
            async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
                answer = await client.post("/webhook/shop", content=raw, headers=signed_headers)
            assert answer.status_code == 202, answer.text
            accepted = operation["responses"]["202"]["content"]["application/json"]["schema"]
            name = accepted["$ref"].rsplit("/", 1)[-1]
            assert set(answer.json()) == set(spec["components"]["schemas"][name]["properties"])


@pytest.mark.parametrize(
    ("status", "source", "body", "headers"),
    [
        (401, "shop", {"id": "x"}, {"X-Signature": "sha256=00"}),
        (404, "nobody", {"id": "x"}, {}),
        (415, "shop", {"id": "x"}, {"Content-Type": "text/plain"}),
        (422, "shop", {"id": "x-1", "customer": {"name": "Ana"}, "text": "Broken."}, {}),
        (422, "shop", {"id": "x-1", "customer": {"id": "c"}, "text": "  "}, {}),
    ],
)
async def test_each_refusal_has_the_documented_body(
    described: tuple[Any, dict[str, Any]],
    status: int,
    source: str,
    body: dict[str, Any],
    headers: dict[str, str],
) -> None:
    bot, spec = described
    before = table_counts(bot.store_url)
    raw, signed_headers = signed(body)
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        answer = await client.post(
            f"/webhook/{source}", content=raw, headers={**signed_headers, **headers}
        )
    assert answer.status_code == status, answer.text
    documented = spec["paths"][WEBHOOK]["post"]["responses"][str(status)]
    content = documented["content"]["application/json"]
    assert fits(spec, answer.json(), content["schema"]["$ref"]), answer.text
    for example in content["examples"].values():
        assert fits(spec, example["value"], content["schema"]["$ref"])
    assert table_counts(bot.store_url) == before


async def test_attachment_data_that_is_not_base64_names_the_field(start_bot: Any) -> None:
    bot = await start_bot()
    body = {
        "id": "x-1",
        "customer": {"id": "c"},
        "text": "See photo.",
        "attachments": [
            {"name": "a.png", "content_type": "image/png", "data": "AAAA"},
            {"name": "b.png", "content_type": "image/png", "data": "not base64!"},
        ],
    }
    raw, headers = signed(body)
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        answer = await client.post("/webhook/shop", content=raw, headers=headers)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["field"] == "attachments.1.data"
    assert problem["loc"] == ["body", "attachments", 1, "data"]
    assert "base64" in problem["error"]
