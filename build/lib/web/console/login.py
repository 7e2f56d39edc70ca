"""Logging in and out of the console.

The login form has no session yet, so it is protected by a double-submit token: the same
random value in a cookie and in a hidden field, which another site can neither read nor set.
"""

from __future__ import annotations

import hmac
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.accounts import Throttled
from web.auth import SESSION_COOKIE, session_of
from web.console.guard import Actor, ConsoleRefusal
from web.console.pages import redirect, render
from web.deps import AccountsDep, SettingsDep

LOGIN_COOKIE = "console_login_csrf"
HOME = "/console/queue"
router = APIRouter()


def safe_next(url: str) -> str:
    """Only a console path of this site: a login link must not send anyone elsewhere."""
    if url.startswith("/console") and not url.startswith("//") and "\\" not in url:
        return url
    return HOME


def _login_page(
    request: Request,
    secure: bool,
    next_url: str,
    error: str = "",
    name: str = "",
    status: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"login_token": token, "next_url": next_url, "error": error, "name": name},
        status=status,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/console/login",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    return response


@router.get("/login", response_model=None)
async def login_form(
    request: Request,
    settings: SettingsDep,
    next: str = HOME,
) -> HTMLResponse | RedirectResponse:
    if await session_of(request) is not None:
        return redirect(safe_next(next))
    return _login_page(request, settings.console.secure_cookies, safe_next(next))


@router.post("/login", response_model=None)
async def log_in(
    request: Request,
    accounts: AccountsDep,
    settings: SettingsDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = HOME,
) -> HTMLResponse | RedirectResponse:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        raise ConsoleRefusal(
            403, "This login form has expired or came from elsewhere: open the login page again."
        )
    console = settings.console
    client = request.client.host if request.client is not None else ""
    session = await accounts.log_in(name, password, console.session_lifetime, client)
    if isinstance(session, Throttled):
        refused = _login_page(
            request, console.secure_cookies, safe_next(next), _too_many(session), name, 429
        )
        refused.headers["Retry-After"] = str(_seconds(session))
        return refused
    if session is None:
        wrong = "Wrong name or password."
        return _login_page(request, console.secure_cookies, safe_next(next), wrong, name)
    response = redirect(safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        # A lifetime, not the end time: the browser's clock need not agree with the server's.
        max_age=int(console.session_lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=console.secure_cookies,
    )
    response.delete_cookie(LOGIN_COOKIE, path="/console/login")
    return response


def _seconds(throttled: Throttled) -> int:
    return max(1, math.ceil(throttled.wait.total_seconds()))


def _too_many(throttled: Throttled) -> str:
    seconds = _seconds(throttled)
    wait = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    return (
        "Too many failed logins for this account or from this network. For your safety, "
        f"logging in is paused: try again in {wait}."
    )


@router.post("/logout")
async def log_out(request: Request, staff: Actor, accounts: AccountsDep) -> RedirectResponse:
    await accounts.log_out(request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/console/login", ("ok", "You are logged out."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
