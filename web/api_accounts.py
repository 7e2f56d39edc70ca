"""Accounts and API tokens: who may use the desk, in which role and departments (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from complaints.access import ROLES
from complaints.clock import Moment
from complaints.languages import SUPPORTED
from store.models import Agent, ApiToken
from web.auth import AdminUser, AgentUser
from web.bodies import Body, RowId
from web.deps import AccountsDep

router = APIRouter(prefix="/api", tags=["accounts"])
LANGUAGE = f"the console's language: one of {', '.join(SUPPORTED)}; empty: the browser's"


class AccountOut(BaseModel):
    id: int
    name: str
    role: str
    departments: list[str]
    email: str
    telegram_user_id: int | None
    senior: bool
    active: bool
    can_log_in: bool
    language: Annotated[str, Field(description=LANGUAGE)]

    @classmethod
    def of(cls, agent: Agent) -> AccountOut:
        return cls(
            id=agent.id or 0,
            name=agent.name,
            role=agent.role,
            departments=list(agent.departments or []),
            email=agent.email,
            telegram_user_id=agent.telegram_user_id,
            senior=agent.senior,
            active=agent.active,
            can_log_in=agent.active and bool(agent.password_hash),
            language=agent.language,
        )


class AccountIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    role: Annotated[str, Field(description=f"one of {', '.join(ROLES)}")] = "agent"
    departments: list[str] = Field(default_factory=list)
    password: Annotated[str | None, Field(description="console password, 10+ characters")] = None
    email: str = ""
    telegram_user_id: RowId | None = None
    language: Annotated[str, Field(description=LANGUAGE)] = ""


class AccountChange(Body):
    role: str | None = None
    departments: list[str] | None = None
    password: str | None = None
    email: str | None = None
    telegram_user_id: RowId | None = None
    senior: bool | None = None
    active: bool | None = None
    language: Annotated[str | None, Field(description=LANGUAGE)] = None


class TokenIn(Body):
    name: Annotated[str, Field(max_length=100, description="what the token is for")] = ""


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: Moment
    revoked_at: Moment | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id or 0,
            name=token.name,
            created_at=token.created_at,
            revoked_at=token.revoked_at,
        )


class IssuedToken(TokenOut):
    token: Annotated[str, Field(description="shown once; store it now")]


@router.get("/me", summary="The account making the request")
async def me(agent: AgentUser) -> AccountOut:
    return AccountOut.of(agent)


@router.get("/accounts", summary="All accounts")
async def list_accounts(admin: AdminUser, accounts: AccountsDep) -> list[AccountOut]:
    return [AccountOut.of(agent) for agent in await accounts.listing()]


@router.post("/accounts", status_code=201, summary="Create an account")
async def create_account(admin: AdminUser, accounts: AccountsDep, body: AccountIn) -> AccountOut:
    agent = await accounts.create(
        body.name,
        body.role,
        body.departments,
        body.password,
        body.email,
        body.telegram_user_id,
        by=admin,
        language=body.language,
    )
    return AccountOut.of(agent)


@router.patch("/accounts/{account_id}", summary="Change role, departments, password; disable")
async def change_account(
    account_id: RowId, admin: AdminUser, accounts: AccountsDep, body: AccountChange
) -> AccountOut:
    agent = await accounts.update(account_id, by=admin, **body.model_dump(exclude_unset=True))
    return AccountOut.of(agent)


@router.get("/accounts/{account_id}/tokens", summary="An account's API tokens (not their secrets)")
async def list_tokens(account_id: RowId, admin: AdminUser, accounts: AccountsDep) -> list[TokenOut]:
    await accounts.get(account_id)
    return [TokenOut.of(token) for token in await accounts.tokens(account_id)]


@router.post("/accounts/{account_id}/tokens", status_code=201, summary="Issue an API token")
async def issue_token(
    account_id: RowId, admin: AdminUser, accounts: AccountsDep, body: TokenIn | None = None
) -> IssuedToken:
    """The body is optional: a token without a name is a token all the same."""
    name = body.name if body else ""
    token, secret = await accounts.issue_token(account_id, name, by=admin)
    return IssuedToken(**TokenOut.of(token).model_dump(), token=secret)


@router.delete(
    "/accounts/{account_id}/tokens/{token_id}", status_code=204, summary="Revoke an API token"
)
async def revoke_token(
    account_id: RowId, token_id: RowId, admin: AdminUser, accounts: AccountsDep
) -> None:
    await accounts.revoke_token(account_id, token_id, by=admin)
