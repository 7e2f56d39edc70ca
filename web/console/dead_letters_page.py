"""Dead letters for admins: the list (newest first, filtered by status, a page at a time), each
letter's raw bytes as a download (never shown as a page), and reprocessing one or every kept
letter through its channel once the cause is fixed; the outcome is shown as the flash."""

from __future__ import annotations

from typing import Annotated, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from complaints.errors import ComplaintBotError, UnknownDeadLetter
from intake.dead_letters import Reprocessed
from web.api_dead_letters import Status, raw_response
from web.console.forms import reason
from web.console.guard import AdminActor, AdminViewer, ConsoleRefusal
from web.console.i18n import N_, Phrase
from web.console.letter_reasons import letter_reason
from web.console.pages import redirect, render
from web.deps import DeadLettersDep, ReprocessorsDep

PAGE = "/console/dead-letters"
PAGE_SIZE = 50
OUTCOME_SHOWN = 300
"""How much of an outcome the flash shows; the letter's reason in the list keeps it whole."""
STATUSES: tuple[str, ...] = get_args(Status)
router = APIRouter(prefix="/dead-letters")
StatusField = Annotated[str, Form()]


def _listing(status: str, page: int = 1) -> str:
    chosen = {"status": status} if status else {}
    query = urlencode({**chosen, **({"page": page} if page > 1 else {})})
    return f"{PAGE}?{query}" if query else PAGE


def _said(result: Reprocessed) -> tuple[str, Phrase]:
    outcome = result.outcome[:OUTCOME_SHOWN]
    if result.ok:
        return "ok", N_(
            "Dead letter %(id)s was reprocessed: %(outcome)s.", id=result.letter, outcome=outcome
        )
    again = N_(
        "Dead letter %(id)s failed again and stays kept: %(outcome)s.",
        id=result.letter,
        outcome=letter_reason(result.outcome) if len(result.outcome) <= OUTCOME_SHOWN else outcome,
    )
    return "error", again


@router.get("", response_class=HTMLResponse)
async def dead_letters_page(
    request: Request,
    staff: AdminViewer,
    letters: DeadLettersDep,
    status: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    if status and status not in STATUSES:
        known = ", ".join(STATUSES)
        raise ConsoleRefusal(
            422, N_("The status is one of %(known)s, or empty for all.", known=known)
        )
    found = await letters.page(status or None, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    pages = max(1, -(-found.total // PAGE_SIZE))
    chosen = status
    return render(
        request,
        "dead_letters.html",
        {
            "found": found,
            "status": chosen,
            "statuses": STATUSES,
            "reason_of": letter_reason,
            "page": page,
            "pages": pages,
            "previous_link": _listing(chosen, page - 1) if page > 1 else "",
            "next_link": _listing(chosen, page + 1) if page < pages else "",
        },
        agent=staff.agent,
        csrf=staff.csrf,
    )


@router.get("/{letter_id}/raw")
async def raw(letter_id: int, staff: AdminViewer, letters: DeadLettersDep) -> Response:
    try:
        letter = await letters.get(letter_id)
    except UnknownDeadLetter:
        raise ConsoleRefusal(404, N_("There is no dead letter %(id)s.", id=letter_id)) from None
    return raw_response(letter)


@router.post("/reprocess")
async def reprocess_all(
    staff: AdminActor,
    letters: DeadLettersDep,
    handlers: ReprocessorsDep,
    status: StatusField = "",
) -> RedirectResponse:
    results = await letters.reprocess(handlers, by=f"account {staff.agent.id}")
    back = _listing(status)
    if not results:
        return redirect(back, ("ok", N_("There were no kept dead letters to reprocess.")))
    failed = sum(not result.ok for result in results)
    counts = {"done": len(results) - failed, "all": len(results), "failed": failed}
    if failed:
        said = N_(
            "Reprocessed %(done)s of %(all)s kept dead letters; %(failed)s failed again "
            "(see their reasons).",
            **counts,
        )
        return redirect(back, ("error", said))
    return redirect(
        back, ("ok", N_("Reprocessed %(done)s of %(all)s kept dead letters.", **counts))
    )


@router.post("/{letter_id}/reprocess")
async def reprocess_one(
    letter_id: int,
    staff: AdminActor,
    letters: DeadLettersDep,
    handlers: ReprocessorsDep,
    status: StatusField = "",
) -> RedirectResponse:
    back = _listing(status)
    try:
        result = await letters.reprocess_one(handlers, letter_id, by=f"account {staff.agent.id}")
    except ComplaintBotError as error:
        return redirect(back, ("error", N_("Nothing was done: %(error)s.", error=reason(error))))
    return redirect(back, _said(result))
