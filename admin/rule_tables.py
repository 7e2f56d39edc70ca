"""A rule set's tables as settings.toml holds them, and pure edits of its [[rules]] list.

The console and the HTTP API see and send rules with the keys of settings.toml's [[rules]]
tables: `full_rule` lists every key, `compact_rule` keeps only those that differ from the
default, as one writes them in TOML. Every edit returns new tables; validating them is the
rule book's job.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import tomli_w

from complaints.errors import RuleChangeRefused, UnknownRule
from router.rules import ROUTING_KEYS, RULE_DEFAULTS, RULE_KEYS, RULE_LIST_KEYS

Tables = dict[str, Any]
"""A rule set's tables as in settings.toml: departments, categories, routing and rules."""


# ---- one rule as a table ---------------------------------------------------------------------


def full_rule(table: Mapping[str, Any]) -> dict[str, Any]:
    """Every key of a [[rules]] table, defaults filled in and single strings made lists, so a
    form or a client sees each condition and action explicitly."""
    full = {"name": table.get("name", "")}
    for key in RULE_KEYS[1:]:
        value = table.get(key, copy.deepcopy(RULE_DEFAULTS[key]))
        full[key] = [value] if key in RULE_LIST_KEYS and isinstance(value, str) else value
    return full


def compact_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A rule as one writes it in settings.toml: only the keys that differ from the default
    (unknown keys are kept, so validation names them)."""
    known = {
        key: rule[key]
        for key in RULE_KEYS
        if key in rule and rule[key] is not None and rule[key] != RULE_DEFAULTS.get(key)
    }
    return known | {key: value for key, value in rule.items() if key not in RULE_KEYS}


def in_key_order(rule: Mapping[str, Any]) -> dict[str, Any]:
    return {key: rule[key] for key in RULE_KEYS if key in rule} | dict(rule)


# ---- changes to the tables (pure: they return new tables) -------------------------------------


def rules_of(tables: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(rule) for rule in tables.get("rules") or []]


def _index(rules: Sequence[Mapping[str, Any]], name: str) -> int:
    for index, rule in enumerate(rules):
        if rule.get("name") == name:
            return index
    raise UnknownRule(
        "there is no rule named '%(name)s'; the rule list shows the names in use", name=name
    )


def _position(position: int, count: int) -> int:
    """A 1-based position (1 = evaluated first) as a list index."""
    if not 1 <= position <= count:
        raise RuleChangeRefused(
            "position must be between 1 and %(count)s; 1 is evaluated first", count=count
        )
    return position - 1


def with_rule(tables: Tables, rule: Mapping[str, Any], position: int | None = None) -> Tables:
    """The tables with `rule` added at `position` (1-based; default: last)."""
    rules = rules_of(tables)
    index = len(rules) if position is None else _position(position, len(rules) + 1)
    rules.insert(index, compact_rule(rule))
    return tables | {"rules": rules}


def with_rule_replaced(tables: Tables, name: str, rule: Mapping[str, Any]) -> Tables:
    rules = rules_of(tables)
    rules[_index(rules, name)] = compact_rule(rule)
    return tables | {"rules": rules}


def with_rule_moved(tables: Tables, name: str, position: int) -> Tables:
    rules = rules_of(tables)
    moved = rules.pop(_index(rules, name))
    rules.insert(_position(position, len(rules) + 1), moved)
    return tables | {"rules": rules}


def with_rule_enabled(tables: Tables, name: str, enabled: bool) -> Tables:
    rules = rules_of(tables)
    index = _index(rules, name)
    rules[index] = compact_rule(rules[index] | {"enabled": enabled})
    return tables | {"rules": rules}


def without_rule(tables: Tables, name: str) -> Tables:
    rules = rules_of(tables)
    del rules[_index(rules, name)]
    return tables | {"rules": rules}


def with_rules(tables: Tables, rules: Sequence[Mapping[str, Any]]) -> Tables:
    """The tables with their rule list replaced. A rule equal to the stored one of its name
    keeps its stored form, so sending back the list as read changes nothing."""
    stored = {rule.get("name"): rule for rule in rules_of(tables)}
    kept = []
    for rule in rules:
        old = stored.get(rule.get("name"))
        same = old is not None and full_rule(old) == full_rule(compact_rule(rule))
        kept.append(old if same else compact_rule(rule))
    return tables | {"rules": kept}


def to_toml(tables: Mapping[str, Any], version: int) -> str:
    """The tables as settings.toml writes them ([routing], [departments.*], [categories.*],
    [[rules]]), ready to paste there in place of those tables."""
    ordered = {
        key: tables[key]
        for key in ("routing", "departments", "categories")
        if tables.get(key) is not None
    }
    if tables.get("rules") is not None:
        ordered["rules"] = [in_key_order(rule) for rule in tables["rules"]]
    return (
        f"# Routing rules, version {version}. Paste these tables into settings.toml in place of\n"
        "# its [routing], [departments.*], [categories.*] and [[rules]] tables, or import them.\n"
        "# settings.toml's rules become active at the next start when its tables change.\n\n"
        + tomli_w.dumps(ordered, multiline_strings=True)
    )


def describe_change(before: Tables, after: Tables) -> str:
    """What changed between two rule sets, for the version's note."""
    old = {rule.get("name"): full_rule(rule) for rule in rules_of(before)}
    new = {rule.get("name"): full_rule(rule) for rule in rules_of(after)}
    parts = [f"{key} changed" for key in ROUTING_KEYS[:3] if before.get(key) != after.get(key)]
    for verb, names in (
        ("added", [name for name in new if name not in old]),
        ("removed", [name for name in old if name not in new]),
    ):
        if names:
            parts.append(f"{verb} {', '.join(repr(name) for name in names)}")
    for name, rule in new.items():
        keys = [key for key in RULE_KEYS if name in old and rule[key] != old[name][key]]
        if keys:
            parts.append(f"changed {name!r} ({', '.join(keys)})")
    common = [name for name in new if name in old]
    if common != [name for name in old if name in new]:
        parts.append("reordered")
    return "; ".join(parts) or "no change"
