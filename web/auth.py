"""Who is calling: an API bearer token or a console session cookie, and what their role allows.

Routes declare what they need with the `Annotated` aliases below (`AgentUser`, `SupervisorUser`,
`AdminUser`); a missing or unknown credential is 401, a role too low is 403. A request that
changes something with the session cookie must carry the session's CSRF token (a form field
in the console, the `X-CSRF-Token` header for scripts), so another site cannot act through a
logged-in browser.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from admin.accounts import Accounts
from complaints.access import at_least
from store.models import Agent
from web.deps import AccountsDep, services_of

SESSION_COOKIE = "complaint_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOT_BEARER = 'send "Authorization: Bearer <token>"'
UNKNOWN_TOKEN = "this token is unknown, revoked, or its account is disabled"  # noqa: S105 (a message)
NO_CREDENTIAL = "log in: an API token or a console session is required"
WRONG_CSRF = "missing or wrong X-CSRF-Token for this session"

# The two ways in, declared as security schemes so the OpenAPI page lists them on every route
# and its Authorize button sends the token. Neither refuses by itself (`auto_error=False`):
# `authenticated` decides, with messages that say what to send.
TOKEN = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    bearerFormat="cbt_…",
    description="An API token, sent as `Authorization: Bearer cbt_…`. An admin issues tokens "
    "in the console's Accounts page or with `POST /api/accounts/{id}/tokens`.",
)
SESSION = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="console session",
    description="The console's session cookie, set by logging in at /console/login. A request "
    "that changes something with it must also send the session's `X-CSRF-Token` header.",
)


def _unauthenticated(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def _from_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None, accounts: Accounts
) -> Agent | None:
    if credentials is None or not credentials.credentials.strip():
        if request.headers.get("authorization"):  # another scheme, or Bearer without a token
            raise _unauthenticated(NOT_BEARER)
        return None
    agent = await accounts.by_token(credentials.credentials.strip())
    if agent is None:
        raise _unauthenticated(UNKNOWN_TOKEN)
    return agent


async def session_of(request: Request) -> tuple[Agent, str] | None:
    """The logged-in console account and its CSRF token, if the cookie names a live session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return await services_of(request).accounts.by_session(cookie)


async def authenticated(
    request: Request,
    accounts: AccountsDep,
    token: Annotated[HTTPAuthorizationCredentials | None, Security(TOKEN)],
    cookie: Annotated[str | None, Security(SESSION)],
) -> Agent:
    agent = await _from_token(request, token, accounts)
    if agent is not None:
        return agent
    found = await accounts.by_session(cookie) if cookie else None
    if found is None:
        raise _unauthenticated(NO_CREDENTIAL)
    agent, csrf = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise HTTPException(403, WRONG_CSRF)
    return agent


def _role(role: str) -> Any:
    """Admits `role` and above. Declared as a security scope, so the OpenAPI description
    names the role each route needs (`"security": [{"token": ["admin"]}, ...]`)."""

    async def check(agent: Annotated[Agent, Depends(authenticated)]) -> Agent:
        if not at_least(agent, role):
            raise HTTPException(403, f"this needs the {role} role; you are {agent.role}")
        return agent

    return Security(check, scopes=[role])


AgentUser = Annotated[Agent, _role("agent")]
SupervisorUser = Annotated[Agent, _role("supervisor")]
AdminUser = Annotated[Agent, _role("admin")]
