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
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.rule_book import (
    ActiveVersion,
    RuleSetView,
    Tables,
    full_rule,
    with_rule,
    with_rule_replaced,
)
from admin.rule_trials import (
    MAX_BACKTEST,
    Backtest,
    backtest,
    dry_run,
    rule_set_to_try,
)
from complaints.access import at_least
from complaints.errors import ComplaintBotError
from complaints.languages import SUPPORTED
from router import GRADES, Decision
from router.rule_checks import TEXT_LIMITS
from router.rules import SEARCHABLE_FIELDS
from web.api_rules import MAX_IMPORT_BYTES
from web.console.forms import reason
from web.console.guard import (
    AdminActor,
    AdminViewer,
    ConsoleRefusal,
    Staff,
    SupervisorActor,
    Viewer,
)
from web.console.i18n import N_, Phrase, Shown, Size
from web.console.pages import redirect, render
from web.console.queue_page import CHANNELS
from web.console.rule_forms import (
    DEFAULT_LAST,
    blank_message,
    form_values,
    message_from_form,
    message_values,
    rule_from_form,
    whole_number,
)
from web.console.trace_view import Explained, explain
from web.console.wording import label
from web.deps import RuleBookDep, SettingsDep, TriageDep

PAGE = "/console/rules"
SHOWN_VERSIONS = 50
router = APIRouter(prefix="/rules")
RuleName = Annotated[str, Form()]


def _context(staff: Staff) -> dict[str, Any]:
    """What the rules templates need to know of the viewer's role."""
    return {
        "may_edit": at_least(staff.agent, "admin"),
        "may_try": at_least(staff.agent, "supervisor"),
    }


def _no_rule(name: str) -> Phrase:
    return N_("There is no rule named '%(rule)s'; pick one from the rule list.", rule=name)


def _explained(decision: Decision | None) -> Explained | None:
    return None if decision is None else explain(decision.trace_as_json())


# ---- the rule list ---------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def rules_page(request: Request, staff: Viewer, book: RuleBookDep) -> HTMLResponse:
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


async def _changed(what: Phrase, change: Awaitable[ActiveVersion]) -> RedirectResponse:
    """Run a rule book change; back to the list with what happened (or why not)."""
    try:
        active = await change
    except ComplaintBotError as error:
        return redirect(PAGE, ("error", N_("Nothing was changed: %(error)s.", error=reason(error))))
    done = N_("%(what)s; version %(version)s is active.", what=what, version=active.version)
    return redirect(PAGE, ("ok", done))


@router.post("/move")
async def move(
    staff: AdminActor, book: RuleBookDep, rule: RuleName, position: Annotated[int, Form()]
) -> RedirectResponse:
    change = book.move_rule(rule, position, staff.agent.name)
    moved = N_("Moved '%(rule)s' to position %(position)s", rule=rule, position=position)
    return await _changed(moved, change)


@router.post("/enable")
async def enable(
    staff: AdminActor, book: RuleBookDep, rule: RuleName, enabled: Annotated[bool, Form()]
) -> RedirectResponse:
    change = book.enable_rule(rule, enabled, staff.agent.name)
    done = N_("Enabled '%(rule)s'", rule=rule) if enabled else N_("Disabled '%(rule)s'", rule=rule)
    return await _changed(done, change)


@router.get("/delete", response_class=HTMLResponse)
async def delete_page(
    request: Request, staff: AdminViewer, book: RuleBookDep, rule: str = ""
) -> HTMLResponse:
    """The confirmation a deletion needs: what the rule does, and the version to roll back to."""
    active = await book.active()
    rules = RuleSetView.of(await book.tables(active.version)).rules
    position = next((i for i, found in enumerate(rules, 1) if found["name"] == rule), None)
    if position is None:
        raise ConsoleRefusal(404, _no_rule(rule))
    context = {"rule": rules[position - 1], "position": position, "count": len(rules)}
    return render(
        request,
        "rules_delete.html",
        context | {"active": active},
        agent=staff.agent,
        csrf=staff.csrf,
    )


@router.post("/delete")
async def delete(
    staff: AdminActor,
    book: RuleBookDep,
    rule: RuleName,
    confirm: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Deletes only from the confirmation page's form (`confirm=delete`); any other post of
    this form is sent to that page, and nothing changes."""
    if confirm != "delete":
        return redirect(f"{PAGE}/delete?{urlencode({'rule': rule})}")
    change = book.remove_rule(rule, staff.agent.name)
    return await _changed(N_("Deleted '%(rule)s'", rule=rule), change)


@router.post("/rollback")
async def rollback(
    staff: AdminActor, book: RuleBookDep, version: Annotated[int, Form()]
) -> RedirectResponse:
    change = book.rollback(version, staff.agent.name)
    return await _changed(N_("Rolled back to version %(version)s", version=version), change)


@router.post("/import")
async def import_toml(
    staff: AdminActor,
    book: RuleBookDep,
    toml: Annotated[str, Form()] = "",
    file: UploadFile | None = None,
) -> RedirectResponse:
    """The uploaded file if one was chosen, else the pasted text."""
    raw = await file.read(MAX_IMPORT_BYTES + 1) if file is not None and file.filename else b""
    if len(raw) > MAX_IMPORT_BYTES or len(toml.encode()) > MAX_IMPORT_BYTES:
        too_big = N_("Nothing was imported: over %(most)s.", most=Size.of_bytes(MAX_IMPORT_BYTES))
        return redirect(PAGE, ("error", too_big))
    try:
        text = raw.decode() if raw else toml
    except UnicodeDecodeError:
        return redirect(PAGE, ("error", N_("Nothing was imported: the file must be UTF-8 text.")))
    if not text.strip():
        empty = N_("Nothing was imported: paste the TOML or choose a file.")
        return redirect(PAGE, ("error", empty))
    change = book.import_toml(text, staff.agent.name)
    return await _changed(N_("Imported the TOML"), change)


# ---- editing one rule, with its dry run and backtest ----------------------------------------


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
    error: Shown = "",
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
            "limits": TEXT_LIMITS,
            "decision": decision,
            "explained": _explained(decision),
            "tested": tested,
            "error": error,
        },
        agent=staff.agent,
        csrf=staff.csrf,
        status=status,
    )


@router.get("/edit", response_class=HTMLResponse)
async def edit_page(
    request: Request, staff: AdminViewer, book: RuleBookDep, name: str = ""
) -> HTMLResponse:
    """`?name=` edits that rule; no name: a new rule."""
    view = RuleSetView.of(await book.tables())
    if not name:
        return _edit_page(request, staff, view, form_values("", None, {"name": ""}))
    rule = next((rule for rule in view.rules if rule["name"] == name), None)
    if rule is None:
        raise ConsoleRefusal(404, _no_rule(name))
    return _edit_page(request, staff, view, form_values(name, None, rule))


@router.post("/edit", response_model=None)
async def edit(
    request: Request,
    staff: AdminActor,
    book: RuleBookDep,
    settings: SettingsDep,
    triage: TriageDep,
) -> HTMLResponse | RedirectResponse:
    """action=dry_run or backtest: try the rule set with this rule; action=publish: save it."""
    form = await request.form()
    tables = await book.tables()
    view = RuleSetView.of(tables)
    original = str(form.get("original", ""))
    action = str(form.get("action", "dry_run"))
    shown = message_values(form)
    try:
        position = whole_number(form, "position")
        rule = rule_from_form(form)
    except ComplaintBotError as error:
        blank: dict[str, Any] = {"original": original, "position": None, **shown}
        blank["rule"] = full_rule({"name": ""})
        return _edit_page(request, staff, view, blank, error=reason(error), status=422)
    values = {"original": original, "position": position, "rule": full_rule(rule), **shown}
    try:
        if action == "publish":
            if original:
                active = await book.replace_rule(original, rule, staff.agent.name)
            else:
                active = await book.add_rule(rule, staff.agent.name, position)
            done = N_(
                "Published '%(rule)s'; version %(version)s is active.",
                rule=rule["name"],
                version=active.version,
            )
            return redirect(PAGE, ("ok", done))
        draft = await rule_set_to_try(book, _draft(tables, original, rule, position)["rules"])
        if action == "backtest":
            last = whole_number(form, "last") or DEFAULT_LAST
            tested = await backtest(
                book.database,
                book.current,
                draft,
                settings.service_levels,
                last,
                model=triage.current,
            )
            return _edit_page(request, staff, view, values, tested=tested)
        decision = dry_run(
            message_from_form(form),
            draft,
            settings.service_levels,
            book.clock.now(),
            settings.default_language,
            model=triage.current,
        )
        return _edit_page(request, staff, view, values, decision=decision)
    except ComplaintBotError as error:
        why = reason(error)
        if action == "publish":
            said = N_("Nothing was saved: %(error)s.", error=why)
        else:
            said = N_("Could not try the rule: %(error)s.", error=why)
        return _edit_page(request, staff, view, values, error=said, status=422)


# ---- a dry run on the active rules ------------------------------------------------------------


def _may_try(staff: Staff) -> None:
    if not at_least(staff.agent, "supervisor"):
        refusal = N_(
            "Dry runs need the supervisor role; you are %(yours)s.",
            yours=label("role", staff.agent.role),
        )
        raise ConsoleRefusal(403, refusal)


def _try_page(
    request: Request,
    staff: Staff,
    version: int,
    form: Mapping[str, Any],
    decision: Decision | None = None,
    error: Shown = "",
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
            "explained": _explained(decision),
            "error": error,
            "version": version,
        },
        agent=staff.agent,
        csrf=staff.csrf,
        status=status,
    )


@router.get("/try", response_class=HTMLResponse)
async def try_page(request: Request, staff: Viewer, book: RuleBookDep) -> HTMLResponse:
    _may_try(staff)
    return _try_page(request, staff, book.current.version, blank_message())


@router.post("/try", response_class=HTMLResponse)
async def try_message(
    request: Request,
    staff: SupervisorActor,
    book: RuleBookDep,
    settings: SettingsDep,
    triage: TriageDep,
) -> HTMLResponse:
    """How a message would route under the active rules, with the trace (changes nothing)."""
    form = await request.form()
    shown = message_values(form)
    try:
        decision = dry_run(
            message_from_form(form),
            book.current,
            settings.service_levels,
            book.clock.now(),
            settings.default_language,
            model=triage.current,
        )
    except ComplaintBotError as error:
        said = N_("%(reason)s.", reason=reason(error))
        return _try_page(request, staff, book.current.version, shown, error=said, status=422)
    return _try_page(request, staff, book.current.version, shown, decision)
