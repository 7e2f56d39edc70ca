"""Rules that would harm routing are refused over the real API, and change nothing: a rule
without a condition (it would catch every message), a pattern that backtracks exponentially,
names, descriptions, patterns and lists over their limits. A pattern that still runs too long
gives up within its budget: the complaint is routed, and the trace says the pattern gave up."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from router.rule_checks import CONDITION_NAMES, MAX_NAME, MAX_PATTERN, MAX_TERMS, PATTERN_TIMEOUT
from tests.web.conftest import Desk


@pytest.fixture
def desk(rules_desk: Desk) -> Desk:
    return rules_desk


async def _state(admin: httpx.AsyncClient) -> tuple[Any, Any]:
    return (await admin.get("/api/rules")).json(), (await admin.get("/api/rules/versions")).json()


async def _refused(admin: httpx.AsyncClient, rule: dict[str, Any]) -> str:
    """POST the rule; it must be refused with 422 and change neither rules nor versions."""
    before = await _state(admin)
    answer = await admin.post("/api/rules", json=rule)
    assert answer.status_code == 422, answer.text
    assert await _state(admin) == before
    return str(answer.json()["detail"])


async def test_a_rule_without_a_condition_is_refused_naming_the_conditions(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    said = await _refused(admin, {"name": "nocond", "category": "safety"})
    assert "no condition" in said
    for key in CONDITION_NAMES:
        assert key in said, key
    # qualifiers alone are no condition either
    said = await _refused(admin, {"name": "fields only", "fields": ["subject"], "grade": "urgent"})
    assert "no condition" in said
    # the same rule in an imported TOML file, and in a replaced list
    toml = (await admin.get("/api/rules/export")).text + (
        '\n[[rules]]\nname = "nocond"\ncategory = "safety"\n'
    )
    imported = await admin.post(
        "/api/rules/import", content=toml, headers={"Content-Type": "application/toml"}
    )
    assert imported.status_code == 422 and "no condition" in imported.json()["detail"]
    # one condition is enough
    added = await admin.post(
        "/api/rules", json={"name": "webhook only", "channel": ["webhook"], "tags": ["web"]}
    )
    assert added.status_code == 201, added.text


async def test_a_rule_that_can_never_match_is_refused_naming_the_field(desk: Desk) -> None:
    """A channel no message comes by, a keyword of blanks: 422 naming the
    field, nothing published; the dry-run refuses the same channel with the same words."""
    admin = await desk.account("Root", role="admin", departments=())
    said = await _refused(admin, {"name": "faxes", "channel": ["fax"], "tags": ["x"]})
    assert "channel" in said and "'fax'" in said
    assert "keywords" in await _refused(admin, {"name": "blank", "keywords": ["  "], "tags": ["x"]})
    tried = await admin.post("/api/rules/dry-run", json={"text": "hello", "channel": "fax"})
    assert tried.status_code == 422 and "there is no channel 'fax'" in tried.text


@pytest.mark.parametrize("pattern", ["(a+)+$", "(\\w+\\s?)*$", "(?:x*y?)+z", "((ab)+c?)*d"])
async def test_a_pattern_that_repeats_a_repeat_is_refused(desk: Desk, pattern: str) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    said = await _refused(admin, {"name": "slow", "pattern": pattern, "category": "safety"})
    assert "repeats a part that itself repeats" in said and "slow" in said


async def test_safe_patterns_are_kept(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    for name, pattern in [
        ("digits", r"\border\s*#?\d{6,}"),
        ("groups of digits", r"(?:[.,]\d{3})+ ?eur"),
        ("possessive", r"(?:a++b)+c"),
    ]:
        added = await admin.post(
            "/api/rules", json={"name": name, "pattern": pattern, "tags": ["x"]}
        )
        assert added.status_code == 201, (pattern, added.text)


async def test_a_pattern_over_its_budget_gives_up_and_the_complaint_is_routed(
    desk: Desk,
) -> None:
    """`(a|aa)+$` backtracks exponentially without a repeat inside a repeat: it is accepted, and
    its search stops after PATTERN_TIMEOUT instead of holding intake up."""
    admin = await desk.account("Root", role="admin", departments=())
    rule = {"name": "alternation", "pattern": "(a|aa)+$", "category": "safety", "grade": "urgent"}
    assert (await admin.post("/api/rules", json=rule)).status_code == 201
    started = time.monotonic()
    answer = await desk.complain("a" * 60 + "! my kettle is broken")
    assert time.monotonic() - started < 10 * PATTERN_TIMEOUT + 5
    assert answer["category"] != "safety"
    detail = (await admin.get(f"/api/complaints/{answer['complaint']}")).json()
    step = next(s for s in detail["routing_trace"] if s["rule"] == "alternation")
    assert step["matched"] is False and step["reason"] == "no_pattern"
    assert step["facts"]["gave_up"] == f"{PATTERN_TIMEOUT} s"
    assert step["detail"].startswith("pattern gave up after")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"name": "n" * (MAX_NAME + 1)}, "name"),
        ({"description": "d" * 2001}, "description"),
        ({"pattern": "x" * (MAX_PATTERN + 1)}, "pattern"),
        ({"keywords": [f"k{n}" for n in range(MAX_TERMS + 1)]}, "keywords"),
        ({"keywords": ["k" * 201]}, "keywords"),
        ({"tags": [f"t{n}" for n in range(51)]}, "tags"),
    ],
)
async def test_rules_over_the_limits_are_refused_naming_the_field(
    desk: Desk, change: dict[str, Any], named: str
) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    rule = {"name": "big", "keywords": ["kettle"], "category": "safety"} | change
    before = await _state(admin)
    answer = await admin.post("/api/rules", json=rule)
    assert answer.status_code == 422, answer.text
    problems = answer.json()["detail"]
    assert any(problem["field"].startswith(named) for problem in problems), problems
    assert any("at most" in problem["error"] for problem in problems), problems
    assert await _state(admin) == before


async def test_an_imported_rule_over_the_limits_is_refused(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    keywords = ", ".join(f'"k{n}"' for n in range(MAX_TERMS + 1))
    toml = (await admin.get("/api/rules/export")).text + (
        f'\n[[rules]]\nname = "many"\nkeywords = [{keywords}]\ntags = ["x"]\n'
    )
    before = await _state(admin)
    answer = await admin.post(
        "/api/rules/import", content=toml, headers={"Content-Type": "application/toml"}
    )
    assert answer.status_code == 422, answer.text
    assert f"keywords has over {MAX_TERMS} entries" in answer.json()["detail"]
    assert await _state(admin) == before
