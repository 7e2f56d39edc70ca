"""The API described where a new user looks first: /docs (Swagger UI) and /openapi.json.

The page loads its script and styles from this process (the fastapi-offline package ships
Swagger UI 5), never from a CDN, so it works on a machine without internet. Swagger UI 5 is
needed: FastAPI writes OpenAPI 3.1, which Swagger UI 4 refuses to render. There is no ReDoc
page: the bundled ReDoc fetches its logo from a CDN (seen with the network blocked), and only
Swagger UI sends requests with a token.

FastAPI sees neither the refusals the desk raises nor those of the auth dependencies, so
`install` adds them to every /api operation of the description, with the bodies really sent
(`complaints.problems`): 401 and 503 everywhere; 403 where a role above agent is needed or
something changes (a session without its CSRF token); 404 where the path names something;
422 where the operation takes input. What only the desk knows (409, and 403 for a complaint
of another department) a route declares with `responses=refusals(...)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import models_json_schema

from complaints.problems import Invalid, Refusal
from web.auth import NO_CREDENTIAL

ASSETS = Path(fastapi_offline.__file__).parent / "static"
STATIC = "/docs/static"
SCHEMAS = "#/components/schemas/"

Example = tuple[str, object]
EXAMPLES: dict[int, tuple[str, dict[str, Example]]] = {
    401: (
        "No credential, or a token that is unknown, revoked or of a disabled account",
        {"no credential": ("Neither a token nor a session was sent", NO_CREDENTIAL)},
    ),
    403: (
        "Your role or departments do not allow this, or a session's X-CSRF-Token is missing",
        {
            "role": ("The route needs a higher role", "this needs the admin role; you are agent"),
            "department": (
                "The complaint belongs to a department you do not work for",
                "C-2026-000123 belongs to network, which is not one of your departments "
                "(billing); ask its supervisor or an admin",
            ),
        },
    ),
    404: (
        "What the path names does not exist (a complaint, account, customer, rule version...)",
        {
            "missing": (
                "Nothing has the number or id the path names",
                "there is no complaint C-2026-000123; check the number",
            )
        },
    ),
    409: (
        "The complaint (or letter, or customer) is not in a state that allows this now",
        {
            "status": (
                "The workflow does not allow the change",
                "a complaint that is closed cannot become resolved (from closed: reopened)",
            ),
            "unreachable": (
                "The customer's channel cannot carry an answer",
                "C-2026-000123: the customer's webhook channel cannot receive later messages; "
                "contact them another way",
            ),
            "erased": (
                "The customer's personal data was erased: no address of theirs is kept",
                "C-2026-000123: the customer's personal data was erased, so no address of theirs "
                "is kept and nothing can be sent to them; contact them another way if you still "
                "can",
            ),
        },
    ),
    413: (
        "The body is over the route's limit",
        {"too large": ("Too large", "the TOML is over 1 MB; send less")},
    ),
    415: (
        "The body's Content-Type is not one this route takes",
        {"type": ("Wrong type", "send the TOML as the body with Content-Type: application/toml")},
    ),
    422: (
        "The input is wrong: a list of wrong fields, or one sentence when it is wrong as a whole",
        {
            "fields": (
                "A field fails validation",
                [
                    {
                        "field": "text",
                        "error": "Field required",
                        "loc": ["body", "text"],
                        "msg": "Field required",
                        "type": "missing",
                    }
                ],
            ),
            "sentence": ("The input is wrong as a whole", "write a text, or name a canned reply"),
        },
    ),
    503: (
        "The store is busy or unreachable; nothing was changed. Retry after Retry-After seconds",
        {
            "busy": (
                "The database is locked or down",
                "the store is busy or unreachable; nothing was changed, try again",
            )
        },
    ),
}


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for these statuses, with the one error body and real examples."""
    return {status: _response(status) for status in statuses}


def _response(status: int) -> dict[str, Any]:
    description, examples = EXAMPLES[status]
    model = Invalid if status == 422 else Refusal
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": SCHEMAS + model.__name__},
                "examples": {
                    name: {"summary": summary, "value": {"detail": detail}}
                    for name, (summary, detail) in examples.items()
                },
            }
        },
    }


def derived(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The refusals an /api operation can answer, read from its own description: who may
    call it (the role names of its security requirements), its method, path and input."""
    roles = {role for need in operation.get("security", []) for v in need.values() for role in v}
    found = {401, 503}
    if roles - {"agent"} or method != "get":
        found.add(403)  # a role too low; for a change, also a session without its CSRF token
    if "{" in path:
        found.add(404)
    if operation.get("parameters") or "requestBody" in operation:
        found.add(422)
    return found


def describe(spec: dict[str, Any]) -> None:
    """Put the refusals and their bodies into FastAPI's description `spec`, in place: the
    derived ones where a route declared none of that status, and our 422 in place of
    FastAPI's standard body, which this app never sends."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in str(responses.get("422", "")):
                responses["422"] = _response(422)
            if path.startswith("/api/"):
                for status in sorted(derived(method, path, operation)):
                    responses.setdefault(str(status), _response(status))
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    definitions = models_json_schema(
        [(Refusal, "serialization"), (Invalid, "serialization")],
        ref_template=SCHEMAS + "{model}",
    )[1]["$defs"]
    for name, schema in definitions.items():
        schemas.setdefault(name, schema)


def _describing(app: FastAPI) -> None:
    """FastAPI's documented way to extend the description: replace `app.openapi`."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            describe(default())
        return app.openapi_schema or default()

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Serve /docs from local files; describe every /api operation's refusals. `bot.py`
    builds the app with `docs_url=None, redoc_url=None`: FastAPI's pages load their scripts
    from a CDN."""
    _describing(app)
    app.mount(STATIC, StaticFiles(directory=ASSETS), name="docs-static")
    app.add_api_route("/docs", swagger, include_in_schema=False)


async def swagger(request: Request) -> HTMLResponse:
    """The docs page. A module-level endpoint that reads its app from the request: FastAPI
    keeps every endpoint it has seen in module-level caches of 4,096 entries, and one closed
    over its app kept that app alive after it stopped (the test suite builds hundreds)."""
    app = request.app
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=root + (app.openapi_url or "/openapi.json"),
        title=f"{app.title} - API",
        swagger_js_url=f"{root}{STATIC}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{STATIC}/swagger-ui.css",
        swagger_favicon_url=f"{root}{STATIC}/favicon.png",
    )
