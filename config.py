"""settings.toml, parsed once at start into typed, frozen objects that are passed down.

A bad file stops start-up with a `SettingsError` naming the file, the key and what to do.
A string value written as `${NAME}` is read from the environment variable NAME, so secrets
need not live in the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from admin.rule_book import ROUTING_KEYS, canonical_text
from channels.email.settings import EmailSettings, ImapSettings, RelaySettings, SmtpServerSettings
from channels.telegram.settings import TelegramSettings
from channels.webhook.settings import WebhookSource
from complaints.errors import RuleError, SettingsError
from router import GRADES, RuleSet, ServiceLevel, load_rule_set
from router.calendar import WorkingCalendar, parse_calendar
from router.language import SUPPORTED
from router.rules import STAFF_ADDRESS


@dataclass(frozen=True)
class OutboxSettings:
    max_attempts: int = 10
    retry_base: timedelta = timedelta(seconds=5)
    retry_max: timedelta = timedelta(hours=1)
    send_timeout: timedelta = timedelta(seconds=10)


@dataclass(frozen=True)
class SurveySettings:
    delay: timedelta = timedelta(days=7)
    reopen_at_or_below: int = 2
    close_after: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class EscalationSettings:
    raise_grade: bool = True
    warn_before: timedelta = timedelta(hours=1)
    levels: tuple[str, ...] = ()
    """Where later misses go, after the department's supervisor: "email:…" or "telegram:…"."""


@dataclass(frozen=True)
class SchedulerSettings:
    sweep_every: timedelta = timedelta(seconds=60)
    batch: int = 500


@dataclass(frozen=True)
class ConsoleSettings:
    session_lifetime: timedelta = timedelta(hours=12)
    secure_cookies: bool = False
    """Mark the session cookie Secure: set it when the console is served over https."""
    approval_above_cents: int = 10000
    """A solution whose amount exceeds this waits for a supervisor's approval."""
    currency: str = "EUR"


@dataclass(frozen=True)
class DuplicateSettings:
    window: timedelta = timedelta(days=2)
    """Complaints of one customer opened on other channels this long apart are compared."""
    similarity: float = 0.6
    """How alike two texts must be (0-1, word overlap) to be flagged as the same complaint."""


@dataclass(frozen=True)
class HotSpotSettings:
    window: timedelta = timedelta(days=1)
    baseline_windows: int = 7
    """The baseline is the mean count of the same category or product over this many earlier
    windows."""
    factor: float = 2.0
    min_count: int = 5
    """A spot needs at least this many complaints in the window, and factor × its baseline."""


@dataclass(frozen=True)
class AgentSettings:
    name: str
    telegram_user_id: int | None
    departments: tuple[str, ...]
    senior: bool = False


@dataclass(frozen=True)
class Settings:
    path: Path
    company_name: str
    default_language: str
    timezone: ZoneInfo
    store_url: str
    busy_timeout: timedelta
    http_host: str
    http_port: int
    webhook_max_body_bytes: int
    webhook_sources: Mapping[str, WebhookSource]
    max_attachment_bytes: int
    max_attachments: int
    service_levels: Mapping[str, ServiceLevel]
    outbox: OutboxSettings
    templates_dir: Path
    email: EmailSettings
    telegram: TelegramSettings
    agents: tuple[AgentSettings, ...]
    survey: SurveySettings
    escalation: EscalationSettings
    scheduler: SchedulerSettings
    console: ConsoleSettings
    duplicates: DuplicateSettings
    hot_spots: HotSpotSettings
    rules: RuleSet
    rules_text: str
    """The routing part of the file as written, kept so the store can version it."""


_DURATION = re.compile(r"^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")
_ENV = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_KINDS = {int: "an integer", str: "a string", bool: "true or false", dict: "a table"}


def parse_duration(value: str) -> timedelta:
    """Parse "2h", "90m", "7d", "1d12h"; raise ValueError on anything else."""
    found = _DURATION.match(value) if isinstance(value, str) else None
    if not found or not any(found.groups()):
        raise ValueError(f"{value!r} is not a duration such as '90m', '8h', '7d' or '1d12h'")
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


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
    reader = _Reader(path, data, environ)
    try:
        rules = load_rule_set({key: data.get(key, {}) for key in ROUTING_KEYS}, path, text)
    except RuleError as error:
        raise SettingsError(str(error)) from None
    base = path.parent
    default_language = reader.get("bot.default_language", "en")
    if default_language not in SUPPORTED:
        raise reader.error("bot.default_language", f"must be one of {', '.join(SUPPORTED)}")
    timezone_name = reader.get("bot.timezone", "UTC")
    try:
        timezone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.error("bot.timezone", f"{timezone_name!r} is not an IANA time zone") from None
    sources = {}
    for name in reader.get("webhook.sources", {}):
        key = f"webhook.sources.{name}"
        secret = reader.get(f"{key}.secret", "")
        if len(secret) < 16:
            raise reader.error(f"{key}.secret", "must be at least 16 characters")
        callback = reader.get(f"{key}.callback_url", "")
        if callback and not callback.startswith(("http://", "https://")):
            raise reader.error(f"{key}.callback_url", "must be an http:// or https:// URL")
        sources[name] = WebhookSource(name, secret, callback)
    calendar = _business_hours(reader)
    levels = {}
    for grade in GRADES:
        working_time = reader.get(f"grades.{grade}.working_time", False)
        if working_time and calendar is None:
            raise reader.error(
                f"grades.{grade}.working_time",
                "needs a [business_hours] table (timezone, hours, holidays)",
            )
        levels[grade] = ServiceLevel(
            first_response=reader.duration(f"grades.{grade}.first_response"),
            resolution=reader.duration(f"grades.{grade}.resolution"),
            calendar=calendar if working_time else None,
            progress_every=reader.duration(f"grades.{grade}.progress_every", "24h"),
        )
    store_url = reader.get("store.url", "sqlite:///data/complaints.db")
    if store_url.startswith("sqlite:///") and not store_url.startswith("sqlite:////"):
        relative = store_url.removeprefix("sqlite:///")
        if relative != ":memory:":
            store_url = f"sqlite:///{(base / relative).resolve()}"
    return Settings(
        path=path,
        company_name=reader.get("bot.company_name", "Customer care"),
        default_language=default_language,
        timezone=timezone,
        store_url=store_url,
        busy_timeout=reader.duration("store.busy_timeout", "5s"),
        http_host=reader.get("http.host", "127.0.0.1"),
        http_port=reader.integer("http.port", 8080, 0, 65535),
        webhook_max_body_bytes=reader.integer("webhook.max_body_bytes", 10 << 20, 1024),
        webhook_sources=sources,
        max_attachment_bytes=reader.integer("intake.max_attachment_bytes", 5 << 20, 1),
        max_attachments=reader.integer("intake.max_attachments", 10, 0),
        service_levels=levels,
        outbox=OutboxSettings(
            max_attempts=reader.integer("outbox.max_attempts", 10, 1),
            retry_base=reader.duration("outbox.retry_base", "5s"),
            retry_max=reader.duration("outbox.retry_max", "1h"),
            send_timeout=reader.duration("outbox.send_timeout", "10s"),
        ),
        templates_dir=(base / reader.get("templates.dir", "templates")).resolve(),
        email=_email(reader, company=reader.get("bot.company_name", "Customer care")),
        telegram=_telegram(reader),
        agents=_agents(reader, rules),
        survey=SurveySettings(
            delay=reader.duration("survey.delay", "7d"),
            reopen_at_or_below=reader.integer("survey.reopen_at_or_below", 2, 0, 5),
            close_after=reader.duration("survey.close_after", "14d"),
        ),
        escalation=_escalation(reader),
        scheduler=SchedulerSettings(
            sweep_every=reader.duration("scheduler.sweep_every", "60s"),
            batch=reader.integer("scheduler.batch", 500, 1),
        ),
        console=_console(reader),
        duplicates=DuplicateSettings(
            window=reader.duration("duplicates.window", "2d"),
            similarity=_fraction(reader, "duplicates.similarity", 0.6),
        ),
        hot_spots=HotSpotSettings(
            window=reader.duration("hot_spots.window", "1d"),
            baseline_windows=reader.integer("hot_spots.baseline_windows", 7, 1, 365),
            factor=_number(reader, "hot_spots.factor", 2.0, low=1.0),
            min_count=reader.integer("hot_spots.min_count", 5, 1),
        ),
        rules=rules,
        rules_text=_routing_text(data),
    )


_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _console(reader: _Reader) -> ConsoleSettings:
    currency = reader.get("console.currency", "EUR")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise reader.error("console.currency", "must be an ISO 4217 code such as EUR or CNY")
    threshold = _number(reader, "console.approval_above", 100.0, low=0.0)
    return ConsoleSettings(
        session_lifetime=reader.duration("console.session_lifetime", "12h"),
        secure_cookies=reader.get("console.secure_cookies", False),
        approval_above_cents=round(threshold * 100),
        currency=currency,
    )


def _number(reader: _Reader, key: str, default: float, low: float) -> float:
    value = _peek(reader, key)
    value = default if value is None else value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise reader.error(key, f"must be a number, not {value!r}")
    if value < low:
        raise reader.error(key, f"must be at least {low:g}")
    return float(value)


def _fraction(reader: _Reader, key: str, default: float) -> float:
    value = _number(reader, key, default, low=0.0)
    if value > 1:
        raise reader.error(key, "must be between 0 and 1")
    return value


def _peek(reader: _Reader, key: str) -> Any:
    """The raw value at `key` (None when absent): integers are accepted where numbers are."""
    node: Any = reader.data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _escalation(reader: _Reader) -> EscalationSettings:
    levels = tuple(reader.get("escalation.levels", []))
    for level in levels:
        if not STAFF_ADDRESS.match(str(level)):
            raise reader.error(
                "escalation.levels",
                f'{level!r} is not "email:someone@example.com" or "telegram:<chat id>"',
            )
    return EscalationSettings(
        raise_grade=reader.get("escalation.raise_grade", True),
        warn_before=reader.duration("escalation.warn_before", "1h"),
        levels=levels,
    )


def _business_hours(reader: _Reader) -> WorkingCalendar | None:
    table = reader.data.get("business_hours")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise reader.error("business_hours", "must be a table")
    try:
        return parse_calendar(
            reader.get("business_hours.timezone", "UTC"),
            reader.get("business_hours.hours", {}),
            reader.get("business_hours.holidays", []),
        )
    except ValueError as error:
        raise reader.error("business_hours.hours", str(error)) from None


def _email(reader: _Reader, company: str) -> EmailSettings:
    address = reader.get("email.address", "complaints@localhost.localdomain").lower()
    aliases = tuple(alias.lower() for alias in reader.get("email.aliases", []))
    for key, value in (("email.address", address), *(("email.aliases", a) for a in aliases)):
        if not _ADDRESS.match(value):
            raise reader.error(key, f"{value!r} is not an e-mail address")
    smtp = SmtpServerSettings(
        enabled=reader.get("email.smtp_server.enabled", True),
        host=reader.get("email.smtp_server.host", "127.0.0.1"),
        port=reader.integer("email.smtp_server.port", 2525, 0, 65535),
        tls_cert=reader.get("email.smtp_server.tls_cert", ""),
        tls_key=reader.get("email.smtp_server.tls_key", ""),
        auth_username=reader.get("email.smtp_server.auth_username", ""),
        auth_password=reader.get("email.smtp_server.auth_password", ""),
    )
    if bool(smtp.tls_cert) != bool(smtp.tls_key):
        raise reader.error("email.smtp_server.tls_cert", "tls_cert and tls_key go together")
    if bool(smtp.auth_username) != bool(smtp.auth_password):
        raise reader.error(
            "email.smtp_server.auth_username", "auth_username and auth_password go together"
        )
    imap_enabled = reader.get("email.imap.enabled", False)
    imap = ImapSettings(
        host=reader.get("email.imap.host", ""),
        port=reader.integer("email.imap.port", 993, 1, 65535),
        ssl=reader.get("email.imap.ssl", True),
        username=reader.get("email.imap.username", ""),
        password=reader.get("email.imap.password", ""),
        folder=reader.get("email.imap.folder", "INBOX"),
        processed_folder=reader.get("email.imap.processed_folder", ""),
        poll_seconds=reader.integer("email.imap.poll_seconds", 60, 1),
    )
    if imap_enabled and not (imap.host and imap.username and imap.password):
        raise reader.error(
            "email.imap.host", "host, username and password are needed when [email.imap] is enabled"
        )
    secret = reader.get("email.signing_secret", "")
    if (smtp.enabled or imap_enabled) and len(secret) < 16:
        raise reader.error(
            "email.signing_secret",
            "must be at least 16 characters: it signs "
            "the bot's Message-IDs so replies thread safely",
        )
    return EmailSettings(
        address=address,
        aliases=aliases,
        display_name=reader.get("email.display_name", company),
        signing_secret=secret,
        max_message_bytes=reader.integer("email.max_message_bytes", 25 << 20, 1024),
        max_replies_per_hour=reader.integer("email.max_replies_per_hour", 5, 1),
        bounces_before_suppression=reader.integer("email.bounces_before_suppression", 3, 1),
        smtp_server=smtp,
        relay=RelaySettings(
            host=reader.get("email.relay.host", "127.0.0.1"),
            port=reader.integer("email.relay.port", 25, 1, 65535),
            starttls=reader.get("email.relay.starttls", False),
            username=reader.get("email.relay.username", ""),
            password=reader.get("email.relay.password", ""),
        ),
        imap_enabled=imap_enabled,
        imap=imap,
    )


_TOKEN = re.compile(r"^\d+:[\w-]{20,}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


def _telegram(reader: _Reader) -> TelegramSettings:
    if not reader.get("telegram.enabled", False):
        return TelegramSettings()
    token = reader.get("telegram.token", "")
    if not _TOKEN.match(token):
        raise reader.error(
            "telegram.token",
            "must be the token @BotFather gave, like "
            "'123456789:AA…' (or \"${TELEGRAM_BOT_TOKEN}\")",
        )
    mode = reader.get("telegram.mode", "polling")
    if mode not in ("polling", "webhook"):
        raise reader.error("telegram.mode", 'must be "polling" or "webhook"')
    secret = reader.get("telegram.webhook_secret", "")
    url = reader.get("telegram.webhook_url", "")
    if mode == "webhook":
        if not _WEBHOOK_SECRET.match(secret):
            raise reader.error(
                "telegram.webhook_secret",
                "16-256 characters of A-Z, a-z, 0-9, _ and - are needed in webhook mode",
            )
        if not url.startswith("https://"):
            raise reader.error(
                "telegram.webhook_url",
                "the public https:// URL of /telegram/webhook is needed in webhook mode",
            )
    return TelegramSettings(
        enabled=True,
        token=token,
        base_url=reader.get("telegram.base_url", "https://api.telegram.org/bot"),
        base_file_url=reader.get("telegram.base_file_url", "https://api.telegram.org/file/bot"),
        mode=mode,
        webhook_url=url,
        webhook_secret=secret,
        poll_timeout=reader.integer("telegram.poll_timeout", 30, 0, 600),
    )


def _agents(reader: _Reader, rules: RuleSet) -> tuple[AgentSettings, ...]:
    agents = []
    raw = reader.data.get("agents", [])
    if not isinstance(raw, list):
        raise reader.error("agents", "write agents as [[agents]] tables")
    for number, entry in enumerate(raw, start=1):
        key = f"agents.{number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise reader.error(key, "every [[agents]] entry needs a name")
        user = entry.get("telegram_user_id")
        if user is not None and (not isinstance(user, int) or isinstance(user, bool)):
            raise reader.error(f"{key}.telegram_user_id", "must be a Telegram user id (a number)")
        departments = entry.get("departments", [])
        unknown = set(departments) - set(rules.departments)
        if unknown:
            raise reader.error(f"{key}.departments", f"unknown department(s) {sorted(unknown)}")
        agents.append(
            AgentSettings(entry["name"], user, tuple(departments), bool(entry.get("senior", False)))
        )
    return tuple(agents)


def _routing_text(data: Mapping[str, Any]) -> str:
    """A canonical text of the routing tables, so an unchanged rule set is not a new version."""
    return canonical_text(dict(data))


class _Reader:
    def __init__(self, path: Path, data: Mapping[str, Any], environ: Mapping[str, str]) -> None:
        self.path, self.data, self.environ = path, data, environ

    def error(self, key: str, reason: str) -> SettingsError:
        return SettingsError(
            f"{self.path}: [{key.rsplit('.', 1)[0]}] {key.rsplit('.', 1)[-1]}: {reason}"
        )

    def get(self, key: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is None:
                    raise self.error(key, "is required")
                return default
            node = node[part]
        if isinstance(node, str):
            found = _ENV.match(node)
            if found:
                if found.group(1) not in self.environ:
                    raise self.error(
                        key, f"names environment variable {found.group(1)}, which is not set"
                    )
                return self.environ[found.group(1)]
        if default is not None and type(node) is not type(default):
            kind = _KINDS.get(type(default), type(default).__name__)
            raise self.error(key, f"must be {kind}, not {node!r}")
        return node

    def integer(self, key: str, default: int, low: int, high: int | None = None) -> int:
        value = self.get(key, default)
        if value < low or (high is not None and value > high):
            raise self.error(key, f"must be between {low} and {high if high is not None else '∞'}")
        return int(value)

    def duration(self, key: str, default: str | None = None) -> timedelta:
        try:
            return parse_duration(self.get(key, default))
        except ValueError as error:
            raise self.error(key, str(error)) from None
