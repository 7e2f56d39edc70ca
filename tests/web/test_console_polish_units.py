"""The pieces of the console's polish that need no browser: report times as durations, the
weekly column chart's geometry, and the routing trace explained (also one stored before the
router recorded reason codes)."""

from __future__ import annotations

from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from router.decide import REASONS
from tests.router import test_model
from tests.router.inputs import make_input
from tests.router.test_route import decide, rule_set
from web.console.pages import templates_for
from web.console.report_view import Duration, duration, ticks, week_chart_svg
from web.console.trace_view import explain

SVG = "{http://www.w3.org/2000/svg}"
templates = templates_for("en")


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        (None, None),
        (0, Duration("0", "min")),
        (0.001, Duration("< 1", "min")),  # 3.6 seconds
        (0.03, Duration("2", "min")),  # what the page used to show as "0.03"
        (0.5, Duration("30", "min")),
        (0.995, Duration("1", "h")),  # 59.7 minutes round to an hour, not "60 min"
        (1, Duration("1", "h")),
        (3.46, Duration("3.5", "h")),
        (47.9, Duration("47.9", "h")),
        (47.96, Duration("2", "d")),
        (50, Duration("2.1", "d")),
        (24 * 30, Duration("30", "d")),
    ],
)
def test_duration(hours: float | None, shown: Duration | None) -> None:
    assert duration(hours) == shown


@pytest.mark.parametrize(
    ("largest", "expected"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (23, [0, 5, 10, 15, 20, 25]),
        (100, [0, 20, 40, 60, 80, 100]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_ticks_are_round_and_cover_the_largest_value(largest: int, expected: list[int]) -> None:
    assert ticks(largest) == expected


def _svg(weeks: int, counts: list[int]) -> ElementTree.Element:
    start = date(2026, 1, 5)
    markup = week_chart_svg([start + timedelta(weeks=i) for i in range(weeks)], counts, "t")
    return ElementTree.fromstring(str(markup))  # noqa: S314 (our own markup)


def test_the_week_chart_has_axes_ticks_labels_and_columns_to_scale() -> None:
    svg = _svg(4, [2, 0, 8, 4])
    assert svg.get("aria-labelledby") == "t" and svg.get("role") == "img"
    columns = svg.findall(f"{SVG}rect")
    assert [c.get("data-count") for c in columns] == ["2", "0", "8", "4"]
    heights = [float(c.get("height", "")) for c in columns]
    assert heights[2] == 4 * heights[0] == 2 * heights[3] and heights[1] == 0
    bottoms = {round(float(c.get("y", "")) + float(c.get("height", "")), 1) for c in columns}
    assert len(bottoms) == 1  # one baseline
    texts = svg.findall(f"{SVG}text")
    assert [t.text for t in texts if t.get("class") == "y-tick"] == ["0", "2", "4", "6", "8"]
    assert [t.text for t in texts if t.get("class") == "x-tick"] == [
        "01-05",
        "01-12",
        "01-19",
        "01-26",
    ]
    assert [t.text for t in texts if t.get("class") == "value"] == ["2", "8", "4"]  # not the 0
    lines = {line.get("class") for line in svg.findall(f"{SVG}line")}
    assert {"x-axis", "y-axis", "grid"} <= lines
    assert columns[2].find(f"{SVG}title").text == "2026-01-19: 8"  # type: ignore[union-attr]


def test_a_long_period_labels_every_few_weeks_and_an_empty_one_still_has_axes() -> None:
    year = _svg(52, [1] * 52)
    labels = [t for t in year.findall(f"{SVG}text") if t.get("class") == "x-tick"]
    assert 8 <= len(labels) < 52
    empty = _svg(3, [0, 0, 0])
    assert [t.text for t in empty.findall(f"{SVG}text") if t.get("class") == "y-tick"] == [
        "0",
        "1",
    ]
    with pytest.raises(ValueError, match="one count per week"):
        week_chart_svg([date(2026, 1, 5)], [], "t")


def _render(steps: list[dict[str, object]]) -> str:
    page = templates.env.from_string(
        '{% from "trace.html" import trace_summary, trace_table %}'
        "{{ trace_summary(t) }}{{ trace_table(t) }}"
    )
    return " ".join(page.render(t=explain(steps)).split())


def test_every_reason_code_is_phrased_in_the_template() -> None:
    source = templates.env.loader.get_source(templates.env, "trace.html")[0]  # type: ignore[union-attr]
    for code in REASONS:
        if code != "language_detected":  # the summary's language line
            assert f"line.reason == '{code}'" in source, code


def test_the_trace_explains_who_decided_and_why_others_did_not() -> None:
    rules = rule_set(
        {"name": "fire", "keywords": ["fire*"], "category": "repair", "grade": "important"},
        {"name": "money", "keywords": ["burning"], "category": "billing"},
        {"name": "vip", "tier": ["vip"], "min_grade": "urgent"},
        {"name": "mail", "channel": ["email"], "tags": ["mail"]},
    )
    message = make_input("The FIRES are BURNING", tier="vip")
    shown = _render(decide(rules, message).trace_as_json())
    assert "Category <strong>repair</strong>: decided by rule" in shown
    assert 'on the words <span class="found">“FIRES”</span>' in shown
    assert "Then rule <strong>vip</strong>: Grade at least urgent (it was important)." in shown
    assert "But a higher rule had already decided: <strong>fire</strong>." in shown
    assert "Condition not met: the message came by webhook; the rule is for email." in shown
    assert "No rule set the department: the department of category repair." in shown


def test_a_trace_stored_before_reason_codes_shows_the_routers_lines() -> None:
    legacy = [
        {"rule": "language", "matched": True, "detail": "en: English signals 3 > Spanish 0"},
        {"rule": "refund", "matched": False, "detail": "pattern '(?x) re fund' not found"},
        {
            "rule": "fire",
            "matched": True,
            "detail": "keyword 'fire'",
            "effects": [{"field": "category", "value": "safety", "applied": True, "note": ""}],
        },
    ]
    shown = _render(legacy)
    assert 'Language <strong lang="en">English</strong>: detected from the text.' in shown
    assert "pattern &#39;(?x) re fund&#39; not found" in shown
    assert "Category <strong>safety</strong>: decided by rule" in shown


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "The message has no complaint content"),
        ("es", "El mensaje no tiene contenido de reclamación"),
        ("zh-Hans", "消息中没有投诉内容"),
        ("zh-Hant", "訊息中沒有投訴內容"),
    ],
)
def test_a_message_without_complaint_content_is_explained_in_the_readers_language(
    locale: str, said: str
) -> None:
    steps = test_model.decide("hello", test_model.model()).trace_as_json()
    page = templates_for(locale).env.from_string(
        '{% from "trace.html" import trace_table %}{{ trace_table(t) }}'
    )
    shown = " ".join(page.render(t=explain(steps)).split())
    assert 'data-reason="no_content"' in shown
    assert said in shown
    assert "needs-triage" in shown
