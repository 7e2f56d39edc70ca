"""The routing rule set: its data types and how it is read and validated from TOML tables.

A rule is a set of conditions (all must hold) and a set of actions. Rules are evaluated in
order, every one of them, so the trace is complete. For category, department and grade the
first matching rule that sets the field wins; tags accumulate; `min_grade` and `raise_grade`
then adjust the settled grade, in rule order.

Validation happens here, once, at load time: a rule that would fail at routing time (an unknown
category, a bad regular expression) stops the bot at start with the file, line and reason.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complaints.errors import RuleError
from complaints.grades import GRADES
from complaints.languages import SUPPORTED
from router.departments import Department, read_department, read_names
from router.rule_checks import check_condition, check_written, compile_pattern
from router.rule_locator import Locator
from router.text import KeywordMatcher

SEARCHABLE_FIELDS = ("subject", "text")

# ---- the schema of the routing tables: the one place that lists their keys ----------------------

ROUTING_KEYS = ("departments", "categories", "routing", "rules")
"""The tables of settings.toml (and of a stored rule set) that make up the routing rules."""
CONDITION_KEYS = (
    "keywords",
    "pattern",
    "unless",
    "unless_negated",
    "fields",
    "channel",
    "language",
    "tier",
    "has_attachment",
    "repeat",
)
ACTION_KEYS = ("category", "department", "grade", "min_grade", "raise_grade", "tags")
RULE_KEYS = ("name", "enabled", "description", *CONDITION_KEYS, *ACTION_KEYS)
"""The keys of a [[rules]] table, in the order a person reads them."""
RULE_LIST_KEYS = ("keywords", "unless", "fields", "channel", "language", "tier", "tags")
"""Keys whose value is a list (a single string is accepted as a list of one)."""
RULE_DEFAULTS: Mapping[str, Any] = {
    "enabled": True,
    "description": "",
    "pattern": "",
    "unless_negated": False,
    "fields": list(SEARCHABLE_FIELDS),
    "has_attachment": None,
    "repeat": None,
    "category": "",
    "department": "",
    "grade": "",
    "min_grade": "",
    "raise_grade": False,
    **{key: [] for key in ("keywords", "unless", "channel", "language", "tier", "tags")},
}
"""What a key of a [[rules]] table means when it is left out (`name` has no default)."""


def canonical_text(tables: Mapping[str, Any]) -> str:
    """The stored form of a rule set's tables: equal tables give equal text, hence one version."""
    return json.dumps(
        {key: tables.get(key) for key in ROUTING_KEYS},
        sort_keys=True,
        ensure_ascii=False,
        indent=1,
    )


@dataclass(frozen=True)
class Repeat:
    """Holds when the customer opened at least `at_least` complaints in the last `within_days`."""

    at_least: int
    within_days: int


@dataclass(frozen=True)
class Rule:
    name: str
    enabled: bool = True
    keywords: tuple[str, ...] = ()
    pattern: str = ""
    unless: tuple[str, ...] = ()
    """Phrases that hold a keyword in another sense ("fire tv"): a keyword found inside one of
    them does not count."""
    unless_negated: bool = False
    """A keyword (or pattern match) shortly after a negation cue ("no injury") does not count."""
    fields: tuple[str, ...] = SEARCHABLE_FIELDS
    channels: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    has_attachment: bool | None = None
    repeat: Repeat | None = None
    category: str = ""
    department: str = ""
    grade: str = ""
    min_grade: str = ""
    raise_grade: bool = False
    tags: tuple[str, ...] = ()
    keyword_matcher: KeywordMatcher | None = field(default=None, compare=False, repr=False)
    unless_matcher: KeywordMatcher | None = field(default=None, compare=False, repr=False)
    pattern_regex: Any = field(default=None, compare=False, repr=False)
    """The compiled `pattern` (a `regex` pattern: see `router.rule_checks`)."""


@dataclass(frozen=True)
class Category:
    key: str
    department: str
    names: Mapping[str, str]
    min_grade: str = ""
    """The least grade of a complaint in this category, whoever chose the category (a rule,
    the triage model or the default): privacy is at least important, safety urgent."""


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    categories: Mapping[str, Category]
    departments: Mapping[str, Department]
    default_category: str
    default_grade: str = "general"
    version: int = 0
    """The stored version number; 0 until the store has recorded this rule set."""


def load_rule_set(
    data: Mapping[str, Any], source: Path, text: str, *, stored: bool = False
) -> RuleSet:
    """Build a `RuleSet` from the parsed settings (`departments`, `categories`, `routing`,
    `rules`). `text` is the file's content, used only to point errors at a line. A `stored`
    version, accepted once, skips the checks for new rules (`router.rule_checks`), so an
    upgrade cannot stop the bot; the time budget still guards its patterns."""
    where = Locator(source, text)
    departments = {
        key: read_department(key, value, where)
        for key, value in _table(data, "departments", where).items()
    }
    if not departments:
        raise RuleError(where.at("[departments]", "at least one department is required"))
    categories: dict[str, Category] = {}
    for key, value in _table(data, "categories", where).items():
        department = value.get("department", "") if isinstance(value, dict) else ""
        if department not in departments:
            raise RuleError(
                where.at(
                    f"[categories.{key}]",
                    f"category {key!r} names department {department!r}; "
                    f"known departments: {', '.join(sorted(departments))}",
                )
            )
        floor = value.get("min_grade", "") if isinstance(value, dict) else ""
        if floor and floor not in GRADES:
            reason = f"must be one of {', '.join(GRADES)}, not {floor!r}"
            raise RuleError(where.key(f"categories.{key}", "min_grade", reason))
        categories[key] = Category(
            key, department, read_names(value, f"categories.{key}", where), min_grade=floor
        )
    routing = _table(data, "routing", where)
    default_category = routing.get("default_category", "other")
    if default_category not in categories:
        raise RuleError(
            where.at(
                "[routing]", f"default_category {default_category!r} is not a defined category"
            )
        )
    default_grade = routing.get("default_grade", "general")
    if default_grade not in GRADES:
        raise RuleError(where.at("[routing]", f"default_grade must be one of {', '.join(GRADES)}"))
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RuleError(where.at("rules", "rules must be an array of tables: [[rules]]"))
    rules = tuple(
        _rule(raw, index, categories, departments, where, stored)
        for index, raw in enumerate(raw_rules)
    )
    names = [rule.name for rule in rules]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise RuleError(where.rule(index, f"rule name {name!r} is used twice"))
    return RuleSet(rules, categories, departments, default_category, default_grade)


def _rule(
    raw: Any,
    index: int,
    categories: Mapping[str, Category],
    departments: Mapping[str, Department],
    where: Locator,
    stored: bool,
) -> Rule:
    def fail(reason: str) -> RuleError:
        return RuleError(where.rule(index, reason))

    if not isinstance(raw, dict):
        raise fail("a rule must be a table")
    unknown = set(raw) - set(RULE_KEYS)
    if unknown:
        raise fail(
            f"unknown key(s) {', '.join(sorted(unknown))}; "
            f"conditions: {', '.join(sorted(CONDITION_KEYS))}; "
            f"actions: {', '.join(sorted(ACTION_KEYS))}"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("every rule needs a non-empty name")
    if not stored:
        check_written(raw, name, fail)
    keywords = _strings(raw, "keywords", fail)
    pattern = raw.get("pattern", "")
    pattern_regex = compile_pattern(pattern, name, fail, stored) if pattern else None
    unless, unless_negated = _qualifiers(raw, name, bool(keywords or pattern), fail)
    fields = _strings(raw, "fields", fail) or SEARCHABLE_FIELDS
    if set(fields) - set(SEARCHABLE_FIELDS):
        raise fail(f"rule {name!r}: fields may only be {', '.join(SEARCHABLE_FIELDS)}")
    languages = _strings(raw, "language", fail)
    if set(languages) - set(SUPPORTED):
        raise fail(f"rule {name!r}: language must be among {', '.join(SUPPORTED)}")
    has_attachment = raw.get("has_attachment")
    if has_attachment is not None and not isinstance(has_attachment, bool):
        raise fail(f"rule {name!r}: has_attachment must be true or false")
    repeat = _repeat(raw.get("repeat"), name, fail)
    category = raw.get("category", "")
    if category and category not in categories:
        raise fail(f"rule {name!r}: unknown category {category!r}")
    department = raw.get("department", "")
    if department and department not in departments:
        raise fail(f"rule {name!r}: unknown department {department!r}")
    for key in ("grade", "min_grade"):
        if raw.get(key, "") and raw[key] not in GRADES:
            raise fail(f"rule {name!r}: {key} must be one of {', '.join(GRADES)}")
    raise_grade = raw.get("raise_grade", False)
    if not isinstance(raise_grade, bool):
        raise fail(f"rule {name!r}: raise_grade must be true or false")
    tags = _strings(raw, "tags", fail)
    if not (
        category or department or raw.get("grade") or raw.get("min_grade") or raise_grade or tags
    ):
        raise fail(
            f"rule {name!r} has no action: set category, department, grade, "
            "min_grade, raise_grade or tags"
        )
    if not stored:
        check_condition(raw, name, fail)
    return Rule(
        name=name,
        enabled=bool(raw.get("enabled", True)),
        keywords=keywords,
        pattern=pattern,
        unless=unless,
        unless_negated=unless_negated,
        fields=fields,
        channels=frozenset(_strings(raw, "channel", fail)),
        languages=frozenset(languages),
        tiers=frozenset(tier.lower() for tier in _strings(raw, "tier", fail)),
        has_attachment=has_attachment,
        repeat=repeat,
        category=category,
        department=department,
        grade=raw.get("grade", ""),
        min_grade=raw.get("min_grade", ""),
        raise_grade=raise_grade,
        tags=tags,
        keyword_matcher=_matcher(keywords) if keywords else None,
        pattern_regex=pattern_regex,
        unless_matcher=_matcher(unless) if unless else None,
    )


@functools.lru_cache(maxsize=512)
def _matcher(keywords: tuple[str, ...]) -> KeywordMatcher:
    """The same keywords make the same matcher, never changed once made: kept, since every
    start (and rule book refresh) builds the rule set again, and they were ~6 ms of it."""
    return KeywordMatcher(list(keywords))


def _qualifiers(raw: Any, name: str, has_terms: bool, fail: Any) -> tuple[tuple[str, ...], bool]:
    """`unless` and `unless_negated`, which only qualify what keywords or a pattern found."""
    unless = _strings(raw, "unless", fail)
    unless_negated = raw.get("unless_negated", False)
    if not isinstance(unless_negated, bool):
        raise fail(f"rule {name!r}: unless_negated must be true or false, not {unless_negated!r}")
    if (unless or unless_negated) and not has_terms:
        raise fail(
            f"rule {name!r}: unless and unless_negated qualify what keywords or pattern find; "
            "add keywords or a pattern, or remove them"
        )
    return unless, unless_negated


def _repeat(raw: Any, name: str, fail: Any) -> Repeat | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, dict)
        or set(raw) != {"at_least", "within_days"}
        or not all(isinstance(value, int) and value > 0 for value in raw.values())
    ):
        raise fail(f"rule {name!r}: repeat must be {{ at_least = N, within_days = D }}, N, D > 0")
    return Repeat(raw["at_least"], raw["within_days"])


def _strings(raw: Mapping[str, Any], key: str, fail: Any) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise fail(f"rule {raw.get('name')!r}: {key} must be a list of non-empty strings")
    return tuple(value)


def _table(data: Mapping[str, Any], key: str, where: Locator) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise RuleError(where.at(key, f"{key} must be a table"))
    return value


def raised(grade: str) -> str:
    """The grade one step up (urgent stays urgent): an escalation or a rule's raise_grade."""
    return GRADES[min(GRADES.index(grade) + 1, len(GRADES) - 1)]
