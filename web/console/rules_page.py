"""Routing rules in the console, mirroring /api/rules: every staff member may read the active
rules and their versions; supervisors may also dry-run a message on the active rules; admins
edit, reorder, enable, delete, roll back, import, and try an edited rule before publishing it.

The draft is one rule: its edit form carries a sample message, and three buttons try the rule
set *with this rule* on that message (dry run), replay it over recent complaints (backtest), or
publish it as a new version. Trying renders the form again with the result (it changes
nothing); publishing redirects to the rule list. An invalid rule is refused by the desk layer
with its reason, the form keeps what was typed, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from admin.accounts import at_least
from admin.rule_book import (
    ActiveVersion,
    RuleBook,
    RuleSetView,
    Tables,
    full_rule,
    with_rule,
    with_rule_replaced,
)
from admin.rule_trials import (
    MAX_BACKTEST,
    Backtest,
    TrialMessage,
    backtest,
    dry_run,
    rule_set_to_try,
)
from complaints.errors import ComplaintBotError
from router import GRADES, Decision
from router.language import SUPPORTED
from router.rules import SEARCHABLE_FIELDS
from web.api_rules import MAX_IMPORT_BYTES
from web.console.guard import (
    AdminActor,
    AdminViewer,
    ConsoleRefusal,
    Staff,
    SupervisorActor,
    Viewer,
)
from web.console.pages import redirect, render
from web.console.queue_page import CHANNELS

PAGE = "/console/rules"
SHOWN_VERSIONS = 50
DEFAULT_LAST = 200
router = APIRouter(prefix="/rules")
RuleName = Annotated[str, Form()]


class FormError(ComplaintBotError):
    """A form value the page cannot turn into a rule or a message (e.g. a number field)."""


def _book(request: Request) -> RuleBook:
    return request.app.state.rule_book  # type: ignore[no-any-return]


def _context(staff: Staff) -> dict[str, Any]:
    """What the rules templates need to know of the viewer's role."""
    return {
        "may_edit": at_least(staff.agent, "admin"),
        "may_try": at_least(staff.agent, "supervisor"),
    }


# ---- the rule list ---------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def rules_page(request: Request, staff: Viewer) -> HTMLResponse:
    book = _book(request)
    active = await book.active()
    view = RuleSetView.of(await book.tables(active.version))
    versions = await book.versions()
    return render(
        request,
        "rules.html",
        {
            **_context(staff),
            "active": active,
            "rules": view.rules,
            "versions": versions[:SHOWN_VERSIONS],
            "more_versions": max(0, len(versions) - SHOWN_VERSIONS),
        },
        agent=staff.agent,
        csrf=staff.csrf,
    )


async def _changed(what: str, change: Awaitable[ActiveVersion]) -> RedirectResponse:
    """Run a rule book change; back to the list with what happened (or why not)."""
    try:
        active = await change
    except ComplaintBotError as error:
        return redirect(PAGE, ("error", f"Nothing was changed: {error}."))
    return redirect(PAGE, ("ok", f"{what}; version {active.version} is active."))


@router.post("/move")
async def move(
    request: Request, staff: AdminActor, rule: RuleName, position: Annotated[int, Form()]
) -> RedirectResponse:
    change = _book(request).move_rule(rule, position, staff.agent.name)
    return await _changed(f"Moved {rule!r} to position {position}", change)


@router.post("/enable")
async def enable(
    request: Request, staff: AdminActor, rule: RuleName, enabled: Annotated[bool, Form()]
) -> RedirectResponse:
    change = _book(request).enable_rule(rule, enabled, staff.agent.name)
    return await _changed(f"{'Enabled' if enabled else 'Disabled'} {rule!r}", change)


@router.post("/delete")
async def delete(request: Request, staff: AdminActor, rule: RuleName) -> RedirectResponse:
    change = _book(request).remove_rule(rule, staff.agent.name)
    return await _changed(f"Deleted {rule!r}", change)


@router.post("/rollback")
async def rollback(
    request: Request, staff: AdminActor, version: Annotated[int, Form()]
) -> RedirectResponse:
    change = _book(request).rollback(version, staff.agent.name)
    return await _changed(f"Rolled back to version {version}", change)


@router.post("/import")
async def import_toml(
    request: Request,
    staff: AdminActor,
    toml: Annotated[str, Form()] = "",
    file: UploadFile | None = None,
) -> RedirectResponse:
    """The uploaded file if one was chosen, else the pasted text."""
    raw = await file.read(MAX_IMPORT_BYTES + 1) if file is not None and file.filename else b""
    if len(raw) > MAX_IMPORT_BYTES or len(toml.encode()) > MAX_IMPORT_BYTES:
        return redirect(PAGE, ("error", f"Nothing was imported: over {MAX_IMPORT_BYTES} bytes."))
    try:
        text = raw.decode() if raw else toml
    except UnicodeDecodeError:
        return redirect(PAGE, ("error", "Nothing was imported: the file must be UTF-8 text."))
    if not text.strip():
        return redirect(PAGE, ("error", "Nothing was imported: paste the TOML or choose a file."))
    change = _book(request).import_toml(text, staff.agent.name)
    return await _changed("Imported the TOML", change)


# ---- editing one rule, with its dry run and backtest ----------------------------------------


def _lines(form: FormData, key: str, separator: str = "\n") -> list[str]:
    text = str(form.get(key, ""))
    return [part.strip() for part in text.split(separator) if part.strip()]


def _whole_number(form: FormData, key: str, label: str) -> int | None:
    text = str(form.get(key, "")).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise FormError(f"{label} must be a whole number, not {text!r}") from None


def rule_from_form(form: FormData) -> dict[str, Any]:
    """The [[rules]] table the edit form describes (validated later by the rule book)."""
    at_least_count = _whole_number(form, "repeat_at_least", "repeat: at least")
    within_days = _whole_number(form, "repeat_within_days", "repeat: within days")
    # Half a repeat is passed on as typed: the rule book's validation says what it needs.
    repeat = {
        key: value
        for key, value in (("at_least", at_least_count), ("within_days", within_days))
        if value is not None
    }
    attachment = str(form.get("has_attachment", ""))
    return {
        "name": str(form.get("name", "")).strip(),
        "enabled": form.get("enabled") == "true",
        "description": str(form.get("description", "")).strip(),
        "keywords": _lines(form, "keywords"),
        "pattern": str(form.get("pattern", "")),
        "fields": [str(value) for value in form.getlist("fields")],
        "channel": [str(value) for value in form.getlist("channel")],
        "language": [str(value) for value in form.getlist("language")],
        "tier": _lines(form, "tier", ","),
        "has_attachment": {"yes": True, "no": False}.get(attachment),
        "repeat": repeat or None,
        "category": str(form.get("category", "")),
        "department": str(form.get("department", "")),
        "grade": str(form.get("grade", "")),
        "min_grade": str(form.get("min_grade", "")),
        "raise_grade": form.get("raise_grade") == "true",
        "tags": _lines(form, "tags", ","),
    }


def message_from_form(form: FormData) -> TrialMessage:
    return TrialMessage(
        text=str(form.get("text", "")),
        subject=str(form.get("subject", "")),
        channel=str(form.get("channel_of_message", "webhook")),
        language=str(form.get("message_language", "")),
        tier=str(form.get("message_tier", "")).strip(),
        has_attachment=form.get("message_has_attachment") == "true",
        earlier_complaints=_whole_number(form, "earlier_complaints", "earlier complaints") or 0,
    )


def _draft(tables: Tables, original: str, rule: Mapping[str, Any], position: int | None) -> Tables:
    """The active tables with the edited rule in place of `original` (or added)."""
    if original:
        return with_rule_replaced(tables, original, rule)
    return with_rule(tables, rule, position)


def _edit_page(
    request: Request,
    staff: Staff,
    view: RuleSetView,
    form: Mapping[str, Any],
    *,
    decision: Decision | None = None,
    tested: Backtest | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "rules_edit.html",
        {
            "form": form,
            "categories": view.categories,
            "departments": view.departments,
            "grades": GRADES,
            "channels": CHANNELS,
            "languages": SUPPORTED,
            "searchable": SEARCHABLE_FIELDS,
            "positions": len(view.rules) + 1,
            "max_backtest": MAX_BACKTEST,
            "decision": decision,
            "tested": tested,
            "error": error,
        },
        agent=staff.agent,
        csrf=staff.csrf,
        status=status,
    )


def _blank_message() -> dict[str, Any]:
    return {
        "text": "",
        "subject": "",
        "channel_of_message": "webhook",
        "message_language": "",
        "message_tier": "",
        "message_has_attachment": False,
        "earlier_complaints": 0,
        "last": DEFAULT_LAST,
    }


def _message_values(form: FormData) -> dict[str, Any]:
    """The sample message as sent, to show it again with the result."""
    shown = {key: form.get(key, value) for key, value in _blank_message().items()}
    return shown | {"message_has_attachment": form.get("message_has_attachment") == "true"}


def _form_values(original: str, position: int | None, rule: Mapping[str, Any]) -> dict[str, Any]:
    """What the edit form shows: the rule with every key, where it goes, a sample message."""
    return {"original": original, "position": position, "rule": full_rule(rule)} | _blank_message()


@router.get("/edit", response_class=HTMLResponse)
async def edit_page(request: Request, staff: AdminViewer, name: str = "") -> HTMLResponse:
    """`?name=` edits that rule; no name: a new rule."""
    book = _book(request)
    view = RuleSetView.of(await book.tables())
    if not name:
        return _edit_page(request, staff, view, _form_values("", None, {"name": ""}))
    rule = next((rule for rule in view.rules if rule["name"] == name), None)
    if rule is None:
        raise ConsoleRefusal(404, f"There is no rule named {name!r}; pick one from the rule list.")
    return _edit_page(request, staff, view, _form_values(name, None, rule))


@router.post("/edit", response_model=None)
async def edit(request: Request, staff: AdminActor) -> HTMLResponse | RedirectResponse:
    """action=dry_run or backtest: try the rule set with this rule; action=publish: save it."""
    form = await request.form()
    book = _book(request)
    tables = await book.tables()
    view = RuleSetView.of(tables)
    original = str(form.get("original", ""))
    action = str(form.get("action", "dry_run"))
    shown = _message_values(form)
    try:
        position = _whole_number(form, "position", "position")
        rule = rule_from_form(form)
    except FormError as error:
        blank: dict[str, Any] = {"original": original, "position": None, **shown}
        blank["rule"] = full_rule({"name": ""})
        return _edit_page(request, staff, view, blank, error=str(error), status=422)
    values = {"original": original, "position": position, "rule": full_rule(rule), **shown}
    try:
        if action == "publish":
            if original:
                active = await book.replace_rule(original, rule, staff.agent.name)
            else:
                active = await book.add_rule(rule, staff.agent.name, position)
            done = f"Published {rule['name']!r}; version {active.version} is active."
            return redirect(PAGE, ("ok", done))
        draft = await rule_set_to_try(book, _draft(tables, original, rule, position)["rules"])
        settings = request.app.state.settings
        if action == "backtest":
            last = _whole_number(form, "last", "last") or DEFAULT_LAST
            tested = await backtest(
                book.database, book.current, draft, settings.service_levels, last
            )
            return _edit_page(request, staff, view, values, tested=tested)
        decision = dry_run(
            message_from_form(form),
            draft,
            settings.service_levels,
            book.clock.now(),
            settings.default_language,
        )
        return _edit_page(request, staff, view, values, decision=decision)
    except ComplaintBotError as error:
        nothing = "Nothing was saved" if action == "publish" else "Could not try the rule"
        return _edit_page(request, staff, view, values, error=f"{nothing}: {error}.", status=422)


# ---- a dry run on the active rules ------------------------------------------------------------


def _may_try(staff: Staff) -> None:
    if not at_least(staff.agent, "supervisor"):
        raise ConsoleRefusal(403, f"Dry runs need the supervisor role; you are {staff.agent.role}.")


def _try_page(
    request: Request,
    staff: Staff,
    form: Mapping[str, Any],
    decision: Decision | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "rules_try.html",
        {
            "form": form,
            "channels": CHANNELS,
            "languages": SUPPORTED,
            "decision": decision,
            "error": error,
            "version": _book(request).current.version,
        },
        agent=staff.agent,
        csrf=staff.csrf,
        status=status,
    )


@router.get("/try", response_class=HTMLResponse)
async def try_page(request: Request, staff: Viewer) -> HTMLResponse:
    _may_try(staff)
    return _try_page(request, staff, _blank_message())


@router.post("/try", response_class=HTMLResponse)
async def try_message(request: Request, staff: SupervisorActor) -> HTMLResponse:
    """How a message would route under the active rules, with the trace (changes nothing)."""
    form = await request.form()
    shown = _message_values(form)
    book = _book(request)
    settings = request.app.state.settings
    try:
        decision = dry_run(
            message_from_form(form),
            book.current,
            settings.service_levels,
            book.clock.now(),
            settings.default_language,
        )
    except ComplaintBotError as error:
        return _try_page(request, staff, shown, error=f"{error}.", status=422)
    return _try_page(request, staff, shown, decision)
