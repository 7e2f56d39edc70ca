"""Agents' work on complaints: the queue, one complaint's timeline, and every action on it.

Each action answers with the complaint as it now stands, so a script sees the effect at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from complaints.fields import EDITABLE_FIELDS
from config import parse_duration
from staff.actions import AgentDesk
from staff.solutions import KINDS, Solutions, parse_amount
from staff.views import QueueFilter, QueueItem, attachment, complaint_view, queue
from store.models import Solution
from web.auth import AgentUser, SupervisorUser

router = APIRouter(prefix="/api/complaints", tags=["complaints"])


class QueueOut(BaseModel):
    total: int
    items: list[QueueItem]


class SolutionOut(BaseModel):
    id: int
    kind: str
    amount: str | None
    currency: str
    description: str
    status: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_reason: str

    @classmethod
    def of(cls, solution: Solution) -> SolutionOut:
        amount = solution.amount_cents
        return cls(
            id=solution.id or 0,
            kind=solution.kind,
            amount=None if amount is None else f"{amount / 100:.2f}",
            currency=solution.currency,
            description=solution.description,
            status=solution.status,
            proposed_by=solution.proposed_by,
            proposed_at=solution.proposed_at,
            decided_by=solution.decided_by,
            decided_at=solution.decided_at,
            decision_reason=solution.decision_reason,
        )


class ComplaintOut(BaseModel):
    complaint: dict[str, Any]
    customer: dict[str, Any]
    timeline: list[dict[str, Any]]
    routing_trace: list[dict[str, Any]]
    solutions: list[SolutionOut]


class Text(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=20000)]


class Reply(BaseModel):
    text: Annotated[str, Field(max_length=20000)] = ""
    canned: Annotated[str, Field(description="key of a canned reply to send instead")] = ""


class Assign(BaseModel):
    to: Annotated[str, Field(description="the account name; omit to take it yourself")] = ""


class Correction(BaseModel):
    category: str | None = None
    grade: str | None = None
    department: str | None = None
    reason: str = ""


class Fields(BaseModel):
    model_config = {"extra": "forbid"}
    subject: str | None = None
    product: str | None = None
    model: str | None = None
    serial_number: str | None = None
    order_number: str | None = None
    purchase_date: str | None = None
    desired_outcome: str | None = None


class Rejection(BaseModel):
    explanation: Annotated[str, Field(min_length=1, description="told to the customer")]


class Resolution(BaseModel):
    summary: Annotated[str, Field(min_length=1, description="told to the customer")]
    root_cause: Annotated[str, Field(description="for the desk's improvement")] = ""


class Proposal(BaseModel):
    kind: Annotated[str, Field(description=f"one of {', '.join(KINDS)}")]
    amount: Annotated[
        str | float | None, Field(description="for refund, discount, compensation")
    ] = None
    description: str = ""


class Decision(BaseModel):
    approve: bool
    reason: str = ""


def _agents(request: Request) -> AgentDesk:
    return request.app.state.agents  # type: ignore[no-any-return]


def _solutions(request: Request) -> Solutions:
    return request.app.state.solutions  # type: ignore[no-any-return]


@router.get("", summary="The queue: complaints of your departments, most urgent first")
async def list_complaints(
    request: Request,
    agent: AgentUser,
    department: str = "",
    status: Annotated[str, Query(description='a status, or "open"')] = "",
    grade: str = "",
    channel: str = "",
    assignee: Annotated[str, Query(description='a name, or "-" for unassigned')] = "",
    overdue: bool = False,
    due_within: Annotated[str, Query(description='e.g. "2h", "1d"')] = "",
    q: Annotated[str, Query(description="words in the text, subject or customer")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> QueueOut:
    within: timedelta | None = None
    if due_within:
        try:
            within = parse_duration(due_within)
        except ValueError as error:
            raise HTTPException(422, f"due_within: {error}") from None
    page = await queue(
        request.app.state.database,
        agent,
        QueueFilter(
            department, status, grade, channel, assignee, overdue, within, q, limit, offset
        ),
        request.app.state.clock.now(),
    )
    return QueueOut(total=page.total, items=page.items)


@router.get("/{number}", summary="One complaint: facts, customer, whole timeline, routing trace")
async def get_complaint(request: Request, number: str, agent: AgentUser) -> ComplaintOut:
    view = await complaint_view(request.app.state.database, agent, number)
    complaint = view.complaint.model_dump(mode="json", exclude={"routing_trace"})
    return ComplaintOut(
        complaint=complaint,
        customer=view.contact,
        timeline=[
            {
                **{k: v for k, v in vars(entry).items() if k != "attachments"},
                "at": entry.at.isoformat(),
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
        routing_trace=list(view.complaint.routing_trace or []),
        solutions=[SolutionOut.of(solution) for solution in view.solutions],
    )


@router.get("/{number}/attachments/{attachment_id}", summary="Download an attachment")
async def get_attachment(
    request: Request, number: str, attachment_id: int, agent: AgentUser
) -> Response:
    found = await attachment(request.app.state.database, agent, number, attachment_id)
    return Response(
        found.data,
        media_type=found.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{number}/reply", summary="Answer the customer on their own channel and thread")
async def reply(request: Request, number: str, agent: AgentUser, body: Reply) -> ComplaintOut:
    text = body.text.strip()
    if body.canned:
        text = (await request.app.state.canned.render(body.canned, number, agent)).text
    if not text:
        raise HTTPException(422, "write a text, or name a canned reply")
    await _agents(request).reply(number, agent, text)
    return await get_complaint(request, number, agent)


@router.post("/{number}/notes", summary="An internal note (the customer never sees it)")
async def note(request: Request, number: str, agent: AgentUser, body: Text) -> ComplaintOut:
    await _agents(request).note(number, agent, body.text)
    return await get_complaint(request, number, agent)


@router.post("/{number}/assign", summary="Take it, or give it to someone of its department")
async def assign(request: Request, number: str, agent: AgentUser, body: Assign) -> ComplaintOut:
    await _agents(request).assign(number, agent, body.to.strip() or agent.name)
    return await get_complaint(request, number, agent)


@router.post("/{number}/correct", summary="Correct category, department or grade")
async def correct(
    request: Request, number: str, agent: AgentUser, body: Correction
) -> ComplaintOut:
    await _agents(request).correct(
        number,
        agent,
        category=body.category,
        grade=body.grade,
        department=body.department,
        reason=body.reason,
    )
    return await get_complaint(request, number, agent)


@router.patch(
    "/{number}",
    summary=f"Edit registration fields: {', '.join(EDITABLE_FIELDS)}",
)
async def edit(request: Request, number: str, agent: AgentUser, body: Fields) -> ComplaintOut:
    await _agents(request).edit_fields(number, agent, body.model_dump(exclude_none=True))
    return await get_complaint(request, number, agent)


@router.post("/{number}/reject", summary="Not a valid complaint: the customer is told why")
async def reject(request: Request, number: str, agent: AgentUser, body: Rejection) -> ComplaintOut:
    await _agents(request).reject(number, agent, body.explanation)
    return await get_complaint(request, number, agent)


@router.post("/{number}/resolve", summary="Resolve with a summary (to the customer) and root cause")
async def resolve(
    request: Request, number: str, agent: AgentUser, body: Resolution
) -> ComplaintOut:
    await _agents(request).resolve(number, agent, body.summary, body.root_cause)
    return await get_complaint(request, number, agent)


@router.post(
    "/{number}/solutions",
    status_code=201,
    summary="Propose a solution; above the approval limit it waits for a supervisor",
)
async def propose(request: Request, number: str, agent: AgentUser, body: Proposal) -> SolutionOut:
    amount = None if body.amount is None else parse_amount(str(body.amount))
    outcome = await _solutions(request).propose(number, agent, body.kind, amount, body.description)
    return SolutionOut.of(outcome.solution)


@router.post(
    "/{number}/solutions/{solution_id}/decision",
    summary="A supervisor approves (the customer is told) or rejects (with the reason)",
)
async def decide(
    request: Request,
    number: str,
    solution_id: int,
    supervisor: SupervisorUser,
    body: Decision,
) -> SolutionOut:
    outcome = await _solutions(request).decide(
        number, solution_id, supervisor, body.approve, body.reason
    )
    return SolutionOut.of(outcome.solution)
