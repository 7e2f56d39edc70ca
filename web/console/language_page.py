"""Choosing one's own console language: the selector in every page's header posts here, and
the page it came from is shown again in the language chosen (or, for "", the browser's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from complaints.errors import ComplaintBotError
from web.console.guard import Actor
from web.console.i18n import ENDONYMS, N_
from web.console.login import safe_next
from web.console.pages import redirect
from web.deps import AccountsDep

router = APIRouter()


@router.post("/language")
async def choose_language(
    staff: Actor,
    accounts: AccountsDep,
    language: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/console/queue",
) -> RedirectResponse:
    back = safe_next(back)
    try:
        await accounts.set_language(staff.agent, language)
    except ComplaintBotError:
        refusal = N_("Pick one of the languages offered; nothing was changed.")
        return redirect(back, ("error", refusal))
    if not language:
        return redirect(back, ("ok", N_("The console now follows your browser's language.")))
    chosen = N_("The console now speaks %(language)s.", language=ENDONYMS[language])
    return redirect(back, ("ok", chosen))
