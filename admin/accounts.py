"""Staff accounts: roles, departments, console passwords, API tokens and console sessions.

Passwords are hashed with scrypt (hashlib, RFC 7914) and a random salt; tokens and session
cookies are random secrets of which only the SHA-256 is stored, so a copy of the database
lets nobody log in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from admin.account_audit import audited, changes_of
from admin.account_fields import wrong_fields
from admin.audit import CLI, actor_of, mask_address, record
from admin.login_throttle import LoginThrottle
from complaints.addresses import account_email
from complaints.clock import Clock
from complaints.errors import AccountError, InvalidAccount, UnknownAccount
from observe.metrics import Metrics
from store.database import Database
from store.models import Agent, ApiToken
from store.queries.accounts import (
    add_agent,
    add_api_token,
    agent_by_id,
    agent_by_token,
    agent_named,
    agent_named_alike,
    agents_by_name,
    api_token,
    api_tokens_of,
    console_session_agent,
    end_console_session,
    end_console_sessions_of,
    save_agent,
    start_console_session,
)

TOKEN_PREFIX = "cbt_"  # noqa: S105 (a prefix that makes leaked tokens recognisable)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **_SCRYPT,
        salt=base64.b64encode(salt).decode(),
        digest=base64.b64encode(digest).decode(),
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(computed, base64.b64decode(digest))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    cookie: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Throttled:
    """Too many failed logins for this account or from this address: try again after `wait`."""

    wait: timedelta


class Accounts:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        departments: Callable[[], Sequence[str]],
        metrics: Metrics | None = None,
    ) -> None:
        """`departments()` names the departments of the rule set in force now."""
        self.database = database
        self.clock = clock
        self.departments = departments
        self.metrics = metrics or Metrics()
        self.throttle = LoginThrottle(clock)

    def validate(
        self,
        role: str,
        departments: Sequence[str],
        *,
        password: str | None = None,
        email: str | None = None,
        language: str | None = None,
        more: Mapping[str, AccountError] | None = None,
    ) -> None:
        """Refuse every wrong field at once (`InvalidAccount`, one entry per field), so an admin
        fixes them in one go; `more` adds the caller's own findings (a name taken)."""
        wrong = dict(more or {})
        wrong.update(wrong_fields(role, departments, self.departments(), password, email, language))
        if wrong:
            raise InvalidAccount(wrong)

    def create_now(
        self,
        name: str,
        role: str,
        departments: Sequence[str] = (),
        password: str | None = None,
        email: str = "",
    ) -> Agent:
        """Synchronous, for the `create-admin` command."""
        return self.database.write_now(
            lambda s: self._create(s, name, role, departments, password, email, actor=CLI)
        )

    async def create(
        self,
        name: str,
        role: str,
        departments: Sequence[str] = (),
        password: str | None = None,
        email: str = "",
        telegram_user_id: int | None = None,
        *,
        by: Agent | None = None,
        language: str = "",
    ) -> Agent:
        """`language`: the account's console language; empty follows the browser."""
        actor = actor_of(by)
        return await self.database.write(
            lambda s: self._create(
                s, name, role, departments, password, email, telegram_user_id, actor, language
            )
        )

    def _create(
        self,
        session: Session,
        name: str,
        role: str,
        departments: Sequence[str],
        password: str | None,
        email: str,
        telegram_user_id: int | None = None,
        actor: str = CLI,
        language: str = "",
    ) -> Agent:
        name = name.strip()
        named: dict[str, AccountError] = {}
        if not name:
            named["name"] = AccountError("an account needs a name")
        elif (same := agent_named_alike(session, name=name)) is not None:
            # names that differ only in case are one name to the login throttle and to people
            named["name"] = AccountError(
                "there is already an account named '%(name)s'", name=same.name
            )
        self.validate(
            role, departments, password=password, email=email, language=language, more=named
        )
        agent = Agent(
            name=name,
            role=role,
            departments=list(departments),
            email=account_email(email),
            telegram_user_id=telegram_user_id,
            password_hash=hash_password(password) if password else "",
            language=language,
        )
        created = add_agent(session, agent=agent)
        detail = {"role": role, "departments": list(departments), "password_set": bool(password)}
        record(session, self.clock, actor, "account_created", created.id, detail)
        return created

    async def update(
        self,
        agent_id: int,
        *,
        by: Agent,
        role: str | None = None,
        departments: Sequence[str] | None = None,
        password: str | None = None,
        email: str | None = None,
        active: bool | None = None,
        senior: bool | None = None,
        telegram_user_id: int | None = None,
        language: str | None = None,
    ) -> Agent:
        def work(session: Session) -> Agent:
            agent = agent_by_id(session, agent_id=agent_id)
            if agent is None:
                raise UnknownAccount("there is no account %(id)s", id=agent_id)
            new_role = role if role is not None else agent.role
            if agent.id == by.id and ((role or "admin") != "admin" or active is False):
                # Otherwise the last admin could lock everyone out of the configuration.
                raise AccountError("you cannot disable or demote yourself; ask another admin")
            new_departments = departments if departments is not None else agent.departments or []
            self.validate(
                new_role, new_departments, password=password, email=email, language=language
            )
            before = audited(agent)
            agent.role, agent.departments = new_role, list(new_departments)
            if password is not None:
                agent.password_hash = hash_password(password)
            if email is not None:
                agent.email = account_email(email)
            if senior is not None:
                agent.senior = senior
            if language is not None:
                agent.language = language
            if telegram_user_id is not None:
                agent.telegram_user_id = telegram_user_id
            if active is not None:
                agent.active = active
                if not active:  # a disabled account is logged out everywhere at once
                    end_console_sessions_of(session, agent_id=agent_id)
                    self._revoke_all(session, agent_id, actor_of(by))
            save_agent(session, agent=agent)
            detail = changes_of(before, audited(agent))
            if password is not None:
                detail["password_changed"] = True
            if detail:
                record(session, self.clock, actor_of(by), "account_updated", agent_id, detail)
            return agent

        return await self.database.write(work)

    async def set_language(self, agent: Agent, language: str) -> Agent:
        """What any account may change of its own: the console's language ("" = browser's)."""
        return await self.update(agent.id or 0, by=agent, language=language)

    async def listing(self) -> list[Agent]:
        return await self.database.read(agents_by_name)

    async def get(self, agent_id: int) -> Agent:
        agent = await self.database.read(lambda s: agent_by_id(s, agent_id=agent_id))
        if agent is None:
            raise UnknownAccount("there is no account %(id)s", id=agent_id)
        return agent

    # ---- API tokens ----

    async def issue_token(
        self, agent_id: int, name: str, *, by: Agent | None = None
    ) -> tuple[ApiToken, str]:
        """A new token for the account; the secret is returned once and never stored."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        actor = actor_of(by)
        issued = await self.database.write(lambda s: self._issue(s, agent_id, name, secret, actor))
        return issued, secret

    def issue_token_now(self, agent_id: int, name: str) -> str:
        """Synchronous, for the `create-admin` command."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.database.write_now(lambda s: self._issue(s, agent_id, name, secret, CLI))
        return secret

    def _issue(
        self, session: Session, agent_id: int, name: str, secret: str, actor: str
    ) -> ApiToken:
        if agent_by_id(session, agent_id=agent_id) is None:
            raise UnknownAccount("there is no account %(id)s", id=agent_id)
        token = add_api_token(
            session,
            agent_id=agent_id,
            name=name,
            token_hash=secret_hash(secret),
            now=self.clock.now(),
        )
        record(session, self.clock, actor, "token_issued", agent_id, {"token_id": token.id})
        return token

    async def tokens(self, agent_id: int) -> list[ApiToken]:
        return await self.database.read(lambda s: api_tokens_of(s, agent_id=agent_id))

    async def revoke_token(self, agent_id: int, token_id: int, *, by: Agent | None = None) -> None:
        def work(session: Session) -> None:
            token = api_token(session, token_id=token_id)
            if token is None or token.agent_id != agent_id:
                missing = {"id": agent_id, "token": token_id}
                raise UnknownAccount("account %(id)s has no token %(token)s", **missing)
            if token.revoked_at is None:
                token.revoked_at = self.clock.now()
                detail = {"token_id": token_id}
                record(session, self.clock, actor_of(by), "token_revoked", agent_id, detail)

        await self.database.write(work)

    def _revoke_all(self, session: Session, agent_id: int, actor: str) -> None:
        """Revoke the account's live tokens for good, each audited as `revoke_token` does: a
        disabled account's tokens must not come back when it is enabled again."""
        now = self.clock.now()
        for token in api_tokens_of(session, agent_id=agent_id):
            if token.revoked_at is None:
                token.revoked_at = now
                detail = {"token_id": token.id}
                record(session, self.clock, actor, "token_revoked", agent_id, detail)

    async def by_token(self, secret: str) -> Agent | None:
        """The active account holding this unrevoked token."""
        digest = secret_hash(secret)
        return await self.database.read(lambda s: agent_by_token(s, token_hash=digest))

    # ---- console sessions ----

    async def log_in(
        self, name: str, password: str, lifetime: timedelta, client: str = ""
    ) -> NewSession | Throttled | None:
        """A new session when the name and password match an active account, else None (the
        caller says only "wrong name or password", never which). Throttled, without looking at
        the password, while too many logins failed for `name` or from the `client` address
        (`admin/login_throttle.py`)."""
        wait = self.throttle.wait(name, client)
        agent = await self.database.read(lambda s: agent_named(s, name=name.strip()))
        if wait:
            await self._refused(agent, client, "login_throttled")
            return Throttled(wait)
        stored = agent.password_hash if agent is not None and agent.active else ""
        # Verify against a real hash even for unknown names, so timing does not tell them.
        valid = verify_password(password, stored or _dummy_hash())
        if agent is None or not stored or not valid:
            self.throttle.failed(name, client)
            await self._refused(agent, client, "login_refused")
            return None
        self.throttle.succeeded(name)
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock.now()
        expires_at = now + lifetime
        agent_id = agent.id or 0
        await self.database.write(
            lambda s: start_console_session(
                s,
                token_hash=secret_hash(cookie),
                agent_id=agent_id,
                csrf_token=csrf,
                now=now,
                expires_at=expires_at,
            )
        )
        return NewSession(cookie, csrf, expires_at)

    async def _refused(self, agent: Agent | None, client: str, action: str) -> None:
        """Audited by account id, or "unknown" for a name no account has (never the name typed,
        which may be a mistyped password) and the client's masked network."""
        target = agent.id if agent is not None else "unknown"
        detail = {"network": mask_address(client)}
        await self.database.write(lambda s: record(s, self.clock, "system", action, target, detail))
        reason = "throttled" if action == "login_throttled" else "wrong_credentials"
        self.metrics.login_refusals.labels(reason).inc()

    async def by_session(self, cookie: str) -> tuple[Agent, str] | None:
        """The account and CSRF token of a live session."""
        digest, now = secret_hash(cookie), self.clock.now()
        return await self.database.read(
            lambda s: console_session_agent(s, token_hash=digest, now=now)
        )

    async def log_out(self, cookie: str) -> None:
        digest = secret_hash(cookie)
        await self.database.write(lambda s: end_console_session(s, token_hash=digest))


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown (computed once, on first use)."""
    return hash_password(secrets.token_urlsafe(16))
