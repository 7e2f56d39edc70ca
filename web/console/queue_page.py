"""The queue: the complaints the viewer may work, filtered by GET parameters so a filtered view
can be bookmarked and shared, most urgent deadline first, a page at a time."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from complaints.addresses import CHANNELS as ADDRESS_CHANNELS
from complaints.errors import ComplaintBotError
from complaints.workflow import STATUSES
from router import GRADES, RuleSet
from staff.views import QueueFilter, queue
from staff.views import due_within as due_within_filter
from web.console.guard import ConsoleRefusal, Viewer
from web.console.i18n import N_
from web.console.pages import render
from web.console.phrasing import phrased
from web.deps import ClockDep, DatabaseDep, RuleBookDep
from web.errors import status_for

PAGE_SIZE = 50
CHANNELS = ADDRESS_CHANNELS
router = APIRouter()


@router.get("/queue", response_class=HTMLResponse)
async def queue_page(
    request: Request,
    staff: Viewer,
    database: DatabaseDep,
    clock: ClockDep,
    book: RuleBookDep,
    department: str = "",
    status: str = "open",
    grade: str = "",
    channel: str = "",
    assignee: str = "",
    overdue: bool = False,
    due_within: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    tag: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    try:
        filters = QueueFilter(
            department=department,
            status=status,
            grade=grade,
            channel=channel,
            assignee=assignee,
            overdue=overdue,
            due_within=due_within_filter(due_within),
            q=q,
            tag=tag,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        found = await queue(database, staff.agent, filters, clock.now())
    except ComplaintBotError as error:
        # A filter naming no status, grade, channel or department, a department not theirs, a
        # due_within that is no duration: refused as the API refuses it, never ignored.
        raise ConsoleRefusal(
            status_for(error), N_("%(reason)s.", reason=phrased(error.said))
        ) from None
    rules: RuleSet = book.current
    chosen = {
        "department": department,
        "status": status,
        "grade": grade,
        "channel": channel,
        "assignee": assignee,
        "overdue": "true" if overdue else "",
        "due_within": due_within,
        "q": q,
        "tag": tag,
    }
    pages = max(1, -(-found.total // PAGE_SIZE))

    def page_link(number: int) -> str:
        # status is always kept: empty means "all", while a missing one means "open".
        kept = {key: value for key, value in chosen.items() if value or key == "status"}
        return "/console/queue?" + urlencode({**kept, "page": number})

    return render(
        request,
        "queue.html",
        {
            "found": found,
            "chosen": chosen,
            "page": page,
            "pages": pages,
            "previous_link": page_link(page - 1) if page > 1 else "",
            "next_link": page_link(page + 1) if page < pages else "",
            "departments": [
                key
                for key in rules.departments
                if staff.agent.role == "admin"
                or not staff.agent.departments
                or key in staff.agent.departments
            ],
            "statuses": ("open", *STATUSES),
            "grades": GRADES,
            "channels": CHANNELS,
        },
        agent=staff.agent,
        csrf=staff.csrf,
    )
