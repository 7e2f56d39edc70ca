"""Customers' personal data for admins: search, one customer's identities and complaints, a link
to the JSON export of everything stored (/api/customers/{id}/export takes the session), and
erasure, which asks for the customer's id typed again so a slip of the mouse erases nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from complaints.errors import ComplaintBotError
from store.models import Complaint, Customer, Identity
from store.queries.complaints import complaints_of_customer
from store.queries.customers import customer, identities_of
from web.console.forms import reason
from web.console.guard import AdminActor, AdminViewer, ConsoleRefusal
from web.console.i18n import N_
from web.console.pages import redirect, render
from web.deps import DatabaseDep, PrivacyDep

PAGE = "/console/customers"
MIN_SEARCH = 2
router = APIRouter(prefix="/customers")


@dataclass(frozen=True)
class CustomerFile:
    """What the customer page shows: the customer, how they reach us, their complaints."""

    customer: Customer
    identities: list[Identity]
    complaints: list[Complaint]


@router.get("", response_class=HTMLResponse)
async def customers_page(
    request: Request,
    staff: AdminViewer,
    privacy: PrivacyDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    wanted = q.strip()
    found = await privacy.search(wanted) if len(wanted) >= MIN_SEARCH else []
    return render(
        request,
        "customers.html",
        {"q": q, "searched": len(wanted) >= MIN_SEARCH, "found": found, "min": MIN_SEARCH},
        agent=staff.agent,
        csrf=staff.csrf,
    )


def _file(session: Session, customer_id: int) -> CustomerFile | None:
    found = customer(session, customer_id=customer_id)
    if found is None:
        return None
    return CustomerFile(
        found,
        identities_of(session, customer_id=customer_id),
        complaints_of_customer(session, customer_id=customer_id),
    )


@router.get("/{customer_id}", response_class=HTMLResponse)
async def customer_page(
    request: Request, customer_id: int, staff: AdminViewer, database: DatabaseDep
) -> HTMLResponse:
    found = await database.read(lambda session: _file(session, customer_id))
    if found is None:
        missing = N_("There is no customer %(id)s; search for them instead.", id=customer_id)
        raise ConsoleRefusal(404, missing)
    return render(
        request, "customers_detail.html", {"file": found}, agent=staff.agent, csrf=staff.csrf
    )


@router.post("/{customer_id}/erase")
async def erase(
    customer_id: int,
    staff: AdminActor,
    privacy: PrivacyDep,
    confirm: Annotated[str, Form()] = "",
) -> RedirectResponse:
    back = f"{PAGE}/{customer_id}"
    if confirm.strip() != str(customer_id):
        refusal = N_(
            "Nothing was erased: type the customer's id, %(id)s, to confirm.", id=customer_id
        )
        return redirect(back, ("error", refusal))
    try:
        counts = await privacy.erase(customer_id, confirm, staff.agent)
    except ComplaintBotError as error:
        return redirect(back, ("error", N_("Nothing was erased: %(error)s.", error=reason(error))))
    done = N_(
        "Erased customer %(id)s's personal data (identities: %(identities)s, complaints: "
        "%(complaints)s, messages: %(messages)s, attachments deleted: %(attachments_deleted)s, "
        "events redacted: %(events_redacted)s, solutions: %(solutions)s, deliveries: "
        "%(deliveries)s).",
        id=customer_id,
        **{what: counts.get(what, 0) for what in ERASURE_COUNTS},
    )
    return redirect(back, ("ok", done))


ERASURE_COUNTS = (
    "identities",
    "complaints",
    "messages",
    "attachments_deleted",
    "events_redacted",
    "solutions",
    "deliveries",
)
"""What admin.erasure.erase counts, in the order the sentence above names them."""
