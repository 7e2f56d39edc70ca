"""The staff's tables: accounts, their API tokens and console sessions.

Apart from `store/models.py` (which re-exports them) only to keep each module short.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.columns import json_field, time_field


class Agent(SQLModel, table=True):
    """Someone who handles complaints; for now registered in settings.toml ([[agents]])."""

    __tablename__ = "agents"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    telegram_user_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger(), unique=True, nullable=True)
    )
    departments: list[str] | None = json_field()
    senior: bool = False
    """Takes over when a customer asks for another handler (seed 001)."""
    role: str = "agent"
    """agent (works its departments' complaints), supervisor (also approves solutions and
    sees reports) or admin (configures everything, every department)."""
    email: str = ""
    """Where staff notices to this person go (hot-spot alerts) when they have no Telegram."""
    password_hash: str = ""
    """Empty: no console login (a Telegram-only agent)."""
    active: bool = True
    language: str = ""
    """The console's language for this account (zh-Hans, zh-Hant, es or en); empty: the
    browser's preferred language, else the bot's default language."""


class ApiToken(SQLModel, table=True):
    """A bearer token for the HTTP API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    name: str = ""
    token_hash: str = Field(unique=True)
    created_at: datetime = time_field()
    last_used_at: datetime | None = time_field(nullable=True)
    revoked_at: datetime | None = time_field(nullable=True)


class ConsoleSession(SQLModel, table=True):
    """A console login: the cookie holds the secret, the store its SHA-256 and the CSRF token."""

    __tablename__ = "console_sessions"

    token_hash: str = Field(primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    csrf_token: str
    created_at: datetime = time_field()
    expires_at: datetime = time_field(index=True)
