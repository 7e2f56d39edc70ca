"""Logging in and out of the console.

The login form has no session yet, so it is protected by a double-submit token: the same
random value in a cookie and in a hidden field, which another site can neither read nor set.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.accounts import Accounts
from web.auth import SESSION_COOKIE, session_of
from web.console.guard import Actor, ConsoleRefusal
from web.console.pages import redirect, render

LOGIN_COOKIE = "console_login_csrf"
HOME = "/console/queue"
router = APIRouter()


def safe_next(url: str) -> str:
    """Only a console path of this site: a login link must not send anyone elsewhere."""
    if url.startswith("/console") and not url.startswith("//") and "\\" not in url:
        return url
    return HOME


def _login_page(request: Request, next_url: str, error: str = "", name: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"login_token": token, "next_url": next_url, "error": error, "name": name},
        status=200,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/console/login",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.console.secure_cookies,
    )
    return response


@router.get("/login", response_model=None)
async def login_form(
    request: Request,
    next: str = HOME,
) -> HTMLResponse | RedirectResponse:
    if await session_of(request) is not None:
        return redirect(safe_next(next))
    return _login_page(request, safe_next(next))


@router.post("/login", response_model=None)
async def log_in(
    request: Request,
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
    settings = request.app.state.settings.console
    accounts: Accounts = request.app.state.accounts
    session = await accounts.log_in(name, password, settings.session_lifetime)
    if session is None:
        return _login_page(request, safe_next(next), "Wrong name or password.", name)
    response = redirect(safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        # A lifetime, not the end time: the browser's clock need not agree with the server's.
        max_age=int(settings.session_lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.delete_cookie(LOGIN_COOKIE, path="/console/login")
    return response


@router.post("/logout")
async def log_out(request: Request, staff: Actor) -> RedirectResponse:
    accounts: Accounts = request.app.state.accounts
    await accounts.log_out(request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/console/login", ("ok", "You are logged out."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
