"""The web console under /console: server-rendered pages (Jinja2, no scripts) for staff.

`install(app)` mounts the pages and the stylesheet and turns the console's refusals into
pages: no session → the login page (and back afterwards); a refusal → a page saying why.
Other engineers' pages extend `templates/base.html` (its blocks are documented at its top)
and use `web.console.guard` for sessions, CSRF and roles, `web.console.pages` to render.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from web.auth import session_of
from web.console import (
    accounts_page,
    canned_page,
    complaint_actions,
    complaint_page,
    customers_page,
    dead_letters_page,
    language_page,
    login,
    queue_page,
    reports_page,
    rules_page,
)
from web.console.guard import ConsoleRefusal, LoginRequired
from web.console.i18n import N_
from web.console.pages import HERE, redirect, render

router = APIRouter(prefix="/console", include_in_schema=False)
for module in (
    login,
    queue_page,
    complaint_page,
    complaint_actions,
    canned_page,
    rules_page,
    reports_page,
    accounts_page,
    customers_page,
    dead_letters_page,
    language_page,
):
    router.include_router(module.router)

HEADINGS = {
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Not possible now"),
    422: N_("Check the input"),
}


@router.get("/")
async def home() -> RedirectResponse:
    return redirect(login.HOME)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")

    async def login_required(request: Request, error: Exception) -> RedirectResponse:
        assert isinstance(error, LoginRequired)
        return redirect(error.location)

    async def refused(request: Request, error: Exception) -> HTMLResponse:
        assert isinstance(error, ConsoleRefusal)
        found = await session_of(request)
        return render(
            request,
            "refused.html",
            {
                "heading": HEADINGS.get(error.status, N_("Refused")),
                "message": error.message,
                "complaint": _complaint_of(request.url.path) if error.status != 404 else "",
            },
            agent=found[0] if found else None,
            csrf=found[1] if found else "",
            status=error.status,
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(ConsoleRefusal, refused)


def _complaint_of(path: str) -> str:
    """The complaint a refused form was posted from (/console/complaints/C-…/correct), for the
    way back to it; "" for another page."""
    found = re.fullmatch(r"/console/complaints/([\w-]+)(?:/.*)?", path)
    return found[1] if found else ""
