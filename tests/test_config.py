"""settings.toml: typed values, secrets from the environment, and errors that say where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from complaints.errors import SettingsError
from config import load_settings, parse_duration
from tests.conftest import ROOT, write_settings


def test_the_shipped_settings_load() -> None:
    settings = load_settings(ROOT / "settings.toml")
    assert settings.http_port == 8080
    assert settings.store_url.startswith("sqlite:////")
    assert settings.service_levels["urgent"].first_response == timedelta(hours=2)
    assert set(settings.rules.categories) >= {"product_quality", "safety", "other"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("90m", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("30s", timedelta(seconds=30)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "h", "2 hours", "-1h", "1.5h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_a_secret_may_come_from_the_environment(tmp_path: Path) -> None:
    path = write_settings(
        tmp_path, {"webhook": {"sources": {"shop": {"secret": "${SHOP_SECRET}"}}}}
    )
    settings = load_settings(path, {"SHOP_SECRET": "s" * 32})
    assert settings.webhook_sources["shop"].secret == "s" * 32


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"webhook": {"sources": {"shop": {"secret": "${NOPE}"}}}},
            "[webhook.sources.shop] secret: names environment variable NOPE, which is not set",
        ),
        (
            {"webhook": {"sources": {"shop": {"secret": "short"}}}},
            "[webhook.sources.shop] secret: must be at least 16 characters",
        ),
        (
            {"webhook": {"sources": {"shop": {"callback_url": "ftp://x"}}}},
            "[webhook.sources.shop] callback_url: must be an http:// or https:// URL",
        ),
        (
            {"grades": {"urgent": {"first_response": "soon"}}},
            "[grades.urgent] first_response: 'soon' is not a duration",
        ),
        ({"bot": {"timezone": "Mars/Olympus"}}, "[bot] timezone: 'Mars/Olympus' is not an IANA"),
        ({"bot": {"default_language": "fr"}}, "[bot] default_language: must be one of"),
        ({"http": {"port": "8080"}}, "[http] port: must be an integer"),
        ({"http": {"port": 70000}}, "[http] port: must be between 0 and 65535"),
    ],
)
def test_a_bad_value_names_the_key_and_the_fix(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    path = write_settings(tmp_path, overrides)
    with pytest.raises(SettingsError) as raised:
        load_settings(path, {})
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read the settings file"):
        load_settings(tmp_path / "nope.toml")


def test_business_hours_make_a_grade_count_working_time_only(tmp_path: Path) -> None:
    path = write_settings(
        tmp_path,
        {
            "business_hours": {
                "timezone": "Europe/Madrid",
                "hours": {"mon-fri": ["09:00-14:00", "15:00-18:00"]},
                "holidays": ["2026-12-25"],
            },
            "grades": {"general": {"first_response": "8h", "working_time": True}},
        },
    )
    settings = load_settings(path, {})
    friday_evening = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # 17:00 in Madrid
    first_response, _ = settings.service_levels["general"].due(friday_evening)
    # 1 h on Friday (17-18), 5 h on Monday morning, 2 h after lunch: Monday 17:00 in Madrid
    assert first_response == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    urgent, _ = settings.service_levels["urgent"].due(friday_evening)
    assert urgent == friday_evening + timedelta(hours=2)  # urgent stays round the clock


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"grades": {"general": {"working_time": True}}},
            "[grades.general] working_time: needs a [business_hours] table",
        ),
        (
            {"business_hours": {"timezone": "UTC", "hours": {"mon": ["18:00-09:00"]}}},
            "[business_hours] hours: hours 'mon': shift 18:00-09:00 ends before it starts",
        ),
    ],
)
def test_bad_business_hours_name_the_key(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write_settings(tmp_path, overrides), {})
    assert message in str(raised.value)
