"""The trace as the store keeps it: a fraction of the full form, the same page in the console,
the same steps in the API, and a trace stored in the full form before still shown as it was."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from config import load_settings
from router import CustomerHistory, Decision, route
from router.stored_trace import expanded, stored
from tests.factories import RECEIVED
from tests.router.inputs import make_input
from web.console.pages import templates_for
from web.console.trace_view import explain

SETTINGS = load_settings(Path(__file__).parents[2] / "settings.toml")
MESSAGES = [
    ("My order arrived broken and nobody answers. I will sue you and post it on Facebook.", ""),
    ("Me cobraron 5000 euros de más en la factura, sin internet desde hace tres semanas.", ""),
    ("收到货的时候包装已经破损，充电器冒烟了，差点着火。", "vip"),
    ("唔該幫我查下，部手機送到嘅時候已經壞咗，我冇受傷。", ""),
    ("no injury, but the heater made a burning smell", ""),
]


def _decided(text: str, tier: str) -> Decision:
    history = CustomerHistory(tier=tier, complaint_times=(RECEIVED - timedelta(days=3),))
    return route(
        make_input(text, tier=tier), history, SETTINGS.rules, SETTINGS.service_levels, "en"
    )


def _render(steps: list[dict[str, object]]) -> str:
    page = templates_for("en").env.from_string(
        '{% from "trace.html" import trace_summary, trace_table %}'
        "{{ trace_summary(t) }}{{ trace_table(t) }}"
    )
    return " ".join(page.render(t=explain(steps)).split())


@pytest.mark.parametrize(("text", "tier"), MESSAGES)
def test_the_stored_trace_shows_the_same_page_and_the_same_steps(text: str, tier: str) -> None:
    decision = _decided(text, tier)
    full = decision.trace_as_json()
    compact = stored(decision.trace)
    assert [step["rule"] for step in compact] == [step.rule for step in decision.trace]
    assert _render(compact) == _render(full)
    # the API's steps: the same, but a pattern that was not found is not quoted again
    shown = expanded(json.loads(json.dumps(compact)))
    for kept, step in zip(shown, full, strict=True):
        if step["reason"] == "no_pattern":
            assert kept["detail"] == f"pattern not found in {step['facts']['fields']}"
            kept["detail"] = step["detail"]
        assert kept == step


def test_the_stored_trace_is_much_smaller_than_the_full_one() -> None:
    for text, tier in MESSAGES:
        decision = _decided(text, tier)
        full = len(json.dumps(decision.trace_as_json()))
        assert len(json.dumps(stored(decision.trace))) < 0.6 * full, text


def test_a_trace_stored_in_the_full_form_still_shows_as_it_was() -> None:
    full = _decided(*MESSAGES[0]).trace_as_json()
    assert expanded(full) == full
