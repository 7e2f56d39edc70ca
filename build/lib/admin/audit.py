"""The audit log for admins: who changed accounts and tokens, which logins were refused, who
exported or erased a customer's data, and when.

Rows name accounts and customers by id and never hold a password, a token or a customer's
personal data. A refused login keeps the client's network, not its address: IPv4 masked to
/24 and IPv6 to /48 (`mask_address`), enough to see one network hammering the login form.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from complaints.clock import Clock
from store.database import Database
from store.models import Agent, AuditEvent
from store.queries.audit import audit_page, record_audit

SYSTEM = "system"
CLI = "cli"


def actor_of(agent: Agent | None, default: str = SYSTEM) -> str:
    """An account by its id; `default` when no account acted."""
    return str(agent.id) if agent is not None and agent.id is not None else default


def mask_address(client: str) -> str:
    """The client's network (IPv4 /24, IPv6 /48); "" for no or an unparsable address."""
    try:
        address = ipaddress.ip_address(client.strip())
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def record(
    session: Session,
    clock: Clock,
    actor: str,
    action: str,
    target: object = "",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one audit row in the caller's transaction."""
    record_audit(
        session, at=clock.now(), actor=actor, action=action, target=str(target), detail=detail
    )


class AuditLog:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def page(
        self,
        *,
        action: str | None = None,
        actor: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[AuditEvent]:
        """Newest first."""
        return await self.database.read(
            lambda s: audit_page(s, action=action, actor=actor, limit=limit, offset=offset)
        )
