"""Who may open a console page or send a console form.

Pages need a live session (else the browser is sent to the login page and back); forms also
need the session's CSRF token in the `csrf_token` field, so another site cannot act through a
logged-in browser; some pages need a role. Refusals are raised as `ConsoleRefusal` and shown
as a page that says what to do, not as JSON.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from complaints.access import at_least
from store.models import Agent
from web.auth import session_of


@dataclass(frozen=True)
class Staff:
    """The logged-in account and its session's CSRF token (for the forms of the page)."""

    agent: Agent
    csrf: str


class LoginRequired(Exception):
    """No live session: the browser goes to the login page, then back to `next_url`."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url

    @property
    def location(self) -> str:
        return f"/console/login?next={quote(self.next_url, safe='/')}"


class ConsoleRefusal(Exception):
    """A request the console refuses; `message` tells the person what to do instead."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def _staff(request: Request) -> Staff:
    found = await session_of(request)
    if found is None:
        back = request.url.path if request.method == "GET" else "/console/queue"
        if request.method == "GET" and request.url.query:
            back += "?" + request.url.query
        raise LoginRequired(back)
    return Staff(*found)


async def _form_staff(request: Request) -> Staff:
    """A logged-in sender whose form carries its session's CSRF token."""
    staff = await _staff(request)
    sent = (await request.form()).get("csrf_token", "")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), staff.csrf.encode()):
        raise ConsoleRefusal(
            403,
            "This form did not come from your console session (it may have expired): "
            "reload the page and send it again.",
        )
    return staff


def _needs(role: str, form: bool) -> Callable[[Request], Awaitable[Staff]]:
    async def check(request: Request) -> Staff:
        staff = await (_form_staff(request) if form else _staff(request))
        if not at_least(staff.agent, role):
            raise ConsoleRefusal(
                403, f"This page needs the {role} role; you are {staff.agent.role}."
            )
        return staff

    return check


Viewer = Annotated[Staff, Depends(_needs("agent", form=False))]
"""Any logged-in account reading a page."""
Actor = Annotated[Staff, Depends(_needs("agent", form=True))]
"""Any logged-in account sending a form."""
SupervisorActor = Annotated[Staff, Depends(_needs("supervisor", form=True))]
AdminViewer = Annotated[Staff, Depends(_needs("admin", form=False))]
AdminActor = Annotated[Staff, Depends(_needs("admin", form=True))]
