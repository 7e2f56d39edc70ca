"""One complaint's page: its facts, the whole timeline, the routing trace, and the forms to work
it. `?canned=<key>` fills the reply box with that canned reply, filled in for this complaint
(server-side, so the console needs no script)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from admin.erasure import ERASED
from complaints.access import at_least, sees
from complaints.errors import ComplaintBotError
from complaints.fields import EDITABLE_FIELDS, FIELD_LIMITS
from complaints.money import Amount
from complaints.workflow import FINISHED, SOLVED
from router import GRADES, RuleSet
from router.stored_trace import expanded
from staff.reopening import may_reopen
from staff.solutions import KINDS
from staff.views import ComplaintView, complaint_view
from store.database import Database
from store.models import Agent, CannedReply
from web.console.forms import reason
from web.console.guard import ConsoleRefusal, Viewer
from web.console.i18n import LOCALES, N_, Shown
from web.console.pages import language_of, render
from web.console.timeline import describe_detail, message_kind, with_notice_kinds
from web.console.trace_view import explain
from web.console.wording import LABELS, label
from web.deps import (
    AccountsDep,
    AgentDeskDep,
    CannedRepliesDep,
    DatabaseDep,
    DuplicatesDep,
    RuleBookDep,
    SettingsDep,
)
from web.errors import status_for

router = APIRouter()


async def view_or_refuse(database: Database, agent: Agent, number: str) -> ComplaintView:
    try:
        return await complaint_view(database, agent, number)
    except ComplaintBotError as error:
        raise ConsoleRefusal(status_for(error), N_("%(reason)s.", reason=reason(error))) from None


def canned_choices(replies: list[CannedReply], language: str) -> list[tuple[str, str]]:
    """(key, title) per canned reply that can be filled in for a complaint in `language`: one
    with a version in it, or in English (`CannedReplies.render` takes that, else refuses),
    titled in the version it would use. A reply only in other languages is not offered."""
    titles: dict[str, str] = {}
    for reply in sorted(replies, key=lambda reply: reply.language == language):
        if reply.language in (language, "en"):
            titles[reply.key] = reply.title
    return sorted(titles.items(), key=lambda item: item[1].lower())


def detail_lines(locale: str) -> Callable[[str, Mapping[str, Any]], list[tuple[Shown, Shown]]]:
    """`describe_detail` for a reader in Babel's `locale`, a solution's amount (recorded as
    "150.50 EUR") written as the solutions table writes it ("150,50 €" in Spanish)."""

    def lines(event: str, detail: Mapping[str, Any]) -> list[tuple[Shown, Shown]]:
        amount = Amount.of_record(str(detail.get("amount") or ""))
        if amount is not None:
            detail = {**detail, "amount": amount.written(locale)}
        return describe_detail(event, detail)

    return lines


def actor(who: str) -> Shown:
    """Who wrote or did something, as the timeline names them: "agent:Ana" is Ana (agent)."""
    role, _, name = who.partition(":")
    if name and role in LABELS["role"]:
        return N_("%(name)s (%(role)s)", name=name, role=label("role", role))
    return LABELS["actor"].get(who, who)


@router.get("/complaints/{number}", response_class=HTMLResponse)
async def complaint_page(
    request: Request,
    number: str,
    staff: Viewer,
    database: DatabaseDep,
    library: CannedRepliesDep,
    accounts: AccountsDep,
    book: RuleBookDep,
    settings: SettingsDep,
    desk: AgentDeskDep,
    duplicates: DuplicatesDep,
    canned: str = "",
) -> HTMLResponse:
    view = await view_or_refuse(database, staff.agent, number)
    # The rule the desk refuses a reply by (CannotReach), asked before the agent writes one.
    reachable = await database.read(
        lambda session: desk.notifier.customer_address(session, view.complaint) is not None
    )
    reply_text, canned_error = "", None
    if canned:
        try:
            reply_text = (await library.render(canned, number, staff.agent)).text
        except ComplaintBotError as error:
            canned_error = reason(error)
    colleagues = [
        account.name
        for account in await accounts.listing()
        if account.active and sees(account, view.complaint.department)
    ]
    flagged = await duplicates.flagged(number, staff.agent)
    rules: RuleSet = book.current
    console = settings.console
    return render(
        request,
        "complaint.html",
        {
            "view": view,
            "c": view.complaint,
            "timeline": with_notice_kinds(view.timeline),
            "describe_detail": detail_lines(LOCALES[language_of(request, staff.agent)]),
            "erased": ERASED,
            "message_kind": message_kind,
            "candidates": flagged.candidates,
            "actor": actor,
            "trace": explain(expanded(view.complaint.routing_trace or [])),
            "reachable": reachable,
            # with the e-mail channel on, an unreachable mailed complaint is a no-reply sender's
            "mail_running": settings.email.enabled,
            "reply_text": reply_text,
            "canned_error": canned_error,
            "canned_choices": canned_choices(await library.listing(), view.complaint.language),
            "colleagues": colleagues,
            "categories": list(rules.categories),
            "departments": list(rules.departments),
            "grades": GRADES,
            "editable_fields": EDITABLE_FIELDS,
            "field_limits": FIELD_LIMITS,
            "kinds": KINDS,
            "currency": console.currency,
            "approval_above_cents": console.approval_above_cents,
            "may_decide": at_least(staff.agent, "supervisor"),
            "finished": view.complaint.status in FINISHED,
            "solved": view.complaint.status in SOLVED,
            "may_reopen": may_reopen(view.complaint, staff.agent),
        },
        agent=staff.agent,
        csrf=staff.csrf,
    )
