"""Routing rules for admins: view, edit, reorder, disable, versions, rollback, TOML import and
export (trying rules, the dry run and the backtest, are `web.api_rule_trials`).

Any staff member may read the rules and their versions (agents want to know why a complaint
routed as it did); supervisors may also dry-run a message; everything that changes rules, the
backtest (it lists complaints of every department) and the export (it carries department
contact settings) are for admins. The work is done by `admin.rule_book` and `admin.rule_trials`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from admin.rule_book import ActiveVersion, RuleBook, RuleSetView, VersionInfo
from complaints.clock import Moment
from complaints.sizes import readable_size
from router.rule_checks import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_PATTERN,
    MAX_TAGS,
    MAX_TERM,
    MAX_TERMS,
    MAX_TIERS,
)
from web.api_docs import refusals
from web.auth import AdminUser, AgentUser
from web.bodies import Body, RowId
from web.deps import RuleBookDep

router = APIRouter(prefix="/api", tags=["rules"])
MAX_IMPORT_BYTES = 1 << 20
TOML_TYPES = ("application/toml", "text/plain")
Term = Annotated[str, Field(max_length=MAX_TERM)]
Terms = Annotated[list[Term], Field(max_length=MAX_TERMS)]


class Rule(BaseModel):
    """A routing rule with the keys of a settings.toml [[rules]] table. Conditions (all must
    hold): keywords, pattern (qualified by unless and unless_negated), fields, channel, language,
    tier, has_attachment, repeat; a rule needs at least one of keywords, pattern, channel,
    language, tier, has_attachment, repeat. Actions:
    category, department, grade, min_grade, raise_grade, tags. Unknown keys are refused."""

    model_config = ConfigDict(extra="allow")

    name: Annotated[str, Field(max_length=MAX_NAME)]
    enabled: bool = True
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = ""
    keywords: Terms = []
    pattern: Annotated[
        str,
        Field(
            max_length=MAX_PATTERN,
            description="a regular expression, case-insensitive; a repeat inside a repeat, "
            "e.g. (a+)+, is refused",
        ),
    ] = ""
    unless: Annotated[
        Terms,
        Field(description='phrases holding a keyword in another sense ("fire tv"): not counted'),
    ] = []
    unless_negated: Annotated[
        bool, Field(description='a keyword right after a negation ("no injury") does not count')
    ] = False
    fields: Annotated[list[str], Field(description="where to look: subject, text")] = [
        "subject",
        "text",
    ]
    channel: list[str] = []
    language: list[str] = []
    tier: Annotated[list[Term], Field(max_length=MAX_TIERS)] = []
    has_attachment: bool | None = None
    repeat: Annotated[
        dict[str, int] | None,
        Field(description="{at_least: N, within_days: D}: the customer's earlier complaints"),
    ] = None
    category: str = ""
    department: str = ""
    grade: str = ""
    min_grade: str = ""
    raise_grade: bool = False
    tags: Annotated[list[Term], Field(max_length=MAX_TAGS)] = []

    def table(self) -> dict[str, Any]:
        """The keys the client sent (and any unknown ones, which validation names)."""
        return self.model_dump(exclude_unset=True)


class CategoryOut(BaseModel):
    key: str
    department: str
    names: dict[str, str]


class DepartmentOut(BaseModel):
    key: str
    names: dict[str, str]


class RuleSetOut(BaseModel):
    rules: list[Rule]
    categories: list[CategoryOut]
    departments: list[DepartmentOut]

    @staticmethod
    def fields_of(view: RuleSetView) -> dict[str, Any]:
        return {
            "rules": [Rule(**rule) for rule in view.rules],
            "categories": [
                CategoryOut(key=c.key, department=c.department, names=dict(c.names))
                for c in view.categories.values()
            ],
            "departments": [
                DepartmentOut(key=d.key, names=dict(d.names)) for d in view.departments.values()
            ],
        }


class ActiveRulesOut(RuleSetOut):
    version: int
    origin: Annotated[str, Field(description="settings, console, import or rollback")]
    changed_at: Moment
    changed_by: str
    settings_version: Annotated[int, Field(description="the version settings.toml holds")]
    agrees_with_settings: bool
    which_wins: Annotated[str, Field(description="which rules route, and why")]

    @classmethod
    def of(cls, active: ActiveVersion, view: RuleSetView) -> ActiveRulesOut:
        return cls(
            version=active.version,
            origin=active.origin,
            changed_at=active.changed_at,
            changed_by=active.changed_by,
            settings_version=active.settings_version,
            agrees_with_settings=active.agrees_with_settings,
            which_wins=active.which_wins,
            **cls.fields_of(view),
        )


class VersionOut(BaseModel):
    version: int
    origin: str
    author: str
    note: str
    created_at: Moment
    active: bool

    @classmethod
    def of(cls, info: VersionInfo) -> VersionOut:
        return cls(**asdict(info))


class VersionDetail(VersionOut, RuleSetOut):
    pass


class Move(Body):
    position: Annotated[int, Field(ge=1, description="1 is evaluated first")]


async def _answer(book: RuleBook, active: ActiveVersion) -> ActiveRulesOut:
    return ActiveRulesOut.of(active, RuleSetView.of(await book.tables(active.version)))


@router.get("/rules", summary="The active rules, their version, and whether settings.toml agrees")
async def active_rules(agent: AgentUser, book: RuleBookDep) -> ActiveRulesOut:
    return await _answer(book, await book.active())


@router.post("/rules", status_code=201, summary="Add a rule (a new version, active at once)")
async def add_rule(
    admin: AdminUser,
    book: RuleBookDep,
    rule: Rule,
    position: Annotated[int | None, Query(ge=1, description="1 = first; default: last")] = None,
) -> ActiveRulesOut:
    return await _answer(book, await book.add_rule(rule.table(), admin.name, position))


@router.put("/rules", summary="Replace the whole rule list (a new version, active at once)")
async def replace_rules(admin: AdminUser, book: RuleBookDep, rules: list[Rule]) -> ActiveRulesOut:
    tables = [rule.table() for rule in rules]
    return await _answer(book, await book.replace_rules(tables, admin.name))


@router.put("/rules/{name}", summary="Replace one rule (it may be renamed)")
async def replace_rule(
    name: str, admin: AdminUser, book: RuleBookDep, rule: Rule
) -> ActiveRulesOut:
    return await _answer(book, await book.replace_rule(name, rule.table(), admin.name))


@router.post("/rules/{name}/move", summary="Move a rule to another position in the order")
async def move_rule(name: str, admin: AdminUser, book: RuleBookDep, move: Move) -> ActiveRulesOut:
    return await _answer(book, await book.move_rule(name, move.position, admin.name))


@router.post("/rules/{name}/enable", summary="Enable a rule")
async def enable_rule(name: str, admin: AdminUser, book: RuleBookDep) -> ActiveRulesOut:
    return await _answer(book, await book.enable_rule(name, True, admin.name))


@router.post("/rules/{name}/disable", summary="Disable a rule (kept, but skipped in routing)")
async def disable_rule(name: str, admin: AdminUser, book: RuleBookDep) -> ActiveRulesOut:
    return await _answer(book, await book.enable_rule(name, False, admin.name))


@router.delete("/rules/{name}", summary="Delete a rule")
async def delete_rule(name: str, admin: AdminUser, book: RuleBookDep) -> ActiveRulesOut:
    return await _answer(book, await book.remove_rule(name, admin.name))


@router.get("/rules/versions", summary="Every stored rule set version, newest first")
async def versions(agent: AgentUser, book: RuleBookDep) -> list[VersionOut]:
    return [VersionOut.of(info) for info in await book.versions()]


@router.get("/rules/versions/{version}", summary="One version and its rules")
async def version_detail(version: RowId, agent: AgentUser, book: RuleBookDep) -> VersionDetail:
    info = await book.version(version)
    view = RuleSetView.of(await book.tables(version))
    return VersionDetail(**VersionOut.of(info).model_dump(), **RuleSetOut.fields_of(view))


@router.post(
    "/rules/versions/{version}/rollback",
    summary="Make an earlier version active again (it keeps its number; origin rollback)",
)
async def rollback(version: RowId, admin: AdminUser, book: RuleBookDep) -> ActiveRulesOut:
    return await _answer(book, await book.rollback(version, admin.name))


@router.get(
    "/rules/export",
    summary="The active rules (or a version) as TOML to paste into settings.toml",
    response_class=Response,
    responses={200: {"content": {"application/toml": {"schema": {"type": "string"}}}}},
)
async def export_rules(
    admin: AdminUser, book: RuleBookDep, version: RowId | None = None
) -> Response:
    text = await book.export_toml(version)
    return Response(
        text,
        media_type="application/toml",
        headers={"Content-Disposition": 'attachment; filename="rules.toml"'},
    )


@router.post(
    "/rules/import",
    summary="Make TOML routing tables the active rules (origin import)",
    responses=refusals(413, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {media: {"schema": {"type": "string"}} for media in TOML_TYPES},
        }
    },
)
async def import_rules(request: Request, admin: AdminUser, book: RuleBookDep) -> ActiveRulesOut:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in TOML_TYPES:
        raise HTTPException(415, "send the TOML as the body with Content-Type: application/toml")
    too_big = HTTPException(413, f"the TOML is over {readable_size(MAX_IMPORT_BYTES)}; send less")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise too_big
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise too_big
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise HTTPException(422, "the TOML must be UTF-8 text") from None
    return await _answer(book, await book.import_toml(text, admin.name))
