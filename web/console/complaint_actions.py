"""The forms of a complaint's page. Each one calls the desk, then redirects back to the page
(Post/Redirect/Get) with the desk's one-line outcome or its error as the flash message; a
refusal of the page's complaint itself (another department's, an unknown one) is a refusal page
instead. The complaint a merge names is typed into the form: one that does not exist, another
department's, or text that is no complaint number is refused on the page, nothing changed."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from complaints.errors import ComplaintBotError, NotAllowed, Said, UnknownComplaint, said
from complaints.fields import EDITABLE_FIELDS, check_lengths
from complaints.money import parse_amount
from complaints.numbers import FIELD_PATTERN, as_written
from web.console.forms import FormError, Text
from web.console.guard import Actor, ConsoleRefusal, SupervisorActor
from web.console.i18n import N_
from web.console.pages import redirect
from web.console.phrasing import phrased
from web.deps import AgentDeskDep, DuplicatesDep, SolutionsDep
from web.errors import status_for

router = APIRouter(prefix="/complaints/{number}")


class Outcome(Protocol):
    """What the desk answers: `Done` or `SolutionOutcome`, both with a one-line summary."""

    @property
    def summary(self) -> Said: ...


@dataclass(frozen=True)
class _Done:
    summary: Said
    page: str = ""
    """The complaint page to go to when it is another one than the form's."""


async def _act(number: str, work: Callable[[], Awaitable[Outcome]]) -> RedirectResponse:
    page = f"/console/complaints/{number}"
    try:
        done = await work()
    except ComplaintBotError as error:
        if status_for(error) in (403, 404):
            raise ConsoleRefusal(
                status_for(error), N_("%(reason)s.", reason=phrased(error.said))
            ) from None
        return redirect(
            page, ("error", N_("Nothing was changed: %(error)s.", error=phrased(error.said)))
        )
    outcome = N_("%(number)s: %(outcome)s.", number=number, outcome=phrased(done.summary))
    return redirect(getattr(done, "page", "") or page, ("ok", outcome))


def _reason_given(text: str) -> str:
    if not text.strip():
        raise FormError("write why the routing was wrong first")
    return text


@router.post("/take")
async def take(number: str, staff: Actor, desk: AgentDeskDep) -> RedirectResponse:
    return await _act(number, lambda: desk.take(number, staff.agent))


@router.post("/assign")
async def assign(
    request: Request, number: str, staff: Actor, desk: AgentDeskDep, to: Text = ""
) -> RedirectResponse:
    """The form carries the handler the page showed (`was`, "" for nobody); if another took
    the complaint since, nothing is changed. (Read from the form itself: FastAPI gives an
    empty field its default, and "" here means the page showed nobody.)"""
    form = await request.form()
    was = str(form["was"]) if "was" in form else None
    return await _act(number, lambda: desk.assign(number, staff.agent, to, was=was))


@router.post("/reply")
async def reply(
    number: str, staff: Actor, desk: AgentDeskDep, text: Text = "", wait_for_customer: Text = ""
) -> RedirectResponse:
    async def work() -> Outcome:
        return await desk.reply(
            number, staff.agent, text, wait_for_customer=bool(wait_for_customer)
        )

    return await _act(number, work)


@router.post("/note")
async def note(number: str, staff: Actor, desk: AgentDeskDep, text: Text = "") -> RedirectResponse:
    async def work() -> Outcome:
        return await desk.note(number, staff.agent, text)

    return await _act(number, work)


@router.post("/correct")
async def correct(
    number: str,
    staff: Actor,
    desk: AgentDeskDep,
    category: Text = "",
    grade: Text = "",
    department: Text = "",
    reason: Text = "",
) -> RedirectResponse:
    """Empty fields stay as they are; the reason is recorded with the correction."""

    async def work() -> Outcome:
        return await desk.correct(
            number,
            staff.agent,
            category=category or None,
            grade=grade or None,
            department=department or None,
            reason=_reason_given(reason),
        )

    return await _act(number, work)


@router.post("/fields")
async def edit_fields(
    request: Request, number: str, staff: Actor, desk: AgentDeskDep
) -> RedirectResponse:
    """Only what the agent changed is written: the form carries the values it was loaded
    with (`was_<field>`), so a field a colleague saved meanwhile is not put back."""
    form = await request.form()
    fields = {name: str(form[name]) for name in EDITABLE_FIELDS if name in form}
    was = {name: str(form[f"was_{name}"]) for name in EDITABLE_FIELDS if f"was_{name}" in form}

    async def work() -> Outcome:
        check_lengths(fields)
        return await desk.edit_fields(number, staff.agent, fields, was)

    return await _act(number, work)


@router.post("/reject")
async def reject(
    number: str, staff: Actor, desk: AgentDeskDep, explanation: Text = ""
) -> RedirectResponse:
    return await _act(number, lambda: desk.reject(number, staff.agent, explanation))


@router.post("/resolve")
async def resolve(
    number: str,
    staff: Actor,
    desk: AgentDeskDep,
    summary: Text = "",
    root_cause: Text = "",
) -> RedirectResponse:
    return await _act(number, lambda: desk.resolve(number, staff.agent, summary, root_cause))


@router.post("/reopen")
async def reopen(
    number: str, staff: Actor, desk: AgentDeskDep, reason: Text = ""
) -> RedirectResponse:
    """Reopen a finished complaint (staff.reopening): the reason stays with the desk."""
    return await _act(number, lambda: desk.reopen(number, staff.agent, reason))


@router.post("/solutions")
async def propose(
    number: str,
    staff: Actor,
    solutions: SolutionsDep,
    kind: Text = "",
    amount: Text = "",
    description: Text = "",
) -> RedirectResponse:

    async def work() -> Outcome:
        return await solutions.propose(number, staff.agent, kind, parse_amount(amount), description)

    return await _act(number, work)


@router.post("/solutions/{solution_id}/decision")
async def decide(
    number: str,
    solution_id: int,
    staff: SupervisorActor,
    solutions: SolutionsDep,
    decision: Text = "",
    reason: Text = "",
) -> RedirectResponse:
    """Approve (the customer is told now) or reject with a reason (the agent sees it)."""
    if decision not in ("approve", "reject"):
        raise ConsoleRefusal(422, N_("Choose Approve or Reject."))
    return await _act(
        number,
        lambda: solutions.decide(number, solution_id, staff.agent, decision == "approve", reason),
    )


@router.post("/merge")
async def merge(
    number: str, staff: Actor, duplicates: DuplicatesDep, into: Text = "", note: Text = ""
) -> RedirectResponse:
    """Merge this complaint into `into` (staff.merge): its timeline joins that one's, which
    the agent is taken to."""
    typed = into.strip()
    target = as_written(typed)

    async def work() -> Outcome:
        if not typed:
            raise FormError("write the number of the complaint to merge this one into")
        if not re.fullmatch(FIELD_PATTERN, target):
            shown = typed if len(typed) <= 40 else typed[:39] + "…"  # the flash is a cookie
            raise FormError(
                "'%(typed)s' is not a complaint number; write one like C-2026-000123", typed=shown
            )
        try:
            merged = await duplicates.merge(number, target, staff.agent, note.strip())
        except (UnknownComplaint, NotAllowed) as error:
            if error.values.get("number") != target:
                raise  # this page's complaint itself: the refusal page, as for any form
            # the number typed into the form (none such, or another department's): a mistake
            # to correct on this page, said there like the other merge refusals
            raise FormError(error.msgid, **error.values) from None
        if merged.customer_told:
            summary = said("merged into %(target)s; the customer is told", target=merged.target)
        else:
            summary = said("merged into %(target)s", target=merged.target)
        return _Done(summary, f"/console/complaints/{merged.target}")

    return await _act(number, work)
