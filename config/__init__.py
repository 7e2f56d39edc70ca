"""settings.toml, parsed once at start into typed, frozen objects that are passed down.

Each section of the file is a pydantic model owned by the package it configures (the channels'
beside their adapters, `[outbox]` in outbox/settings.py, and so on; the wiring's own in
`config.sections`). `load_settings` reads the file, hands the routing tables (departments,
categories, routing, rules) to the router (`router.rules.load_rule_set`) and every other table to
its model (`config.reading`: `${NAME}` from the environment, durations, unknown keys refused with
the nearest valid name), then assembles one `Settings`.

A bad file stops start-up with a one-line `SettingsError` naming the file, the key and the reason.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from admin.settings import AgentSettings, TriageSettings
from channels.email.settings import EmailSettings
from channels.telegram.settings import TelegramSettings
from channels.webhook.settings import WebhookSource
from complaints.errors import RuleError, SettingsError
from config.reading import parse_duration, read_table, settings_error
from config.sections import BusinessHoursSettings, GradeSettings, SettingsFile
from intake.settings import DuplicateSettings
from observe.settings import LogSettings, MetricsSettings
from outbox.settings import CustomerZones, Localized, OutboxSettings
from router import GRADES, RuleSet, ServiceLevel, load_rule_set
from router.calendar import CalendarError, WorkingCalendar, parse_calendar
from router.rules import ROUTING_KEYS, canonical_text
from scheduler.settings import (
    EscalationSettings,
    HotSpotSettings,
    SchedulerSettings,
    SurveySettings,
)
from web.settings import ConsoleSettings

__all__ = ["Settings", "load_settings", "parse_duration"]


@dataclass(frozen=True)
class Settings:
    """What the bot runs with: the sections, assembled, and the rule set."""

    path: Path
    company_name: str
    """A `outbox.settings.Localized`: the default language's form, with every language's."""
    default_language: str
    timezone: ZoneInfo
    customer_zones: CustomerZones
    """`[bot] customer_timezones`, `timezone` for the languages it does not name."""
    store_url: str
    busy_timeout: timedelta
    synchronous: Literal["full", "normal"]
    takeover_every: timedelta
    http_host: str
    http_port: int
    http_access_log: bool
    webhook_max_body_bytes: int
    webhook_sources: Mapping[str, WebhookSource]
    max_attachment_bytes: int
    max_attachments: int
    service_levels: Mapping[str, ServiceLevel]
    outbox: OutboxSettings
    templates_dir: Path | None
    """The folder replacing shipped reply templates file by file; None: the shipped ones."""
    email: EmailSettings
    telegram: TelegramSettings
    agents: tuple[AgentSettings, ...]
    survey: SurveySettings
    escalation: EscalationSettings
    scheduler: SchedulerSettings
    console: ConsoleSettings
    duplicates: DuplicateSettings
    hot_spots: HotSpotSettings
    triage: TriageSettings
    rules: RuleSet
    rules_text: str
    """The routing part of the file as written, kept so the store can version it."""
    log: LogSettings
    metrics: MetricsSettings


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the settings file: {error.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    try:
        rules = load_rule_set({key: data.get(key, {}) for key in ROUTING_KEYS}, path, text)
    except RuleError as error:
        raise SettingsError(str(error)) from None
    sections = {key: value for key, value in data.items() if key not in ROUTING_KEYS}
    file = read_table(SettingsFile, sections, path, environ, also_known=ROUTING_KEYS)
    return _assemble(path, file, rules, canonical_text(data))


def _company(file: SettingsFile) -> Localized:
    """`[bot] company_name`: said in the reader's language in what they read (letters, the
    From of their mail), in the default language where no language is at hand."""
    name, language = file.bot.company_name, file.bot.default_language
    if isinstance(name, str):
        return Localized(name)
    return Localized(name[language], name)


def _assemble(path: Path, file: SettingsFile, rules: RuleSet, rules_text: str) -> Settings:
    base = path.parent
    company = _company(file)
    email = file.email
    if "display_name" not in email.model_fields_set:  # the From names the company as it signs
        default = file.bot.default_language  # first: the name of mail with no language
        forms = {default: company.in_language(default), **company.forms} if company.forms else {}
        email = email.model_copy(update={"display_name": forms or str(company)})
    return Settings(
        path=path,
        company_name=company,
        default_language=file.bot.default_language,
        timezone=ZoneInfo(file.bot.timezone),
        customer_zones=CustomerZones(
            ZoneInfo(file.bot.timezone),
            {language: ZoneInfo(zone) for language, zone in file.bot.customer_timezones.items()},
        ),
        store_url=_store_url(file.store.url, base),
        busy_timeout=file.store.busy_timeout,
        synchronous=file.store.synchronous,
        takeover_every=file.store.takeover_every,
        http_host=file.http.host,
        http_port=file.http.port,
        http_access_log=file.http.access_log,
        webhook_max_body_bytes=file.webhook.max_body_bytes,
        webhook_sources=file.webhook.sources,
        max_attachment_bytes=file.intake.max_attachment_bytes,
        max_attachments=file.intake.max_attachments,
        service_levels=_service_levels(path, file),
        outbox=file.outbox,
        templates_dir=_templates_dir(path, file.templates.dir),
        email=email,
        telegram=file.telegram,
        agents=_agents(path, file.agents, rules),
        survey=file.survey,
        escalation=file.escalation,
        scheduler=file.scheduler,
        console=file.console,
        duplicates=file.duplicates,
        hot_spots=file.hot_spots,
        triage=file.triage,
        rules=rules,
        rules_text=rules_text,
        log=file.log,
        metrics=file.metrics,
    )


def _store_url(url: str, base: Path) -> str:
    """A relative SQLite path made absolute against the settings file's folder."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative != ":memory:":
            return f"sqlite:///{(base / relative).resolve()}"
    return url


def _templates_dir(path: Path, written: str) -> Path | None:
    """A relative folder is relative to the settings file, like the store's path, so a copied
    settings file finds the folder copied beside it."""
    if not written:
        return None
    folder = (path.parent / written).resolve()
    if not folder.is_dir():
        reason = (
            f"{folder} is not a folder; create it with the templates you change, "
            'or set dir = "" to use the shipped ones'
        )
        raise settings_error(path, ("templates", "dir"), reason)
    return folder


def _service_levels(path: Path, file: SettingsFile) -> dict[str, ServiceLevel]:
    calendar = _calendar(path, file.business_hours)
    levels = {}
    for grade in GRADES:
        level: GradeSettings = getattr(file.grades, grade)
        if level.working_time and calendar is None:
            raise settings_error(
                path,
                ("grades", grade, "working_time"),
                "needs a [business_hours] table (timezone, hours, holidays)",
            )
        levels[grade] = ServiceLevel(
            first_response=level.first_response,
            resolution=level.resolution,
            calendar=calendar if level.working_time else None,
            progress_every=level.progress_every,
            repeat_unchanged=level.repeat_unchanged,
        )
    return levels


def _calendar(path: Path, hours: BusinessHoursSettings | None) -> WorkingCalendar | None:
    if hours is None:
        return None
    try:
        return parse_calendar(hours.timezone, hours.hours, hours.holidays)
    except CalendarError as error:
        raise settings_error(path, ("business_hours", error.setting), error.reason) from None


def _agents(
    path: Path, agents: tuple[AgentSettings, ...], rules: RuleSet
) -> tuple[AgentSettings, ...]:
    for number, agent in enumerate(agents, start=1):
        unknown = set(agent.departments) - set(rules.departments)
        if unknown:
            raise settings_error(
                path,
                ("agents", str(number), "departments"),
                f"unknown department(s) {sorted(unknown)}",
            )
    return agents


SHIPPED_WEBHOOK_SECRET = "change-me-to-a-long-random-secret"  # noqa: S105 (to warn about it)
SHIPPED_SIGNING_SECRET = "change-me-to-another-long-random-secret"  # noqa: S105


def shipped_secrets(settings: Settings) -> list[str]:
    """Warnings for the example secrets of the shipped settings.toml still in use."""
    warnings = []
    if settings.email.enabled and settings.email.signing_secret == SHIPPED_SIGNING_SECRET:
        warnings.append(
            "[email] signing_secret is still the example from settings.toml; set a long random "
            "one so nobody can forge the bot's Message-IDs"
        )
    warnings += [
        f"webhook source {source.name!r} still uses the example secret from settings.toml; "
        "set a long random one before exposing the bot"
        for source in settings.webhook_sources.values()
        if source.secret == SHIPPED_WEBHOOK_SECRET
    ]
    return warnings
