"""Trying routing rules before publishing them, over the API: a dry run of one message (the
active rules, a stored version or a draft, with the triage model as intake uses it) and a
backtest over recent complaints. Supervisors may dry-run; the backtest lists complaints of
every department, so it is for admins. The work is done by `admin.rule_trials`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, field_validator

from admin.rule_trials import MAX_BACKTEST, TrialMessage, backtest, dry_run, rule_set_to_try
from complaints.addresses import CHANNELS
from complaints.clock import Moment
from router import Decision
from router.rule_checks import unknown_channel
from web.api_rules import Rule
from web.auth import AdminUser, SupervisorUser
from web.bodies import Body, RowId
from web.deps import RuleBookDep, SettingsDep, TriageDep

router = APIRouter(prefix="/api", tags=["rules"])


class Effect(BaseModel):
    field: str
    value: str
    applied: bool
    note: str
    decided_by: Annotated[str, Field(description="the higher rule that had set the field")] = ""


class TraceStep(BaseModel):
    rule: str
    matched: bool
    detail: str
    effects: list[Effect]
    reason: Annotated[str, Field(description="a code of router.decide.REASONS")] = ""
    found: Annotated[list[str], Field(description="the matched words, as written")] = []
    facts: Annotated[dict[str, str], Field(description="the values the reason speaks of")] = {}


class DryRunIn(Body):
    text: Annotated[str, Field(max_length=20_000)]
    subject: Annotated[str, Field(max_length=1000)] = ""
    channel: Annotated[str, Field(description=f"one of {', '.join(CHANNELS)}")] = "webhook"
    language: Annotated[str, Field(description="zh-Hans, zh-Hant, es, en; empty: detect")] = ""
    tier: str = ""
    has_attachment: bool = False
    earlier_complaints: Annotated[
        int, Field(ge=0, le=1000, description="earlier complaints, as if made yesterday")
    ] = 0
    rules: Annotated[
        list[Rule] | None, Field(description="a draft rule list; default: the active rules")
    ] = None
    version: Annotated[RowId | None, Field(description="or a stored version to try")] = None

    @field_validator("channel")
    @classmethod
    def _a_channel(cls, channel: str) -> str:
        """A channel no complaint can come by would route as if by none, silently."""
        refused = unknown_channel(channel)
        if refused:
            raise ValueError(refused)
        return channel


class DecisionOut(BaseModel):
    category: str
    department: str
    grade: str
    language: str
    tags: list[str]
    rule_set_version: Annotated[int, Field(description="0 for a draft")]
    first_response_due: Moment
    resolution_due: Moment
    trace: list[TraceStep]

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            category=decision.category,
            department=decision.department,
            grade=decision.grade,
            language=decision.language,
            tags=list(decision.tags),
            rule_set_version=decision.rule_set_version,
            first_response_due=decision.first_response_due,
            resolution_due=decision.resolution_due,
            trace=[TraceStep(**step) for step in decision.trace_as_json()],
        )


class BacktestIn(Body):
    rules: Annotated[list[Rule] | None, Field(description="the draft rule list to try")] = None
    version: Annotated[RowId | None, Field(description="or a stored version to try")] = None
    last: Annotated[int, Field(ge=1, le=MAX_BACKTEST, description="newest complaints")] = 200


class RoutingOut(BaseModel):
    category: str
    department: str
    grade: str


class ChangedOut(BaseModel):
    number: str
    routed_by: Annotated[int, Field(description="the version that routed it on arrival")]
    before: Annotated[RoutingOut, Field(description="under the active rules")]
    after: Annotated[RoutingOut, Field(description="under the draft")]


class BacktestOut(BaseModel):
    examined: int
    active_version: int
    changed: list[ChangedOut]


@router.post(
    "/rules/dry-run",
    summary="How a message would route, with the trace (active rules, a version or a draft)",
)
async def dry_run_message(
    body: DryRunIn,
    user: SupervisorUser,
    book: RuleBookDep,
    settings: SettingsDep,
    triage: TriageDep,
) -> DecisionOut:
    drafted = None if body.rules is None else [rule.table() for rule in body.rules]
    rules = await rule_set_to_try(book, drafted, body.version)
    message = TrialMessage(**body.model_dump(exclude={"rules", "version"}))
    decision = dry_run(
        message,
        rules,
        settings.service_levels,
        book.clock.now(),
        settings.default_language,
        model=triage.current,
    )
    return DecisionOut.of(decision)


@router.post(
    "/rules/backtest",
    summary="Replay a draft (or a version) over recent complaints; list what would route "
    "differently. Changes nothing.",
)
async def backtest_rules(
    body: BacktestIn,
    admin: AdminUser,
    book: RuleBookDep,
    settings: SettingsDep,
    triage: TriageDep,
) -> BacktestOut:
    if (body.rules is None) == (body.version is None):
        raise HTTPException(422, "send either rules (a draft rule list) or version, not both")
    drafted = None if body.rules is None else [rule.table() for rule in body.rules]
    draft = await rule_set_to_try(book, drafted, body.version)
    result = await backtest(
        book.database,
        book.current,
        draft,
        settings.service_levels,
        body.last,
        model=triage.current,
    )
    return BacktestOut(
        examined=result.examined,
        active_version=result.active_version,
        changed=[
            ChangedOut(
                number=item.number,
                routed_by=item.routed_by,
                before=RoutingOut(**asdict(item.before)),
                after=RoutingOut(**asdict(item.after)),
            )
            for item in result.changed
        ],
    )
