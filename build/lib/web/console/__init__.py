"""The web console under /console: server-rendered pages (Jinja2, no scripts) for staff.

`install(app)` mounts the pages and the stylesheet and turns the console's refusals into
pages: no session → the login page (and back afterwards); a refusal → a page saying why.
Other engineers' pages extend `templates/base.html` (its blocks are documented at its top)
and use `web.console.guard` for sessions, CSRF and roles, `web.console.pages` to render.
"""

from __future__ import annotations

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
    login,
    queue_page,
    reports_page,
    rules_page,
)
from web.console.guard import ConsoleRefusal, LoginRequired
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
):
    router.include_router(module.router)

HEADINGS = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 422: "Check the input"}


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
            {"heading": HEADINGS.get(error.status, "Refused"), "message": error.message},
            agent=found[0] if found else None,
            csrf=found[1] if found else "",
            status=error.status,
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(ConsoleRefusal, refused)
