"""Who is calling: an API bearer token or a console session cookie, and what their role allows.

Routes declare what they need with the `Annotated` aliases below (`AgentUser`, `SupervisorUser`,
`AdminUser`); a missing or unknown credential is 401, a role too low is 403. A request that
changes something with the session cookie must carry the session's CSRF token (a form field
in the console, the `X-CSRF-Token` header for scripts), so another site cannot act through a
logged-in browser.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from admin.accounts import Accounts
from complaints.access import at_least
from store.models import Agent
from web.deps import AccountsDep, services_of

SESSION_COOKIE = "complaint_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _unauthenticated(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def _from_token(request: Request, accounts: Accounts) -> Agent | None:
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated('send "Authorization: Bearer <token>"')
    agent = await accounts.by_token(token.strip())
    if agent is None:
        raise _unauthenticated("this token is unknown, revoked, or its account is disabled")
    return agent


async def session_of(request: Request) -> tuple[Agent, str] | None:
    """The logged-in console account and its CSRF token, if the cookie names a live session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return await services_of(request).accounts.by_session(cookie)


async def authenticated(request: Request, accounts: AccountsDep) -> Agent:
    agent = await _from_token(request, accounts)
    if agent is not None:
        return agent
    found = await session_of(request)
    if found is None:
        raise _unauthenticated("log in: an API token or a console session is required")
    agent, csrf = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise HTTPException(403, "missing or wrong X-CSRF-Token for this session")
    return agent


def _role(role: str):
    async def check(agent: Annotated[Agent, Depends(authenticated)]) -> Agent:
        if not at_least(agent, role):
            raise HTTPException(403, f"this needs the {role} role; you are {agent.role}")
        return agent

    return check


AgentUser = Annotated[Agent, Depends(_role("agent"))]
SupervisorUser = Annotated[Agent, Depends(_role("supervisor"))]
AdminUser = Annotated[Agent, Depends(_role("admin"))]
