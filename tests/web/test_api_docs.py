"""The API's documentation tells the truth and works offline: /docs renders in Chromium with
every request off this machine refused; every /api operation declares the token and the
refusals it can really answer; the documented error bodies are the ones sent; the webhook and
the API refuse bad fields with the same body."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Route, expect

from tests.conftest import signed
from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    browser_fixture,
    chromium_fixture,
    new_context,
    screenshot,
)
from tests.web.conftest import Desk

METHODS = ("get", "post", "put", "patch", "delete")
CONFLICTS = {
    ("post", "/api/complaints/{number}/reply"),
    ("post", "/api/complaints/{number}/assign"),
    ("post", "/api/complaints/{number}/reject"),
    ("post", "/api/complaints/{number}/resolve"),
    ("post", "/api/complaints/{number}/solutions"),
    ("post", "/api/complaints/{number}/solutions/{solution_id}/decision"),
    ("post", "/api/complaints/{number}/merge"),
    ("post", "/api/customers/{customer_id}/erase"),
    ("post", "/api/dead-letters/{letter_id}/reprocess"),
}
"""Operations whose service refuses with 409 when the state does not allow the change."""
SAMPLE = {"number": "C-2026-000001", "table": "by_category", "key": "refund-done", "name": "x"}
"""Path parameter values that pass validation; every other parameter is an id (1)."""


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
        if method in METHODS
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m[1], "1"), path)


def schema_of(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    ref = response["content"]["application/json"]["schema"]["$ref"]
    assert ref.startswith("#/components/schemas/"), ref
    found: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return found


def assert_fits(spec: dict[str, Any], body: Any, schema: dict[str, Any]) -> None:
    """`body` has exactly the documented keys; a list `detail` holds documented Problems."""
    assert isinstance(body, dict) and set(body) == set(schema["properties"]), (body, schema)
    detail = body["detail"]
    if isinstance(detail, str):
        return
    problem = spec["components"]["schemas"]["Problem"]
    assert detail and all(set(item) == set(problem["properties"]) for item in detail), detail
    assert all(isinstance(item["loc"], list) and item["field"] for item in detail)


def documented(spec: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    responses = spec["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    found: dict[str, Any] = responses[str(status)]
    return found


async def test_the_docs_render_offline_and_the_authorize_button_sends_the_token(
    desk: Desk, browser: Browser
) -> None:
    accounts = desk.app.state.services.accounts
    ada = await accounts.create("Ada", "admin", ["billing"], None, "")
    _, token = await accounts.issue_token(ada.id or 0, "docs")
    context = await new_context(browser, desk.url)
    refused: list[str] = []

    async def offline(route: Route) -> None:
        host = httpx.URL(route.request.url).host
        if host == "127.0.0.1":
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await context.route("**/*", offline)
    page = await context.new_page()
    await page.goto("/docs")
    queue = page.locator("#operations-complaints-list_complaints_api_complaints_get")
    await expect(queue).to_be_visible()
    await expect(queue.locator(".opblock-summary-path")).to_have_text("/api/complaints")

    await page.click("button.authorize")
    bearer = page.locator(".auth-container:has(#auth-bearer-value)")
    await bearer.locator("#auth-bearer-value").fill(token)
    await bearer.locator("button.authorize").click()
    await expect(page.get_by_role("button", name="Remove authorization")).to_have_count(1)
    await page.click(".modal-ux button.close-modal")
    me = page.locator("#operations-accounts-me_api_me_get")
    await me.locator(".opblock-summary").click()
    await me.locator("button.try-out__btn").click()
    await me.locator("button.execute").click()
    answer = me.locator(".live-responses-table .response .response-col_status").first
    await expect(answer).to_have_text("200")
    await expect(me.locator(".live-responses-table .highlight-code")).to_contain_text('"Ada"')
    await screenshot(page, "api-docs")

    assert (await page.request.get("/redoc")).status == 404  # no page that needs a CDN
    assert refused == [], f"the docs asked for files off this machine: {refused}"


async def test_every_api_operation_declares_the_token_and_its_refusals(desk: Desk) -> None:
    client = desk.client()
    spec = (await client.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["token"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "cbt_…",
        "description": schemes["token"]["description"],
    }
    assert schemes["console session"]["in"] == "cookie"
    assert "HTTPValidationError" not in str(spec), "FastAPI's own 422 body is never sent"
    agent = await desk.account("Ana", role="agent")
    found = operations(spec)
    assert len(found) > 40
    for method, path, operation in found:
        where = f"{method.upper()} {path}"
        (role,) = operation["security"][0]["token"]
        assert operation["security"] == [{"token": [role]}, {"console session": [role]}], where
        assert role in ("agent", "supervisor", "admin"), where
        expected = {"401", "503"}
        if method != "get" or role != "agent":
            expected.add("403")  # CSRF for a session, and roles or departments
        if "{" in path:
            expected.add("404")
        if operation.get("parameters") or "requestBody" in operation:
            expected.add("422")
        if (method, path) in CONFLICTS:
            expected.add("409")
        assert expected <= set(operation["responses"]), where
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                name = schema_of(spec, response)["title"]
                assert name == ("Invalid" if status == "422" else "Refusal"), where

        # Really refused: without a credential (401), and for an agent exactly where the
        # description names a higher role (403), with the documented body.
        url = concrete(path)
        anonymous = await client.request(method, url, json={})
        assert anonymous.status_code == 401, where
        assert_fits(spec, anonymous.json(), schema_of(spec, documented(spec, method, path, 401)))
        if method == "get":
            answer = await agent.get(url)
            assert (answer.status_code == 403) == (role != "agent"), (where, answer.text)


async def _status(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_the_documented_error_bodies_are_the_ones_sent(desk: Desk) -> None:
    """One real refusal per status, against the operation's documented schema and examples."""
    spec = (await desk.client().get("/openapi.json")).json()
    number = (await desk.complain("The charger broke after two days.", customer="c-9"))["complaint"]
    agent = await desk.account("Ana", role="agent", departments=("billing", "quality"))
    outsider = await desk.account("Bo", role="agent", departments=("network",))
    cases = [
        (desk.client(), "get", "/api/me", "/api/me", None, 401),
        (agent, "get", "/api/accounts", "/api/accounts", None, 403),
        (outsider, "get", "/api/complaints/{number}", f"/api/complaints/{number}", None, 403),
        (
            agent,
            "get",
            "/api/complaints/{number}",
            "/api/complaints/C-2026-999999",
            None,
            404,
        ),
        (
            agent,
            "post",
            "/api/complaints/{number}/reply",
            f"/api/complaints/{number}/reply",
            {"text": "We refunded you."},
            409,
        ),
        (
            agent,
            "post",
            "/api/complaints/{number}/notes",
            f"/api/complaints/{number}/notes",
            {},
            422,
        ),
        (
            agent,
            "post",
            "/api/complaints/{number}/reply",
            f"/api/complaints/{number}/reply",
            {"text": " "},
            422,
        ),
        (agent, "get", "/api/complaints", "/api/complaints?limit=0", None, 422),
    ]
    for client, method, path, url, body, status in cases:
        sent = await _status(await client.request(method, url, json=body), status)
        response = documented(spec, method, path, status)
        schema = schema_of(spec, response)
        assert_fits(spec, sent, schema)
        for example in response["content"]["application/json"]["examples"].values():
            assert_fits(spec, example["value"], schema)
    refused = await _status(await desk.client().get("/api/me"), 401)
    examples = documented(spec, "get", "/api/me", 401)["content"]["application/json"]["examples"]
    assert refused in [example["value"] for example in examples.values()]


@pytest.mark.parametrize(
    ("webhook_body", "webhook_field"),
    [
        ({"id": "x-1", "customer": {"name": "Ana"}, "text": "Broken."}, "customer.id"),
        (b'{"id": "x-1", "text": ', "body"),
    ],
)
async def test_the_webhook_and_the_api_refuse_bad_fields_with_the_same_body(
    desk: Desk, webhook_body: Any, webhook_field: str
) -> None:
    raw, headers = signed(webhook_body)
    webhook = await _status(
        await desk.client().post("/webhook/shop", content=raw, headers=headers), 422
    )
    number = (await desk.complain("The charger broke after two days."))["complaint"]
    agent = await desk.account("Ana")
    api = await _status(await agent.post(f"/api/complaints/{number}/notes", json={}), 422)
    bad_json = await _status(
        await agent.post(
            f"/api/complaints/{number}/notes",
            content=b'{"text": ',
            headers={"Content-Type": "application/json"},
        ),
        422,
    )

    keys = {"field", "error", "loc", "msg", "type"}
    for body in (webhook, api, bad_json):
        assert set(body) == {"detail"} and all(set(item) == keys for item in body["detail"])
    assert webhook_field in [item["field"] for item in webhook["detail"]]
    assert [item["field"] for item in api["detail"]] == ["text"]
    assert api["detail"][0]["loc"] == ["body", "text"] and api["detail"][0]["type"] == "missing"
    assert [item["field"] for item in bad_json["detail"]] == ["body"]
    assert all(item["loc"][0] == "body" for item in webhook["detail"])
