"""Canned replies for admins: list them, create, edit (`?edit=<id>` fills the form) and delete.
Other roles get the refusal page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from complaints.errors import ComplaintBotError
from staff.canned_replies import MAX_KEY, MAX_TITLE, PLACEHOLDERS
from web.console.forms import Text, reason
from web.console.guard import AdminActor, AdminViewer
from web.console.i18n import N_
from web.console.pages import redirect, render
from web.console.wording import label
from web.deps import CannedRepliesDep

PAGE = "/console/canned"
router = APIRouter(prefix="/canned")


@router.get("", response_class=HTMLResponse)
async def canned_page(
    request: Request, staff: AdminViewer, library: CannedRepliesDep, edit: int | None = None
) -> HTMLResponse:
    replies = await library.listing()
    editing = next((reply for reply in replies if reply.id == edit), None)
    return render(
        request,
        "canned.html",
        {
            "replies": replies,
            "editing": editing,
            "placeholders": PLACEHOLDERS,
            "max_key": MAX_KEY,
            "max_title": MAX_TITLE,
        },
        agent=staff.agent,
        csrf=staff.csrf,
    )


@router.post("")
async def save(
    staff: AdminActor,
    library: CannedRepliesDep,
    key: Text = "",
    language: Text = "",
    title: Text = "",
    text: Text = "",
    reply_id: Annotated[int | None, Form()] = None,
) -> RedirectResponse:
    try:
        saved = await library.save(key, language, title, text, staff.agent, reply_id)
    except ComplaintBotError as error:
        back = f"{PAGE}?edit={reply_id}" if reply_id else PAGE
        return redirect(back, ("error", N_("Nothing was saved: %(error)s.", error=reason(error))))
    done = N_(
        "Saved the %(language)s canned reply %(key)s.",
        language=label("language", saved.language),
        key=repr(saved.key),
    )
    return redirect(PAGE, ("ok", done))


@router.post("/{reply_id}/delete")
async def delete(reply_id: int, staff: AdminActor, library: CannedRepliesDep) -> RedirectResponse:
    try:
        await library.delete(reply_id)
    except ComplaintBotError as error:
        return redirect(PAGE, ("error", N_("Nothing was deleted: %(error)s.", error=reason(error))))
    return redirect(PAGE, ("ok", N_("Deleted the canned reply.")))
