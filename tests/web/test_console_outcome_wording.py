"""The desk's outcomes and refusals as the console words them, with no English word or raw key
left: a correction's summary (its fields, grades, departments), the fields edited, a canned
reply's language, a rule set's error about a rule without a condition, the bot's own tags. And
a guard: each value the services put in their texts is either named for staff (a key) or
reviewed as shown as it is."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

import complaints.errors as errors
from admin.report_period import period
from complaints.errors import ReportError, Said, said
from tests.web.code_reading import CALLS
from web.console.i18n import N_, catalogs, say
from web.console.phrasing import KEYED_VALUES, NAMED_VALUES, phrased
from web.console.rule_errors import rule_problem
from web.console.wording import label

NAMES = {"billing": "Facturación", "logistics": "Logística"}


def _name(kind: str, key: str) -> str:
    return NAMES.get(key, key)


def _shown(language: str, text: object) -> str:
    return say(catalogs()[language], text, _name)  # type: ignore[arg-type]


def test_a_grade_correction_reads_in_spanish_and_traditional_chinese() -> None:
    flash = N_(
        "%(number)s: %(outcome)s.", number="C-1", outcome=phrased(Said("grade general → urgent"))
    )
    assert _shown("es", flash) == "C-1: gravedad general → urgente."
    zh = _shown("zh-Hant", phrased(Said("grade urgent → general")))
    assert "grade" not in zh and "urgent" not in zh and "general" not in zh, zh
    both = _shown("es", phrased(Said("department billing → logistics; grade general → urgent")))
    assert both == "departamento Facturación → Logística; gravedad general → urgente"


def test_fields_edited_are_named_by_their_labels() -> None:
    updated = phrased(said("updated %(fields)s", fields="order_number"))
    assert "order_number" not in _shown("es", updated)
    both = _shown("zh-Hans", phrased(said("updated %(fields)s", fields="product, purchase_date")))
    assert "product" not in both and "purchase_date" not in both, both


def test_a_canned_replys_language_is_named() -> None:
    saved = N_(
        "Saved the %(language)s canned reply %(key)s.",
        language=label("language", "zh-Hant"),
        key="'greeting'",
    )
    shown = _shown("zh-Hant", saved)
    assert "zh-Hant" not in shown and "繁體中文" in shown, shown


def test_a_rule_without_a_condition_is_refused_in_chinese() -> None:
    error = (
        "the new rule set: rule #1: rule '空关键词' has no condition, so it would match every "
        "message; set at least one of keywords, pattern, channel"
    )
    problem = rule_problem(error)
    assert problem is not None
    shown = _shown("zh-Hans", problem)
    assert "has no condition" not in shown and "空关键词" in shown, shown
    fax = rule_problem(
        "the new rule set: rule #2: rule 'f': channel: there is no channel 'fax'; channels: "
        "email, telegram, webhook"
    )
    assert fax is not None and "there is no" not in _shown("es", fax)


def test_the_bots_own_tags_are_translated() -> None:
    for tag in ("possible-duplicate", "safety", "needs-triage", "dispute", "handler-requested"):
        shown = _shown("zh-Hans", label("tag", tag))
        assert shown != tag and not shown.isascii(), (tag, shown)
    assert label("tag", "an-admins-own") == "an-admins-own"


def test_a_reports_period_is_refused_with_the_forms_labels() -> None:
    now, zone = datetime(2026, 3, 10, tzinfo=UTC), ZoneInfo("UTC")
    with pytest.raises(ReportError) as backwards:
        period("2026-03-09", "2026-03-02", now, zone)
    shown = _shown("es", phrased(backwards.value.said))
    assert shown == "Desde debe ser anterior a Hasta (no incluido)"
    assert str(backwards.value) == "since must be before until"  # the API names its parameters
    with pytest.raises(ReportError) as undated:
        period("ayer", None, now, zone)
    said = "“开始日期”中的“ayer”不是日期"  # the field by its label, not "开始日期=ayer"
    assert _shown("zh-Hans", phrased(undated.value.said)).startswith(said)
    assert _shown("es", phrased(undated.value.said)).startswith("«ayer» no es una fecha válida")


SHOWN_AS_IS = {
    # values of the services' texts reviewed as not keys: numbers, names, counts, free text,
    # a user's own input (an unknown key is shown as typed)
    "amount", "attachment", "automated", "available", "command", "count", "day", "days", "email",
    "error", "id", "key", "limit", "most", "name", "number", "other", "retry_after", "size",
    "solution", "source", "summary", "tables", "target", "text", "unknown", "value", "version",
    # a delivery error's words for the log line (codes and status only), never shown to staff
    "logged",
    # a reopening's fresh deadline, written as a UTC time, and its handler's name or a dash
    "due", "owner",
}  # fmt: skip


def test_every_value_the_services_write_is_named_or_reviewed() -> None:
    """A value added to a refusal or an outcome (`said(...)`, an error of complaints.errors)
    is named for staff (phrasing.KEYED_VALUES, NAMED_VALUES) or reviewed here as shown as it
    is: a raw key in a Spanish or Chinese message fails here first."""
    kinds = {n for n, c in vars(errors).items() if inspect.isclass(c) and issubclass(c, Exception)}
    unreviewed = sorted(
        f"{keyword.arg} ({module.where(call)})"
        for name in kinds | {"said", "Said"}
        for module, call in CALLS.get(name, [])
        for keyword in call.keywords
        if keyword.arg
        and keyword.arg not in KEYED_VALUES
        and keyword.arg not in NAMED_VALUES
        and keyword.arg not in SHOWN_AS_IS
    )
    assert unreviewed == [], "name these in web/console/phrasing.py or review them here"
