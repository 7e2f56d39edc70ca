"""Rendering console pages: one Jinja2 environment (autoescape always on, so text a customer
sent is shown as text, never run), flash messages carried across Post/Redirect/Get in a short
cookie, and the security headers every page gets."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from complaints.access import at_least
from store.models import Agent

HERE = Path(__file__).resolve().parent
FLASH_COOKIE = "console_flash"
SECURITY_HEADERS = {
    # No page needs a script, a frame or another origin: whatever slipped through escaping
    # could not run, and the console cannot be framed by another site.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str


NAVIGATION = (
    # (label, href, lowest role that may use the page)
    ("Queue", "/console/queue", "agent"),
    ("Reports", "/console/reports", "supervisor"),
    ("Customers", "/console/customers", "admin"),
    ("Rules", "/console/rules", "admin"),
    ("Accounts", "/console/accounts", "admin"),
    ("Canned replies", "/console/canned", "admin"),
    ("Dead letters", "/console/dead-letters", "admin"),
)


def navigation(agent: Agent) -> list[NavLink]:
    """The console pages `agent`'s role may use, for the header."""
    return [NavLink(label, href) for label, href, role in NAVIGATION if at_least(agent, role)]


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def money(cents: int | None, currency: str = "") -> str:
    if cents is None:
        return ""
    return f"{Decimal(cents) / 100:.2f} {currency}".strip()


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = when
    environment.filters["money"] = money
    return environment


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    agent: Agent | None = None,
    csrf: str = "",
    status: int = 200,
) -> HTMLResponse:
    """A page with the base template's context: who is logged in, their navigation, their
    CSRF token for forms, and the flash message left by the previous action (shown once)."""
    flash = read_flash(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "agent": agent,
            "csrf": csrf,
            "nav": navigation(agent) if agent is not None else [],
            "flash": flash,
            **(context or {}),
        },
        status_code=status,
        headers=SECURITY_HEADERS,
    )
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/console")
    return response


def redirect(url: str, flash: tuple[str, str] | None = None) -> RedirectResponse:
    """303 See Other to `url` (Post/Redirect/Get), leaving `flash` = (kind, text) for it;
    kind is "ok" or "error"."""
    response = RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)
    if flash is not None:
        kind, text = flash
        encoded = base64.urlsafe_b64encode(json.dumps([kind, text]).encode()).decode()
        response.set_cookie(
            FLASH_COOKIE, encoded, max_age=60, path="/console", httponly=True, samesite="lax"
        )
    return response


def read_flash(request: Request) -> tuple[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        kind, text = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, TypeError):  # not ours: ignore it
        return None
    return ("error" if kind == "error" else "ok", str(text))
