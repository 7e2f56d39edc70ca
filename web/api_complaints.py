"""Agents' work on complaints: the queue, one complaint's timeline, and every action on it but
its solutions (proposing, deciding: web.api_solutions, under the same prefix and tag).

Each action answers with the complaint as it now stands, so a script sees the effect at once.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from complaints.clock import json_moment
from complaints.fields import EDITABLE_FIELDS, FIELD_LIMITS
from complaints.media import FALLBACK, media_type
from router.stored_trace import expanded
from staff.views import QueueFilter, QueueItem, attachment, complaint_view, queue
from staff.views import due_within as due_within_filter
from web.api_docs import refusals
from web.api_solutions import SolutionOut
from web.auth import AgentUser
from web.bodies import Body, Offset, RowId
from web.deps import AgentDeskDep, CannedRepliesDep, ClockDep, DatabaseDep

router = APIRouter(prefix="/api/complaints", tags=["complaints"])


class QueueOut(BaseModel):
    total: int
    items: list[QueueItem]


class ComplaintOut(BaseModel):
    complaint: dict[str, Any]
    customer: dict[str, Any]
    timeline: list[dict[str, Any]]
    routing_trace: list[dict[str, Any]]
    solutions: list[SolutionOut]


class Text(Body):
    text: Annotated[str, Field(min_length=1, max_length=20000)]


class Reply(Body):
    text: Annotated[str, Field(max_length=20000)] = ""
    canned: Annotated[
        str, Field(description="key of a canned reply to send instead; give it or a text")
    ] = ""
    wait_for_customer: Annotated[
        bool,
        Field(
            description="the reply asks the customer something: the complaint becomes "
            "awaiting_customer and its deadlines pause until they answer"
        ),
    ] = False


class Assign(Body):
    to: Annotated[
        str,
        Field(
            description="the account name; omit to take it yourself (refused, 409, when "
            "someone holds it; only a supervisor or admin reassigns a colleague's complaint)"
        ),
    ] = ""


class Correction(Body):
    category: str | None = None
    grade: str | None = None
    department: str | None = None
    reason: str = ""


def _at_most(key: str) -> Any:
    return Field(max_length=FIELD_LIMITS[key])


class Fields(Body):
    subject: Annotated[str | None, _at_most("subject")] = None
    product: Annotated[str | None, _at_most("product")] = None
    model: Annotated[str | None, _at_most("model")] = None
    serial_number: Annotated[str | None, _at_most("serial_number")] = None
    order_number: Annotated[str | None, _at_most("order_number")] = None
    purchase_date: Annotated[str | None, _at_most("purchase_date")] = None
    desired_outcome: Annotated[str | None, _at_most("desired_outcome")] = None
    was: Annotated[
        dict[str, str] | None,
        Field(
            description="the values you loaded, by field: a given field still equal to its "
            "`was` value is not written, and one someone else changed since is refused (409)"
        ),
    ] = None


class Rejection(Body):
    explanation: Annotated[str, Field(min_length=1, description="told to the customer")]


class Resolution(Body):
    summary: Annotated[str, Field(min_length=1, description="told to the customer")]
    root_cause: Annotated[str, Field(description="for the desk's improvement")] = ""


class Reopening(Body):
    reason: Annotated[
        str,
        Field(
            min_length=1,
            description="why it is reopened, kept for the desk (the timeline); the customer "
            "gets a fixed notice saying by when a person will answer",
        ),
    ]


@router.get(
    "",
    summary="The queue: complaints of your departments, most urgent first",
    responses=refusals(403),
)
async def list_complaints(
    agent: AgentUser,
    database: DatabaseDep,
    clock: ClockDep,
    department: str = "",
    status: Annotated[str, Query(description='a status, or "open"')] = "",
    grade: str = "",
    channel: str = "",
    assignee: Annotated[str, Query(description='a name, or "-" for unassigned')] = "",
    overdue: bool = False,
    due_within: Annotated[str, Query(description='e.g. "2h", "1d"')] = "",
    q: Annotated[str, Query(description="words in the text, subject or customer")] = "",
    tag: Annotated[str, Query(description='e.g. "handler-requested", "needs-triage"')] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> QueueOut:
    within = due_within_filter(due_within)
    page = await queue(
        database,
        agent,
        QueueFilter(
            department,
            status,
            grade,
            channel,
            assignee,
            overdue,
            within,
            q,
            tag=tag,
            limit=limit,
            offset=offset,
        ),
        clock.now(),
    )
    return QueueOut(total=page.total, items=page.items)


@router.get(
    "/{number}",
    summary="One complaint: facts, customer, whole timeline, routing trace",
    responses=refusals(403),
)
async def get_complaint(number: str, agent: AgentUser, database: DatabaseDep) -> ComplaintOut:
    view = await complaint_view(database, agent, number)
    complaint = view.complaint.model_dump(mode="json", exclude={"routing_trace"})
    # the due times are kept as they stand while the clock is paused (they move on by the wait
    # when the customer answers): these say so, and since when
    complaint["clock_paused"] = view.clock_paused
    complaint["paused_since"] = json_moment(view.paused_since) if view.paused_since else None
    return ComplaintOut(
        complaint=complaint,
        customer=view.contact,
        timeline=[
            {
                **{k: v for k, v in vars(entry).items() if k != "attachments"},
                "at": json_moment(entry.at),
                "attachments": [
                    {
                        **vars(file),
                        "url": f"/api/complaints/{number}/attachments/{file.id}",
                    }
                    for file in entry.attachments
                ],
            }
            for entry in view.timeline
        ],
        routing_trace=expanded(view.complaint.routing_trace or []),
        solutions=[SolutionOut.of(solution) for solution in view.solutions],
    )


@router.get(
    "/{number}/attachments/{attachment_id}",
    summary="Download an attachment",
    responses=refusals(403),
)
async def get_attachment(
    number: str, attachment_id: RowId, agent: AgentUser, database: DatabaseDep
) -> Response:
    found = await attachment(database, agent, number, attachment_id)
    return Response(
        found.data,
        media_type=media_type(found.content_type) or FALLBACK,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/{number}/reply",
    summary="Answer the customer on their own channel and thread",
    responses=refusals(409),
)
async def reply(
    number: str,
    agent: AgentUser,
    body: Reply,
    desk: AgentDeskDep,
    canned: CannedRepliesDep,
    database: DatabaseDep,
) -> ComplaintOut:
    text = body.text.strip()
    if body.canned and text:  # the console never sends both: it inserts the canned text
        raise HTTPException(422, "give a canned reply or a text, not both")
    if body.canned:
        text = (await canned.render(body.canned, number, agent)).text
    if not text:
        raise HTTPException(422, "write a text, or name a canned reply")
    await desk.reply(number, agent, text, wait_for_customer=body.wait_for_customer)
    return await get_complaint(number, agent, database)


@router.post("/{number}/notes", summary="An internal note (the customer never sees it)")
async def note(
    number: str, agent: AgentUser, body: Text, desk: AgentDeskDep, database: DatabaseDep
) -> ComplaintOut:
    await desk.note(number, agent, body.text)
    return await get_complaint(number, agent, database)


@router.post(
    "/{number}/assign",
    summary="Take it, or give it to someone of its department",
    responses=refusals(409),
)
async def assign(
    number: str, agent: AgentUser, body: Assign, desk: AgentDeskDep, database: DatabaseDep
) -> ComplaintOut:
    if body.to.strip():
        await desk.assign(number, agent, body.to.strip())
    else:
        await desk.take(number, agent)
    return await get_complaint(number, agent, database)


@router.post("/{number}/correct", summary="Correct category, department or grade")
async def correct(
    number: str, agent: AgentUser, body: Correction, desk: AgentDeskDep, database: DatabaseDep
) -> ComplaintOut:
    await desk.correct(
        number,
        agent,
        category=body.category,
        grade=body.grade,
        department=body.department,
        reason=body.reason,
    )
    return await get_complaint(number, agent, database)


@router.patch(
    "/{number}",
    summary=f"Edit registration fields: {', '.join(EDITABLE_FIELDS)}",
    responses=refusals(409),
)
async def edit(
    number: str, agent: AgentUser, body: Fields, desk: AgentDeskDep, database: DatabaseDep
) -> ComplaintOut:
    fields = body.model_dump(exclude_none=True, exclude={"was"})
    await desk.edit_fields(number, agent, fields, body.was)
    return await get_complaint(number, agent, database)


@router.post(
    "/{number}/reject",
    summary="Not a valid complaint: the customer is told why",
    responses=refusals(409),
)
async def reject(
    number: str, agent: AgentUser, body: Rejection, desk: AgentDeskDep, database: DatabaseDep
) -> ComplaintOut:
    await desk.reject(number, agent, body.explanation)
    return await get_complaint(number, agent, database)


@router.post(
    "/{number}/resolve",
    summary="Resolve with a summary (to the customer) and root cause",
    responses=refusals(409),
)
async def resolve(
    number: str, agent: AgentUser, body: Resolution, desk: AgentDeskDep, database: DatabaseDep
) -> ComplaintOut:
    await desk.resolve(number, agent, body.summary, body.root_cause)
    return await get_complaint(number, agent, database)


@router.post(
    "/{number}/reopen",
    summary="Reopen a resolved, closed or rejected complaint (a rejected one: supervisors)",
    responses=refusals(409),
)
async def reopen(
    number: str, agent: AgentUser, body: Reopening, desk: AgentDeskDep, database: DatabaseDep
) -> ComplaintOut:
    await desk.reopen(number, agent, body.reason)
    return await get_complaint(number, agent, database)
