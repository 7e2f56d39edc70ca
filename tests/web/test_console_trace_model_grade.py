"""The routing explanation names the triage model when it raised the grade: the summary said only
the default grade's line under a header of another grade, and called the model a rule."""

from __future__ import annotations

import pytest

from tests.router.test_route import rule_set
from web.console.pages import templates_for
from web.console.trace_view import explain

# as the store holds it for a complaint the model raised from general to important
STORED = [
    {
        "rule": "default",
        "matched": True,
        "reason": "default",
        "detail": "no rule set the grade",
        "facts": {"field": "grade", "setting": "general"},
        "effects": [{"field": "grade", "value": "general", "applied": True, "note": ""}],
    },
    {
        "rule": "model v1",
        "matched": True,
        "reason": "model_grade",
        "detail": "grade important 0.75",
        "facts": {"was": "general"},
        "effects": [{"field": "grade", "value": "important", "applied": True, "note": ""}],
    },
]


def _summary(locale: str, steps: list[dict[str, object]]) -> str:
    page = templates_for(locale).env.from_string(
        '{% from "trace.html" import trace_summary with context %}{{ trace_summary(t) }}'
    )
    return " ".join(page.render(t=explain(steps), rules=rule_set()).split())


def test_the_grade_the_model_raised_is_explained_as_the_models() -> None:
    shown = _summary("en", STORED)
    assert "Grade <strong>important</strong>:" in shown
    assert (
        "The triage model (version 1) raised the grade to important with confidence 0.75"
        " (it was general)." in shown
    )
    assert "rule <strong>model v1</strong>" not in shown


@pytest.mark.parametrize(
    ("locale", "said", "not_said"),
    [
        ("zh-Hant", "分類模型（版本 1）", "由規則 model v1"),
        ("zh-Hans", "分类模型（版本 1）", "由规则 model v1"),
        ("es", "el modelo de clasificación (versión 1)", "regla model v1"),
    ],
)
def test_a_category_the_model_chose_is_not_said_to_be_a_rules(
    locale: str, said: str, not_said: str
) -> None:
    chose = [
        {
            "rule": "model v1",
            "matched": True,
            "reason": "model",
            "detail": "billing 0.82",
            "facts": {"version": "1", "category": "billing", "probability": "0.82"},
            "effects": [{"field": "category", "value": "billing", "applied": True, "note": ""}],
        },
        *STORED,
    ]
    shown = _summary(locale, chose)
    assert said in shown
    assert not_said not in shown
