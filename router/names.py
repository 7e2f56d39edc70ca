"""What people call a department or a category: its configured name (`[departments.KEY] name =
{ en = …, es = …, zh-Hans = …, zh-Hant = … }`) in their language, else in English, else the
key. One home for the console's pages and the reports' JSON and CSV."""

from __future__ import annotations

from router.rules import RuleSet


def name_of(rules: RuleSet, kind: str, key: str, language: str) -> str:
    """The name of the department (`kind` "department") or category ("category") `key`."""
    table = rules.departments if kind == "department" else rules.categories
    found = table.get(key)
    if found is None:
        return key
    return found.names.get(language) or found.names.get("en") or key
