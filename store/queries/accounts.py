"""Staff accounts, their API tokens and console sessions (only hashes of secrets are stored)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.models import Agent, ApiToken, ConsoleSession


def sync_agents(session: Session, agents: Sequence[Any]) -> None:
    """Make the agents table hold the agents settings.toml names (by name)."""
    existing = {agent.name: agent for agent in session.exec(select(Agent))}
    for entry in agents:
        agent = existing.get(entry.name)
        if agent is None:
            session.add(
                Agent(
                    name=entry.name,
                    telegram_user_id=entry.telegram_user_id,
                    departments=list(entry.departments),
                    senior=entry.senior,
                )
            )
        else:
            agent.telegram_user_id = entry.telegram_user_id
            agent.departments = list(entry.departments)
            agent.senior = entry.senior


def agent_by_id(session: Session, *, agent_id: int) -> Agent | None:
    return session.get(Agent, agent_id)


def agent_named(session: Session, *, name: str) -> Agent | None:
    return session.exec(select(Agent).where(Agent.name == name)).first()


def agent_named_alike(session: Session, *, name: str) -> Agent | None:
    """The account whose name is `name` ignoring case (casefold, as the login throttle counts
    names), if any. Read in Python: SQLite's lower() folds ASCII only, and accounts are few."""
    folded = name.casefold()
    agents = session.exec(select(Agent).order_by(col(Agent.id)))
    return next((agent for agent in agents if agent.name.casefold() == folded), None)


def agent_by_telegram(session: Session, *, user_id: int) -> Agent | None:
    """The account of this Telegram user, active or not."""
    return session.exec(select(Agent).where(Agent.telegram_user_id == user_id)).first()


def agent_at(session: Session, *, channel: str, address: str) -> Agent | None:
    """The active account a staff address reaches: its e-mail (case aside) or its Telegram
    user's private chat (a group's negative chat id is nobody's); None for any other."""
    if channel == "email" and address:
        found = select(Agent).where(sa.func.lower(Agent.email) == address.lower())
    elif channel == "telegram" and address.isdigit():
        found = select(Agent).where(Agent.telegram_user_id == int(address))
    else:
        return None
    return session.exec(found.where(col(Agent.active).is_(True)).order_by(col(Agent.id))).first()


def agents_by_name(session: Session) -> list[Agent]:
    """Every account, in name order."""
    return list(session.exec(select(Agent).order_by(col(Agent.name))))


def active_admins(session: Session) -> list[Agent]:
    """The active admin accounts, oldest first."""
    return list(
        session.exec(
            select(Agent)
            .where(Agent.role == "admin", col(Agent.active).is_(True))
            .order_by(col(Agent.id))
        )
    )


def senior_agents(session: Session) -> list[Agent]:
    """The senior agents, oldest first: who takes over when a customer asks for another
    handler."""
    return list(
        session.exec(select(Agent).where(col(Agent.senior).is_(True)).order_by(col(Agent.id)))
    )


def add_agent(session: Session, *, agent: Agent) -> Agent:
    """Insert a new account; flushed, so it has its id."""
    session.add(agent)
    session.flush()
    return agent


def save_agent(session: Session, *, agent: Agent) -> None:
    """Keep the changes made to `agent` in this transaction."""
    session.add(agent)


# ---- API tokens ----


def add_api_token(
    session: Session, *, agent_id: int, name: str, token_hash: str, now: datetime
) -> ApiToken:
    token = ApiToken(agent_id=agent_id, name=name, token_hash=token_hash, created_at=now)
    session.add(token)
    session.flush()
    return token


def api_token(session: Session, *, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def api_tokens_of(session: Session, *, agent_id: int) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).where(ApiToken.agent_id == agent_id)))


def agent_by_token(session: Session, *, token_hash: str) -> Agent | None:
    """The active account holding an unrevoked token with this hash."""
    return session.exec(
        select(Agent)
        .join(ApiToken, col(ApiToken.agent_id) == col(Agent.id))
        .where(
            ApiToken.token_hash == token_hash,
            col(ApiToken.revoked_at).is_(None),
            col(Agent.active).is_(True),
        )
    ).first()


# ---- console sessions ----


def start_console_session(
    session: Session,
    *,
    token_hash: str,
    agent_id: int,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Record a new console session, dropping the ones that have expired by `now`."""
    session.execute(sa.delete(ConsoleSession).where(col(ConsoleSession.expires_at) < now))
    session.add(
        ConsoleSession(
            token_hash=token_hash,
            agent_id=agent_id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )


def console_session_agent(
    session: Session, *, token_hash: str, now: datetime
) -> tuple[Agent, str] | None:
    """The active account and CSRF token of a session live at `now`."""
    row = session.exec(
        select(Agent, ConsoleSession.csrf_token)
        .join(ConsoleSession, col(ConsoleSession.agent_id) == col(Agent.id))
        .where(
            ConsoleSession.token_hash == token_hash,
            ConsoleSession.expires_at > now,
            col(Agent.active).is_(True),
        )
    ).first()
    return (row[0], row[1]) if row else None


def end_console_session(session: Session, *, token_hash: str) -> None:
    found = session.get(ConsoleSession, token_hash)
    if found is not None:
        session.delete(found)


def end_console_sessions_of(session: Session, *, agent_id: int) -> None:
    """Log the account out everywhere."""
    for found in session.exec(select(ConsoleSession).where(ConsoleSession.agent_id == agent_id)):
        session.delete(found)
