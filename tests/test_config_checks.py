"""check-config refuses values the bot cannot run with, naming the key: a duration of nothing
where the bot divides by it, waits for it or sweeps that often, and a store URL that is neither
SQLite nor PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from complaints.durations import PositiveDuration
from complaints.errors import SettingsError
from config import load_settings
from config.sections import GradeSettings, SettingsFile
from tests.conftest import write_settings

MUST_BE_POSITIVE = [
    ("hot_spots", "window"),  # the sweep divides by it
    ("outbox", "send_timeout"),  # every delivery would time out at once
    ("outbox", "retry_base"),
    ("outbox", "retry_max"),
    ("outbox", "lease"),
    ("grades.urgent", "progress_every"),  # a progress message every sweep
    ("grades.general", "first_response"),
    ("grades.important", "resolution"),
    ("scheduler", "sweep_every"),
    ("console", "session_lifetime"),
    ("store", "takeover_every"),
    ("triage", "retrain_every"),
]

ZERO_MEANS_AT_ONCE = {
    # durations whose zero the bot runs with, reviewed: it means "at once" or "never apart"
    "busy_timeout",  # [store]: do not wait for a lock
    "delay",  # [survey]: ask as soon as the complaint is resolved
    "close_after",  # [survey]: close without waiting for an answer
    "warn_before",  # [escalation]: warn when the deadline passes, not before
    "window",  # [duplicates]: compare only complaints opened at the same moment
    "repeat_unchanged",  # [grades.*]: never hold back a progress update that repeats the last
}


@pytest.mark.parametrize(("section", "key"), MUST_BE_POSITIVE)
def test_a_duration_of_nothing_is_refused_naming_the_key(
    tmp_path: Path, section: str, key: str
) -> None:
    table: dict[str, Any] = {key: "0s"}
    for name in reversed(section.split(".")):
        table = {name: table}
    path = write_settings(tmp_path, table)
    with pytest.raises(SettingsError) as raised:
        load_settings(path, {})
    assert str(raised.value).startswith(f"{path}: [{section}] {key}: must be ")
    assert "\n" not in str(raised.value) and "0:00:00" not in str(raised.value)


def test_a_duration_of_nothing_is_said_as_the_file_writes_durations(tmp_path: Path) -> None:
    path = write_settings(tmp_path, {"hot_spots": {"window": "0s"}})
    with pytest.raises(SettingsError, match=r"\[hot_spots\] window: must be more than 0s$"):
        load_settings(path, {})


def _durations(model: type[BaseModel], key: tuple[str, ...] = ()) -> list[tuple[str, bool]]:
    """Every duration setting under `model`: its name and whether it must be positive."""
    found = []
    for name, field in model.model_fields.items():
        kinds = [field.annotation, *get_args(field.annotation)]
        models = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
        if field.annotation is timedelta:
            positive = any(getattr(m, "gt", None) == timedelta(0) for m in field.metadata)
            positive |= any(getattr(m, "ge", timedelta(0)) > timedelta(0) for m in field.metadata)
            found.append((name, positive))
        for inner in models:
            found += _durations(inner, (*key, name))
    return found


def test_every_duration_setting_is_positive_or_reviewed_as_zero_meaning_at_once() -> None:
    """A duration added later fails here until it is a `PositiveDuration` or its zero is
    reviewed as meaning something the bot can do."""
    durations = _durations(SettingsFile) + _durations(GradeSettings)
    assert len(durations) >= len(MUST_BE_POSITIVE)
    undecided = [name for name, positive in durations if not positive]
    assert set(undecided) <= ZERO_MEANS_AT_ONCE, "make them PositiveDuration or review them"
    assert PositiveDuration is not timedelta


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "complaints.db", "sqlite://data/c.db", "sqlite:///", "http://x/db", ""],
)
def test_a_store_url_neither_sqlite_nor_postgresql_is_refused_naming_the_key(
    tmp_path: Path, url: str
) -> None:
    path = write_settings(tmp_path, {"store": {"url": url}})
    with pytest.raises(SettingsError) as raised:
        load_settings(path, {})
    text = str(raised.value)
    assert text.startswith(f"{path}: [store] url: must be ")
    assert "sqlite:///" in text and "postgresql://" in text and "\n" not in text


def test_a_refused_store_url_does_not_repeat_its_password(tmp_path: Path) -> None:
    path = write_settings(tmp_path, {"store": {"url": "mysql://bot:s3cret@db/complaints"}})
    with pytest.raises(SettingsError) as raised:
        load_settings(path, {})
    assert "s3cret" not in str(raised.value) and "mysql://" in str(raised.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/c.db", "sqlite:///{base}/data/c.db"),
        ("sqlite:////var/lib/bot/c.db", "sqlite:////var/lib/bot/c.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql://bot@db/complaints", "postgresql://bot@db/complaints"),
        ("postgresql+psycopg://bot@db/complaints", "postgresql+psycopg://bot@db/complaints"),
        ("postgres://bot@db/complaints", "postgres://bot@db/complaints"),
    ],
)
def test_the_two_forms_of_store_url_are_accepted(tmp_path: Path, url: str, expected: str) -> None:
    settings = load_settings(write_settings(tmp_path, {"store": {"url": url}}), {})
    assert settings.store_url == expected.format(base=tmp_path.resolve())


@pytest.mark.parametrize(
    ("senders", "message"),
    [
        (["forms"], "[email] form_senders: 'forms' is not an e-mail address"),
        (
            ["Complaints@Example.com"],
            "[email] form_senders: 'complaints@example.com' is the bot's own address, "
            "not a form sender",
        ),
        ("forms@shop.example", "[email] form_senders: must be a list"),
    ],
)
def test_a_form_sender_must_be_an_address_other_than_the_bots(
    tmp_path: Path, senders: Any, message: str
) -> None:
    path = write_settings(tmp_path, {"email": {"form_senders": senders}})
    with pytest.raises(SettingsError) as raised:
        load_settings(path, {})
    assert str(raised.value).startswith(f"{path}: {message}")


def test_form_senders_are_kept_lower_cased(tmp_path: Path) -> None:
    path = write_settings(tmp_path, {"email": {"form_senders": ["Forms@Shop.example"]}})
    assert load_settings(path, {}).email.form_senders == ("forms@shop.example",)


# ---- messages that name the key and say what to write, as every other key's do ----------------


def _refusal(path: Path) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(path, {})
    text = str(raised.value)
    assert "\n" not in text
    return text


def _line_of(path: Path, table: str, key: str) -> int:
    """The line of `key = …` inside `[table]` of the written file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"[{table}]")
    return next(n for n, line in enumerate(lines[start:], start + 1) if line.startswith(key))


@pytest.mark.parametrize(
    ("department", "key", "value", "reason"),
    [
        (
            "billing",
            "supervisor",
            "boss@example.com",
            'must be "email:<address>" or "telegram:<chat id>", e.g. "email:boss@example.com"',
        ),
        (
            "billing",
            "ask",
            ["order_no"],
            "unknown field 'order_no' (did you mean order_number?); fields: product, model, ",
        ),
        ("billing", "ask", "order_number", "must be a list of fields among product, model, "),
        (
            "customer_care",
            "supervisor_language",
            "de",
            "must be one of zh-Hans, zh-Hant, es, en, not 'de'",
        ),
        (
            "billing",
            "telegram_chat_id",
            "-100123",
            "must be an integer chat id, e.g. -1001234567890",
        ),
        ("billing", "superviser", "email:a@example.com", "unknown key; did you mean supervisor?"),
    ],
)
def test_a_department_key_is_refused_like_every_other_key(
    tmp_path: Path, department: str, key: str, value: object, reason: str
) -> None:
    path = write_settings(tmp_path, {"departments": {department: {key: value}}})
    text = _refusal(path)
    line = _line_of(path, f"departments.{department}", key)
    assert text.startswith(f"{path}:{line}: [departments.{department}] {key}: {reason}")
    assert "('" not in text  # no Python tuple shown to the user


def test_a_holiday_not_written_as_a_date_names_the_holidays_key(tmp_path: Path) -> None:
    hours = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}, "holidays": ["25/12/2026"]}
    path = write_settings(tmp_path, {"business_hours": hours})
    assert _refusal(path) == (
        f"{path}: [business_hours] holidays: '25/12/2026' is not a date; "
        'write YYYY-MM-DD, e.g. "2026-12-25"'
    )


def test_a_bad_business_hours_time_zone_names_its_key(tmp_path: Path) -> None:
    hours = {"timezone": "Madrid", "hours": {"mon-fri": ["09:00-18:00"]}}
    path = write_settings(tmp_path, {"business_hours": hours})
    assert _refusal(path).startswith(f"{path}: [business_hours] timezone: unknown time zone")


@pytest.mark.parametrize("currency", ["euro", "XYZ", "EURO", "eur"])
def test_a_currency_that_is_no_iso_4217_code_is_refused(tmp_path: Path, currency: str) -> None:
    path = write_settings(tmp_path, {"console": {"currency": currency}})
    text = _refusal(path)
    assert text.startswith(f'{path}: [console] currency: must be an ISO 4217 code such as "EUR"')
    assert text.endswith(f"not {currency!r}")


@pytest.mark.parametrize("currency", ["EUR", "CNY", "TWD", "MXN", "USD"])
def test_an_iso_4217_currency_is_accepted(tmp_path: Path, currency: str) -> None:
    settings = load_settings(write_settings(tmp_path, {"console": {"currency": currency}}), {})
    assert settings.console.currency == currency


def test_a_webhook_source_without_a_secret_says_it_is_required_and_what_to_set(
    tmp_path: Path,
) -> None:
    path = write_settings(tmp_path, {"webhook": {"sources": {"erp": {"callback_url": ""}}}})
    assert _refusal(path) == (
        f"{path}: [webhook.sources.erp] secret: required: set a shared secret of at least "
        '16 characters, e.g. "${ERP_WEBHOOK_SECRET}"'
    )


def test_a_holiday_written_as_a_toml_date_is_a_holiday(tmp_path: Path) -> None:
    """`holidays = [2026-12-25]`, unquoted, is a TOML date: the same day as "2026-12-25"."""
    hours = {
        "timezone": "UTC",
        "hours": {"mon-sun": ["09:00-18:00"]},
        "holidays": [date(2026, 12, 25), "2026-12-26"],
    }
    overrides = {"business_hours": hours, "grades": {"general": {"working_time": True}}}
    calendar = load_settings(write_settings(tmp_path, overrides), {}).service_levels["general"]
    assert calendar.calendar is not None
    assert calendar.calendar.holidays == {date(2026, 12, 25), date(2026, 12, 26)}
