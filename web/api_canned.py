"""Canned replies (standard scripts): every agent reads and uses them, admins manage them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, Field

from complaints.clock import Moment
from complaints.languages import SUPPORTED
from staff.canned_replies import PLACEHOLDERS
from store.models import CannedReply
from web.api_docs import refusals
from web.auth import AdminUser, AgentUser
from web.bodies import Body, RowId
from web.deps import CannedRepliesDep

router = APIRouter(prefix="/api/canned-replies", tags=["canned replies"])


class CannedIn(Body):
    key: Annotated[str, Field(min_length=1, max_length=80)]
    language: Annotated[str, Field(description="zh-Hans, zh-Hant, es or en")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[
        str, Field(min_length=1, description=f"placeholders: {', '.join(PLACEHOLDERS)}")
    ]


class CannedOut(CannedIn):
    id: int
    updated_at: Moment
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


LANGUAGES = f"one of {', '.join(SUPPORTED)}; empty: all"


def _supported(language: str) -> str:
    """An unknown language is refused like the queue's unknown filters, not answered []."""
    if language and language not in SUPPORTED:
        raise ValueError(f"language must be one of {', '.join(SUPPORTED)}")
    return language


@router.get("", summary="All canned replies, or those of one language")
async def list_canned(
    agent: AgentUser,
    canned: CannedRepliesDep,
    language: Annotated[str, AfterValidator(_supported), Query(description=LANGUAGES)] = "",
) -> list[CannedOut]:
    return [CannedOut.of(reply) for reply in await canned.listing(language or None)]


@router.post("", status_code=201, summary="Add a canned reply")
async def create_canned(admin: AdminUser, canned: CannedRepliesDep, body: CannedIn) -> CannedOut:
    reply = await canned.save(body.key, body.language, body.title, body.text, admin)
    return CannedOut.of(reply)


@router.put("/{reply_id}", summary="Change a canned reply")
async def change_canned(
    reply_id: RowId, admin: AdminUser, canned: CannedRepliesDep, body: CannedIn
) -> CannedOut:
    reply = await canned.save(body.key, body.language, body.title, body.text, admin, reply_id)
    return CannedOut.of(reply)


@router.delete("/{reply_id}", status_code=204, summary="Delete a canned reply")
async def delete_canned(reply_id: RowId, admin: AdminUser, canned: CannedRepliesDep) -> None:
    await canned.delete(reply_id)


@router.get(
    "/{key}/for/{number}",
    summary="A canned reply filled in for one complaint, in its language",
    responses=refusals(403),
)
async def render_canned(
    key: str, number: str, agent: AgentUser, canned: CannedRepliesDep
) -> Rendered:
    rendered = await canned.render(key, number, agent)
    return Rendered(text=rendered.text, language=rendered.language)
