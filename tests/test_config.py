"""settings.toml: typed values, secrets from the environment, and errors that say where."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from complaints.errors import SettingsError
from complaints.languages import SUPPORTED
from config import load_settings, parse_duration
from outbox.letters import letter
from outbox.texts import say
from tests.conftest import MAIL_SECRET, ROOT, SECRET, write_settings


def test_the_shipped_settings_load() -> None:
    settings = load_settings(ROOT / "settings.toml")
    assert settings.http_port == 8080
    assert settings.http_access_log is False  # intake logs each message already
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
        (
            {"bot": {"customer_timezones": {"zh-Hant": "Taipei"}}},
            "[bot] customer_timezones: 'Taipei' is not an IANA time zone, such as",
        ),
        (
            {"bot": {"customer_timezones": {"fr": "Europe/Paris"}}},
            "[bot] customer_timezones: unknown language 'fr'; languages:",
        ),
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
            "[business_hours] hours: 'mon': shift 18:00-09:00 ends before it starts",
        ),
    ],
)
def test_bad_business_hours_name_the_key(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write_settings(tmp_path, overrides), {})
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"emial": {}}, ": emial: unknown key; did you mean email?"),
        ({"rule": {}}, ": rule: unknown key; did you mean rules?"),
        (
            {"email": {"smpt_server": {}}},
            "[email] smpt_server: unknown key; did you mean smtp_server?",
        ),
        (
            {"email": {"smtp_server": {"prot": 25}}},
            "[email.smtp_server] prot: unknown key; did you mean port?",
        ),
        (
            {"webhook": {"sources": {"shop": {"secert": "s" * 32}}}},
            "[webhook.sources.shop] secert: unknown key; did you mean secret?",
        ),
        (
            {"agents": [{"name": "Li Wei", "departmens": ["billing"]}]},
            "[agents.1] departmens: unknown key; did you mean departments?",
        ),
        (  # a source is named by its table: a `name` written in it was silently overwritten
            {"webhook": {"sources": {"shop": {"secret": "s" * 32, "name": "crm"}}}},
            "[webhook.sources.shop] name: unknown key; known keys: secret, callback_url",
        ),
        ({"grades": {"urgnt": {}}}, "[grades] urgnt: unknown key; did you mean urgent?"),
        (
            {"bot": {"zzz": 1}},
            "[bot] zzz: unknown key; known keys: company_name, default_language, timezone",
        ),
    ],
)
def test_an_unknown_key_is_refused_with_the_nearest_name(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write_settings(tmp_path, overrides), {})
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("overrides", "environ", "read"),
    [
        ({"http": {"port": "${PORT}"}}, {"PORT": "9090"}, lambda s: s.http_port == 9090),
        ({"http": {"access_log": "${LOG}"}}, {"LOG": "true"}, lambda s: s.http_access_log),
        (
            {"telegram": {"enabled": "${ON}"}},
            {"ON": "false"},
            lambda s: s.telegram.enabled is False,
        ),
        ({"console": {"secure_cookies": "${ON}"}}, {"ON": "1"}, lambda s: s.console.secure_cookies),
        (
            {"console": {"secure_cookies": "${ON}"}},
            {"ON": "0"},
            lambda s: not s.console.secure_cookies,
        ),
        ({"hot_spots": {"factor": "${F}"}}, {"F": "2.5"}, lambda s: s.hot_spots.factor == 2.5),
        (
            {"survey": {"delay": "${DELAY}"}},
            {"DELAY": "1d12h"},
            lambda s: s.survey.delay == timedelta(days=1, hours=12),
        ),
        (
            {"escalation": {"levels": ["${BOSS}"]}},
            {"BOSS": "email:boss@example.com"},
            lambda s: s.escalation.levels == ("email:boss@example.com",),
        ),
    ],
)
def test_an_environment_value_takes_the_type_of_its_key(
    tmp_path: Path, overrides: dict[str, Any], environ: dict[str, str], read: Any
) -> None:
    assert read(load_settings(write_settings(tmp_path, overrides), environ))


@pytest.mark.parametrize(
    ("overrides", "environ", "message"),
    [
        (
            {"http": {"port": "${PORT}"}},
            {"PORT": "eighty"},
            "[http] port: environment variable PORT must hold an integer",
        ),
        ({"http": {"port": "${PORT}"}}, {"PORT": "99999"}, "[http] port: must be between 0 and"),
        (
            {"telegram": {"enabled": "${ON}"}},
            {"ON": "yes"},
            "[telegram] enabled: environment variable ON must hold true, false, 1 or 0",
        ),
        (
            {"hot_spots": {"factor": "${F}"}},
            {"F": "lots"},
            "[hot_spots] factor: environment variable F must hold a number",
        ),
        (
            {"survey": {"delay": "${DELAY}"}},
            {"DELAY": "a week"},
            "[survey] delay: environment variable DELAY must hold a duration",
        ),
        (
            {"email": {"relay": {"password": "${RELAY_PASSWORD}"}}},
            {},
            "[email.relay] password: names environment variable RELAY_PASSWORD, which is not set",
        ),
    ],
)
def test_a_bad_environment_value_names_the_key_and_the_variable(
    tmp_path: Path, overrides: dict[str, Any], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write_settings(tmp_path, overrides), environ)
    assert message in str(raised.value)
    assert "eighty" not in str(raised.value)  # the value may be a misplaced secret


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"telegram": {"enabled": "false"}},
            "[telegram] enabled: must be true or false, not a string (write it without quotes)",
        ),
        (
            {"hot_spots": {"factor": "2"}},
            "[hot_spots] factor: must be a number, not a string (write it without quotes)",
        ),
        ({"http": {"port": 80.5}}, "[http] port: must be an integer, not 80.5"),
        ({"bot": {"company_name": 5}}, "[bot] company_name: must be a string or a table"),
        (
            {"bot": {"company_name": {"en": "Care", "fr": "Service"}}},
            "[bot] company_name: unknown language 'fr'; languages: zh-Hans, zh-Hant, es, en",
        ),
        (
            {"bot": {"company_name": {"es": " "}}},
            "[bot] company_name: each language's name must be a non-empty string",
        ),
        ({"survey": {"delay": 7}}, "[survey] delay: must be a duration such as '90m'"),
        ({"email": {"aliases": "a@example.com"}}, "[email] aliases: must be a list"),
        ({"email": "complaints@example.com"}, "email: must be a table"),
        (
            {"agents": [{"name": "Li", "telegram_user_id": "x"}]},
            "[agents.1] telegram_user_id: must",
        ),
        ({"agents": [{"name": "Li", "departments": ["nope"]}]}, "[agents.1] departments: unknown"),
        ({"agents": [{"departments": []}]}, "[agents.1] name: is required"),
        ({"duplicates": {"similarity": 1.5}}, "[duplicates] similarity: must be between 0 and 1"),
        ({"hot_spots": {"factor": 0.5}}, "[hot_spots] factor: must be at least 1"),
        ({"telegram": {"mode": "hook"}}, "[telegram] mode: must be 'polling' or 'webhook'"),
        ({"console": {"currency": "euro"}}, "[console] currency: must be an ISO 4217 code"),
        ({"email": {"address": "nobody"}}, "[email] address: 'nobody' is not an e-mail address"),
        ({"email": {"signing_secret": "short"}}, "[email] signing_secret: must be at least 16"),
        ({"email": {"smtp_server": {"tls_cert": "c.pem"}}}, "tls_cert and tls_key go together"),
        (
            {"email": {"imap": {"enabled": True, "password": ""}}},
            "[email.imap] enabled: host, username and password are needed",
        ),
        (
            {"escalation": {"levels": ["boss@example.com"]}},
            "[escalation] levels: 'boss@example.com' is not \"email:someone@example.com\"",
        ),
        (
            {"telegram": {"enabled": True, "token": "nope"}},
            "[telegram] token: must be the token @BotFather gave",
        ),
    ],
)
def test_a_wrong_type_or_value_is_said_in_one_line(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    path = write_settings(tmp_path, overrides)
    with pytest.raises(SettingsError) as raised:
        load_settings(path, {})
    text = str(raised.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "\n" not in text and "pydantic" not in text and "Input should" not in text


def test_secrets_stay_out_of_repr(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path), {})
    shown = repr(settings.email) + repr(settings.webhook_sources) + repr(settings.telegram)
    assert MAIL_SECRET not in shown and SECRET not in shown
    assert "signing_secret" not in shown and "password" not in shown


def test_the_display_name_defaults_to_the_company_name(tmp_path: Path) -> None:
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(
        text.replace('display_name = "Customer care"\n', "")
        .replace("company_name = {", 'company_name = "Acme"\nshipped = {')
        .replace("\nshipped = {", "\n# {"),
        encoding="utf-8",
    )
    assert load_settings(path, {}).email.display_name == "Acme"


def test_the_display_name_defaults_to_the_name_each_language_signs_with(tmp_path: Path) -> None:
    """Without `display_name`, the From of a mail names the company as its body signs it."""
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(re.sub(r"\ndisplay_name = .*\n", "\n", text), encoding="utf-8")
    email = load_settings(path, {}).email
    names = {language: email.display_name_in(language) for language in SUPPORTED}
    assert names == {
        "en": "Customer care",
        "es": "Atención al cliente",
        "zh-Hans": "客户服务部",
        "zh-Hant": "客戶服務部",
    }
    assert email.display_name_in("") == "Customer care"  # no language: the default one's


def test_the_shipped_settings_name_the_sender_in_each_language(tmp_path: Path) -> None:
    email = load_settings(write_settings(tmp_path), {}).email
    assert email.display_name_in("zh-Hant") == "客戶服務部"
    assert email.display_name_in("es") == "Atención al cliente"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"en": "Care", "fr": "Service"}, "[email] display_name: unknown language 'fr'"),
        ({"en": "Care"}, "[email] display_name: names no form for zh-Hans, zh-Hant, es"),
        (5, "[email] display_name: must be a string or a table"),
    ],
)
def test_a_wrong_display_name_is_refused_naming_the_key(
    tmp_path: Path, value: object, message: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(write_settings(tmp_path, {"email": {"display_name": value}}), {})


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path), {})
    with pytest.raises(ValidationError):
        settings.email.smtp_server.port = 25  # type: ignore[misc]


def test_the_settings_name_a_folder_relative_to_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    path = write_settings(tmp_path, {"templates": {"dir": "texts"}})
    assert load_settings(path).templates_dir == tmp_path / "texts"
    assert load_settings(write_settings(tmp_path)).templates_dir is None


def test_a_configured_folder_that_does_not_exist_is_refused_naming_the_key(
    tmp_path: Path,
) -> None:
    path = write_settings(tmp_path, {"templates": {"dir": "absent"}})
    with pytest.raises(SettingsError, match=r"\[templates\] dir: .*absent is not a folder"):
        load_settings(path)


def test_the_company_is_named_in_each_language(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "settings.toml", {})
    company = settings.company_name
    forms = {language: letter(language, "-", name="", company=company) for language in SUPPORTED}
    assert forms["en"].endswith("\nCustomer care")
    assert forms["es"].endswith("\nAtención al cliente")
    assert forms["zh-Hans"].endswith("\n客户服务部")
    assert forms["zh-Hant"].endswith("\n客戶服務部")
    senders = {language: settings.email.display_name_in(language) for language in SUPPORTED}
    assert senders == {language: form.rsplit("\n", 1)[1] for language, form in forms.items()}
    assert say("es", "mail_kept.empty", company=company).startswith(
        "Gracias por escribir a Atención al cliente."
    )
    assert copy.deepcopy(company).in_language("zh-Hant") == "客戶服務部"
    # a plain string stays valid, the same in every language
    path = write_settings(tmp_path, {"bot": {"company_name": "Acme"}})
    plain = load_settings(path, {}).company_name
    assert letter("zh-Hans", "-", name="", company=plain).endswith("\nAcme")


def test_a_company_name_table_names_every_language(tmp_path: Path) -> None:
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(text.replace(', zh-Hant = "客戶服務部"', ""), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[bot\] company_name: names no form for zh-Hant;"):
        load_settings(path, {})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"email": {"relay": {"password": 12345678}}},
            "[email.relay] password: must be a string, not an integer (write it in quotes)",
        ),
        (
            {"email": {"imap": {"password": ["IMAPPASS-SECRET1"]}}},
            "[email.imap] password: must be a string, not a list",
        ),
        ({"telegram": {"token": 12345678}}, "[telegram] token: must be a string, not an integer"),
        (
            {"telegram": {"webhook_secret": 1.2345678}},
            "[telegram] webhook_secret: must be a string, not a number",
        ),
        (
            {"email": {"imap": {"port": "IMAPPASS-SECRET1"}}},
            "[email.imap] port: must be an integer, not a string (write it without quotes)",
        ),
        (
            {"store": {"url": {"password": "IMAPPASS-SECRET1"}}},
            "[store] url: must be a string, not a table",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_named_by_its_type_never_echoed(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    """A value is echoed only when it is a number or true/false given for a key that takes no
    text: anything else may be a secret (a password written unquoted, or pasted under the
    wrong key) or personal data, and the message reaches the journal at every restart."""
    with pytest.raises(SettingsError) as raised:
        load_settings(write_settings(tmp_path, overrides))
    assert message in str(raised.value)
    for secret in ("12345678", "IMAPPASS", "1.2345678"):
        assert secret not in str(raised.value)
