"""The sections of settings.toml that only the wiring reads, and the file as a whole.

`[bot]`, `[store]`, `[http]` and `[templates]` are flattened into `config.Settings` for bot.py;
`[grades.*]` and `[business_hours]` become the router's service levels. Every other section is
the model of the package it configures, imported here to make up `SettingsFile`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from admin.settings import AgentSettings, TriageSettings
from channels.email.settings import EmailSettings
from channels.telegram.settings import TelegramSettings
from channels.webhook.settings import WebhookSettings
from complaints.durations import PositiveDuration
from complaints.languages import SUPPORTED, one_per_language
from intake.settings import DuplicateSettings, IntakeSettings
from observe.settings import LogSettings, MetricsSettings
from outbox.settings import OutboxSettings
from router import GRADES
from scheduler.settings import (
    EscalationSettings,
    HotSpotSettings,
    SchedulerSettings,
    SurveySettings,
)
from web.settings import ConsoleSettings


class BotSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    company_name: str | dict[str, str] = "Customer care"
    """One name, or a table of one per language (all of them), as departments' names."""
    default_language: str = "en"
    timezone: str = "UTC"
    customer_timezones: dict[str, str] = {}
    """Where a language's customers read times, when not in `timezone` (by language)."""

    @field_validator("company_name", mode="before")
    @classmethod
    def _company_name(cls, value: object) -> str | dict[str, str]:
        return one_per_language(value)

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in SUPPORTED:
            raise ValueError(f"must be one of {', '.join(SUPPORTED)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _zone(value)

    @field_validator("customer_timezones")
    @classmethod
    def _customer_timezones(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(SUPPORTED))
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; languages: {', '.join(SUPPORTED)}")
        return {language: _zone(zone) for language, zone in value.items()}


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'{value!r} is not an IANA time zone, such as "Europe/Madrid"') from None
    return value


STORE_URL_SCHEMES = ("sqlite:///", "postgresql://", "postgresql+psycopg://", "postgres://")
"""How a [store] url may begin: SQLite with a path, PostgreSQL with the psycopg driver
(store.database.engine_url gives `postgresql://` and `postgres://` that driver)."""


class StoreSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = "sqlite:///data/complaints.db"
    """A relative SQLite path is relative to the settings file."""
    busy_timeout: timedelta = timedelta(seconds=5)
    synchronous: Literal["full", "normal"] = "full"
    """SQLite only: "full" syncs every commit to disk, so an acknowledged complaint survives a
    power cut; "normal" is faster and may lose the last acknowledged ones then."""
    takeover_every: PositiveDuration = timedelta(seconds=5)
    """With several instances on PostgreSQL: how often one that does not run a poller
    (Telegram, IMAP) tries to take it over, and how often the one that runs it checks its hold."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        """Only the two stores the bot runs on: anything else would pass check-config and
        stop `run` with a traceback from the database driver."""
        if value.startswith(STORE_URL_SCHEMES) and value.partition("://")[2].strip("/"):
            return value
        scheme, separator, _ = value.partition("://")
        # only the scheme is repeated: the rest of a URL may hold a password
        said = f"{scheme}://…" if separator else repr(value)
        raise ValueError(
            "must be sqlite:///path/to/complaints.db (relative to this file; sqlite://// "
            "before an absolute path) or postgresql://user:password@host/database (or "
            f"postgresql+psycopg://…), not {said}"
        )


class HttpSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    access_log: bool = False
    """uvicorn's line per HTTP request. Off by default: intake already logs one line per
    message (with its complaint number), and the access line costs every request time."""


class TemplatesSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dir: str = ""
    """A folder whose files replace the shipped templates one by one, relative to the settings
    file; empty: the shipped templates only."""


class GradeSettings(BaseModel):
    """One grade's service level; becomes a `router.ServiceLevel`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_response: PositiveDuration
    resolution: PositiveDuration
    working_time: bool = False
    """Count the durations in [business_hours] only."""
    progress_every: PositiveDuration = timedelta(hours=24)
    repeat_unchanged: timedelta = timedelta(days=3)
    """A progress update saying the very same as the last one is held back this long."""


GradesSettings = create_model(
    "GradesSettings",
    __config__=ConfigDict(frozen=True, extra="forbid"),
    **{grade: (GradeSettings, ...) for grade in GRADES},  # type: ignore[call-overload]
)
"""[grades.general], [grades.important], [grades.urgent]: built from `router.GRADES`."""


class BusinessHoursSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "UTC"
    hours: dict[str, list[str]] = {}
    holidays: list[str] = []
    """Written "2026-12-25", or unquoted 2026-12-25 (a TOML date: the same day)."""

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return [day.isoformat() if type(day) is date else day for day in value]
        return value


class SettingsFile(BaseModel):
    """Every section of settings.toml but the routing tables, as written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bot: BotSettings
    store: StoreSettings
    http: HttpSettings
    webhook: WebhookSettings
    intake: IntakeSettings
    templates: TemplatesSettings
    grades: GradesSettings  # type: ignore[valid-type]
    business_hours: BusinessHoursSettings | None = None
    survey: SurveySettings
    escalation: EscalationSettings
    scheduler: SchedulerSettings
    outbox: OutboxSettings
    console: ConsoleSettings
    duplicates: DuplicateSettings
    hot_spots: HotSpotSettings
    email: EmailSettings
    telegram: TelegramSettings
    agents: tuple[AgentSettings, ...] = ()
    log: LogSettings
    metrics: MetricsSettings
    triage: TriageSettings = TriageSettings()
