"""The rule errors an admin meets on the rules pages are whole sentences in the console's
language: a nested repeat, a keyword too long, a dry run's bad pattern, an imported file
without departments, a rule with no action were left partly English in the zh-Hans console.
Only a regular expression's own message stays English (README: the console)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from admin.rule_book import ROUTING_KEYS, check, tables_from_toml
from admin.rule_tables import with_rules
from complaints.errors import RuleError
from web.console.i18n import catalogs, say
from web.console.phrasing import phrased

SETTINGS = tomllib.loads((Path(__file__).parents[2] / "settings.toml").read_text("utf-8"))
TABLES = {key: SETTINGS[key] for key in ROUTING_KEYS if key in SETTINGS}
ENGLISH = re.compile(r"\b(the|is|are|or|of|over|at least|set|draft|imported|required)\b")


def _draft(rule: Mapping[str, Any], source: str = "the new rule set") -> Callable[[], object]:
    return lambda: check(with_rules(TABLES, [rule]), source)


def _refusal(attempt: Callable[[], object]) -> RuleError:
    with pytest.raises(RuleError) as refused:
        attempt()
    return refused.value


CASES = {
    "nested": _draft({"name": "r", "pattern": "(a+)+$", "category": "billing"}),
    "long keyword": _draft({"name": "r", "keywords": ["x" * 300], "category": "billing"}),
    "dry run": _draft({"name": "r", "pattern": "(?P<x", "category": "billing"}, "the draft"),
    "no departments": lambda: tables_from_toml(
        '[[rules]]\nname = "a"\nkeywords = ["x"]\ncategory = "billing"\n'
    ),
    "no action": _draft({"name": "r", "keywords": ["x"]}),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("locale", ["zh-Hans", "zh-Hant", "es"])
def test_a_rule_error_is_said_in_the_readers_language(case: str, locale: str) -> None:
    shown = say(catalogs()[locale], phrased(_refusal(CASES[case]).said))
    regex_own = "missing >, unterminated name at position 4"  # the regex's message stays
    assert not ENGLISH.search(shown.replace(regex_own, "")), shown
    if case == "no action":
        assert "category" in shown and "tags" in shown  # keys stay keys


def test_the_shapes_of_the_sentences() -> None:
    zh = {case: say(catalogs()["zh-Hans"], phrased(_refusal(t).said)) for case, t in CASES.items()}
    assert zh["long keyword"].endswith("keywords 中有一项超过 200 个字符")
    assert zh["dry run"].startswith("草稿第 1 条规则")
    assert zh["no departments"].startswith("导入的 rules.toml")
    assert "grade、min_grade、raise_grade或tags" in zh["no action"]
