"""Dead letters for admins: input no channel could process, kept whole with the reason. List
them, download one's raw bytes, and run one (or every kept one) through its channel again once
the cause is fixed. A letter reprocessed successfully is never run again (409)."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from complaints.clock import Moment
from intake.dead_letters import Reprocessed
from store.models import DeadLetter
from store.queries.dead_letter_queue import DeadLetterRow
from web.api_docs import refusals
from web.auth import AdminUser
from web.bodies import Offset, RowId
from web.deps import DeadLettersDep, ReprocessorsDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/dead-letters", tags=["dead letters"])

Status = Literal["kept", "ignored", "reprocessing", "reprocessed"]
RAW_TYPES = {"email": ("message/rfc822", "eml")}
"""Per channel, the media type and file extension of its raw input; others are plain bytes."""
RAW_HEADERS = {
    # A download, never a page: the browser must not render or sniff what a stranger sent.
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "no-store",
}


class DeadLetterOut(BaseModel):
    id: int
    channel: str
    status: str
    received_at: Moment
    reprocessed_at: Moment | None
    size: int
    reason: str

    @classmethod
    def of(cls, row: DeadLetterRow) -> DeadLetterOut:
        return cls(**vars(row))


class DeadLetterPageOut(BaseModel):
    total: int
    items: list[DeadLetterOut]


class ReprocessedOut(BaseModel):
    letter: int
    ok: bool
    outcome: str

    @classmethod
    def of(cls, result: Reprocessed) -> ReprocessedOut:
        return cls(letter=result.letter, ok=result.ok, outcome=result.outcome)


def raw_response(letter: DeadLetter) -> Response:
    """The letter's bytes as a file to save (e-mail as message/rfc822, .eml); the file name is
    built from the id only, never from the input."""
    media_type, extension = RAW_TYPES.get(letter.channel, ("application/octet-stream", "bin"))
    name = f"dead-letter-{letter.id}.{extension}"
    return Response(
        letter.raw,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', **RAW_HEADERS},
    )


@router.get("", summary="Dead letters, newest first, a page at a time")
async def list_dead_letters(
    admin: AdminUser,
    letters: DeadLettersDep,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> DeadLetterPageOut:
    page = await letters.page(status, limit, offset)
    return DeadLetterPageOut(total=page.total, items=[DeadLetterOut.of(i) for i in page.items])


@router.get(
    "/{letter_id}/raw",
    summary="One dead letter's raw bytes, as a file to download",
    response_class=Response,
    responses={200: {"content": {"message/rfc822": {}, "application/octet-stream": {}}}},
)
async def raw(letter_id: RowId, admin: AdminUser, letters: DeadLettersDep) -> Response:
    letter = await letters.get(letter_id)
    log.info("dead letter %d downloaded by account %s", letter_id, admin.id)
    return raw_response(letter)


@router.post(
    "/{letter_id}/reprocess",
    summary="Run one kept dead letter through its channel again (409 unless it is kept)",
    responses=refusals(409),
)
async def reprocess_one(
    letter_id: RowId, admin: AdminUser, letters: DeadLettersDep, handlers: ReprocessorsDep
) -> ReprocessedOut:
    result = await letters.reprocess_one(handlers, letter_id, by=f"account {admin.id}")
    return ReprocessedOut.of(result)


@router.post("/reprocess", summary="Run every kept dead letter through its channel again")
async def reprocess_all(
    admin: AdminUser, letters: DeadLettersDep, handlers: ReprocessorsDep
) -> list[ReprocessedOut]:
    results = await letters.reprocess(handlers, by=f"account {admin.id}")
    return [ReprocessedOut.of(result) for result in results]
