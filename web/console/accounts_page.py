"""Staff accounts for admins: list and create them, change role, departments, contact, password
and whether the account is active, issue and revoke API tokens.

A new token's secret is shown once, on the answer to the form that issued it (never put in a
redirect or a cookie), because only its hash is stored. An admin cannot disable or demote the
account they are logged in with, so the console is never left without the admin using it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.accounts import Accounts
from complaints.access import ROLES
from complaints.errors import ComplaintBotError, InvalidAccount, UnknownAccount, WrongFields
from store.models import Agent
from web.console.forms import FormError, reason
from web.console.guard import AdminActor, AdminViewer, ConsoleRefusal, Staff
from web.console.i18n import N_
from web.console.pages import redirect, render
from web.console.wording import label
from web.deps import AccountsDep

PAGE = "/console/accounts"
router = APIRouter(prefix="/accounts")
Text = Annotated[str, Form()]
Choices = Annotated[list[str], Form()]


def _telegram_id(text: str) -> int | None:
    """The form's Telegram user id: empty for none; digits otherwise."""
    text = text.strip()
    if not text:
        return None
    if not text.lstrip("-").isdigit():
        raise FormError("the Telegram user id is a number, not %(text)s", text=repr(text))
    return int(text)


def _telegram_id_with_the_rest(
    accounts: Accounts, text: str, role: str, departments: list[str], given: dict[str, Any]
) -> int | None:
    """The form's Telegram user id; when it is wrong, refused with the other wrong fields the
    accounts would refuse (role, departments, password, e-mail, language), so all are named
    at once."""
    try:
        return _telegram_id(text)
    except FormError as error:
        wrong: dict[str, ComplaintBotError] = {}
        try:
            accounts.validate(role, departments, **given)
        except InvalidAccount as invalid:
            wrong.update(invalid.fields)
        raise WrongFields({**wrong, "telegram_user_id": error}) from None


async def _account(accounts: Accounts, account_id: int) -> Agent:
    try:
        return await accounts.get(account_id)
    except UnknownAccount:
        raise ConsoleRefusal(
            404, N_("There is no account %(id)s; pick one from the account list.", id=account_id)
        ) from None


@router.get("", response_class=HTMLResponse)
async def accounts_page(
    request: Request, staff: AdminViewer, accounts: AccountsDep
) -> HTMLResponse:
    return render(
        request,
        "accounts.html",
        {
            "accounts": await accounts.listing(),
            "roles": ROLES,
            "departments": accounts.departments(),
        },
        agent=staff.agent,
        csrf=staff.csrf,
    )


@router.post("")
async def create(
    staff: AdminActor,
    accounts: AccountsDep,
    name: Text = "",
    role: Text = "agent",
    departments: Choices = [],  # noqa: B006 (FastAPI copies defaults)
    password: Text = "",
    email: Text = "",
    telegram_user_id: Text = "",
    language: Text = "",
) -> RedirectResponse:
    try:
        given = {"password": password or None, "email": email.strip(), "language": language}
        telegram = _telegram_id_with_the_rest(accounts, telegram_user_id, role, departments, given)
        created = await accounts.create(
            name,
            role,
            departments,
            password or None,
            email.strip(),
            telegram,
            by=staff.agent,
            language=language,
        )
    except ComplaintBotError as error:
        return redirect(
            PAGE, ("error", N_("No account was created: %(error)s.", error=reason(error)))
        )
    done = N_(
        "Created the %(role)s account %(name)s.",
        role=label("role", created.role),
        name=repr(created.name),
    )
    return redirect(f"{PAGE}/{created.id}", ("ok", done))


async def _account_page(
    request: Request, accounts: Accounts, staff: Staff, agent: Agent, secret: str = ""
) -> HTMLResponse:
    return render(
        request,
        "accounts_edit.html",
        {
            "account": agent,
            "tokens": await accounts.tokens(agent.id or 0),
            "roles": ROLES,
            "departments": accounts.departments(),
            "secret": secret,
        },
        agent=staff.agent,
        csrf=staff.csrf,
    )


@router.get("/{account_id}", response_class=HTMLResponse)
async def account_page(
    request: Request, account_id: int, staff: AdminViewer, accounts: AccountsDep
) -> HTMLResponse:
    return await _account_page(request, accounts, staff, await _account(accounts, account_id))


@router.post("/{account_id}")
async def change(
    account_id: int,
    staff: AdminActor,
    accounts: AccountsDep,
    role: Text,
    departments: Choices = [],  # noqa: B006 (FastAPI copies defaults)
    email: Text = "",
    telegram_user_id: Text = "",
    password: Text = "",
    active: Annotated[bool, Form()] = False,
    senior: Annotated[bool, Form()] = False,
    language: Text = "",
) -> RedirectResponse:
    """Every field of the form is applied; an empty password keeps the current one."""
    back = f"{PAGE}/{account_id}"
    try:
        changed = await accounts.update(
            account_id,
            by=staff.agent,
            role=role,
            departments=departments,
            email=email.strip(),
            telegram_user_id=_telegram_id(telegram_user_id),
            password=password or None,
            active=active,
            senior=senior,
            language=language,
        )
    except ComplaintBotError as error:
        return redirect(back, ("error", N_("Nothing was changed: %(error)s.", error=reason(error))))
    return redirect(back, ("ok", N_("Saved %(name)s.", name=repr(changed.name))))


@router.post("/{account_id}/tokens", response_class=HTMLResponse)
async def issue_token(
    request: Request, account_id: int, staff: AdminActor, accounts: AccountsDep, name: Text = ""
) -> HTMLResponse:
    """The page again, with the new secret shown this once."""
    agent = await _account(accounts, account_id)
    _, secret = await accounts.issue_token(account_id, name.strip(), by=staff.agent)
    return await _account_page(request, accounts, staff, agent, secret)


@router.post("/{account_id}/tokens/{token_id}/revoke")
async def revoke_token(
    account_id: int, token_id: int, staff: AdminActor, accounts: AccountsDep
) -> RedirectResponse:
    back = f"{PAGE}/{account_id}"
    try:
        await accounts.revoke_token(account_id, token_id, by=staff.agent)
    except ComplaintBotError as error:
        return redirect(back, ("error", N_("Nothing was revoked: %(error)s.", error=reason(error))))
    return redirect(back, ("ok", N_("Revoked the token; it no longer works.")))
