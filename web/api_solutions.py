"""A complaint's solutions over the API: proposing one (above the approval limit it waits for
a supervisor), a supervisor's decision, and how a solution is shown (`SolutionOut`, also in
web.api_complaints' answer for one complaint). The rules are staff.solutions'; this module
only speaks HTTP. The routes share web.api_complaints' prefix and tag: to a reader of the API
they are actions on a complaint like the others."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from complaints.clock import Moment
from complaints.money import parse_amount
from staff.solutions import KINDS
from store.models import Solution
from web.api_docs import refusals
from web.auth import AgentUser, SupervisorUser
from web.bodies import Body, RowId
from web.deps import SolutionsDep

router = APIRouter(prefix="/api/complaints", tags=["complaints"])


class SolutionOut(BaseModel):
    id: int
    kind: str
    amount: str | None
    currency: str
    description: str
    status: str
    proposed_by: str
    proposed_at: Moment
    decided_by: str
    decided_at: Moment | None
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


class Proposal(Body):
    kind: Annotated[str, Field(description=f"one of {', '.join(KINDS)}")]
    amount: Annotated[
        str | float | None, Field(description="for refund, discount, compensation")
    ] = None
    description: str = ""


class Decision(Body):
    approve: bool
    reason: str = ""


@router.post(
    "/{number}/solutions",
    status_code=201,
    summary="Propose a solution; above the approval limit it waits for a supervisor",
    responses=refusals(409),
)
async def propose(
    number: str, agent: AgentUser, body: Proposal, solutions: SolutionsDep
) -> SolutionOut:
    amount = None if body.amount is None else parse_amount(str(body.amount))
    outcome = await solutions.propose(number, agent, body.kind, amount, body.description)
    return SolutionOut.of(outcome.solution)


@router.post(
    "/{number}/solutions/{solution_id}/decision",
    summary="A supervisor approves (the customer is told) or rejects (with the reason)",
    responses=refusals(409),
)
async def decide(
    number: str,
    solution_id: RowId,
    supervisor: SupervisorUser,
    body: Decision,
    solutions: SolutionsDep,
) -> SolutionOut:
    outcome = await solutions.decide(number, solution_id, supervisor, body.approve, body.reason)
    return SolutionOut.of(outcome.solution)
