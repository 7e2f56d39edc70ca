"""The same complaint sent by two channels: what is flagged, and merging two complaints into one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from complaints.clock import Moment
from complaints.numbers import FIELD_PATTERN
from web.api_docs import refusals
from web.auth import AgentUser
from web.bodies import Body
from web.deps import DuplicatesDep

router = APIRouter(prefix="/api", tags=["duplicates"])
Number = Annotated[str, Path(pattern=FIELD_PATTERN, description="a complaint number")]


class CandidateOut(BaseModel):
    number: str
    channel: str
    status: str
    department: str
    created_at: Moment
    similarity: float


class FlaggedOut(BaseModel):
    complaint: str
    status: str
    merged_into: Annotated[str, Field(description='the complaint that carries on, or ""')]
    candidates: list[CandidateOut]


class MergeIn(Body):
    into: Annotated[str, Field(pattern=FIELD_PATTERN, description="the complaint kept")]
    note: Annotated[str, Field(max_length=1000)] = ""


class MergedOut(BaseModel):
    merged: str
    into: str
    customer_told: bool


@router.get(
    "/complaints/{number}/duplicates",
    summary="Complaints this one was flagged as a possible duplicate of (sent by another channel)",
    responses=refusals(403),
)
async def flagged(number: Number, agent: AgentUser, duplicates: DuplicatesDep) -> FlaggedOut:
    found = await duplicates.flagged(number, agent)
    return FlaggedOut(
        complaint=found.number,
        status=found.status,
        merged_into=found.merged_into,
        candidates=[CandidateOut(**vars(candidate)) for candidate in found.candidates],
    )


@router.post(
    "/complaints/{number}/merge",
    summary="Merge this complaint into another of the same customer; the customer is told once",
    responses=refusals(409),
)
async def merge(
    number: Number, body: MergeIn, agent: AgentUser, duplicates: DuplicatesDep
) -> MergedOut:
    merged = await duplicates.merge(number, body.into, agent, body.note.strip())
    return MergedOut(merged=merged.source, into=merged.target, customer_told=merged.customer_told)
