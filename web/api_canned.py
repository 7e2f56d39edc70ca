"""Canned replies (standard scripts): every agent reads and uses them, admins manage them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from staff.canned_replies import PLACEHOLDERS, CannedReplies
from store.models import CannedReply
from web.auth import AdminUser, AgentUser

router = APIRouter(prefix="/api/canned-replies", tags=["canned replies"])


class CannedIn(BaseModel):
    key: Annotated[str, Field(min_length=1, max_length=80)]
    language: Annotated[str, Field(description="zh-Hans, zh-Hant, es or en")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[
        str, Field(min_length=1, description=f"placeholders: {', '.join(PLACEHOLDERS)}")
    ]


class CannedOut(CannedIn):
    id: int
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, reply: CannedReply) -> CannedOut:
        return cls(
            id=reply.id or 0,
            key=reply.key,
            language=reply.language,
            title=reply.title,
            text=reply.text,
            updated_at=reply.updated_at,
            updated_by=reply.updated_by,
        )


class Rendered(BaseModel):
    text: str
    language: str


def _canned(request: Request) -> CannedReplies:
    return request.app.state.canned  # type: ignore[no-any-return]


@router.get("", summary="All canned replies, or those of one language")
async def list_canned(request: Request, agent: AgentUser, language: str = "") -> list[CannedOut]:
    return [CannedOut.of(reply) for reply in await _canned(request).listing(language or None)]


@router.post("", status_code=201, summary="Add a canned reply")
async def create_canned(request: Request, admin: AdminUser, body: CannedIn) -> CannedOut:
    reply = await _canned(request).save(body.key, body.language, body.title, body.text, admin)
    return CannedOut.of(reply)


@router.put("/{reply_id}", summary="Change a canned reply")
async def change_canned(
    request: Request, reply_id: int, admin: AdminUser, body: CannedIn
) -> CannedOut:
    reply = await _canned(request).save(
        body.key, body.language, body.title, body.text, admin, reply_id
    )
    return CannedOut.of(reply)


@router.delete("/{reply_id}", status_code=204, summary="Delete a canned reply")
async def delete_canned(request: Request, reply_id: int, admin: AdminUser) -> None:
    await _canned(request).delete(reply_id)


@router.get(
    "/{key}/for/{number}", summary="A canned reply filled in for one complaint, in its language"
)
async def render_canned(request: Request, key: str, number: str, agent: AgentUser) -> Rendered:
    rendered = await _canned(request).render(key, number, agent)
    return Rendered(text=rendered.text, language=rendered.language)
