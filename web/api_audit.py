"""The audit log for admins: account, token and login changes, customer exports and erasures,
newest first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from complaints.clock import Moment
from store.models import AuditEvent
from web.auth import AdminUser
from web.bodies import Offset
from web.deps import AuditLogDep

router = APIRouter(prefix="/api", tags=["audit"])


class AuditEventOut(BaseModel):
    id: int
    at: Moment
    actor: str
    action: str
    target: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            id=event.id or 0,
            at=event.at,
            actor=event.actor,
            action=event.action,
            target=event.target,
            detail=dict(event.detail or {}),
        )


@router.get("/audit", summary="The audit log, newest first")
async def audit(
    admin: AdminUser,
    log: AuditLogDep,
    action: Annotated[str | None, Query(description="e.g. account_updated, login_refused")] = None,
    actor: Annotated[str | None, Query(description='an account id, "system" or "cli"')] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> list[AuditEventOut]:
    found = await log.page(action=action, actor=actor, limit=limit, offset=offset)
    return [AuditEventOut.of(event) for event in found]
