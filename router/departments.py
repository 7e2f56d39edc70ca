"""A `[departments.KEY]` table of the rule set, read and checked, and the names of a department
or a category, which are written the same way.

The routing tables are checked here and in router/rules.py, not by the settings models of
config/, but an error reads as every other key's does ("[departments.billing] supervisor:
must be …", at the key's line): the reader fixes one file and should meet one way of saying.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from complaints.addresses import STAFF_ADDRESS
from complaints.errors import RuleError
from complaints.fields import ASKABLE_FIELDS
from complaints.languages import SUPPORTED
from router.rule_locator import Locator

DEPARTMENT_KEYS = ("name", "telegram_chat_id", "ask", "supervisor", "supervisor_language")
"""The keys of a [departments.KEY] table."""


@dataclass(frozen=True)
class Department:
    key: str
    names: Mapping[str, str]
    telegram_chat_id: int | None = None
    """The department's Telegram group: new complaints are posted there, agents answer there."""
    ask: tuple[str, ...] = ()
    """Registration fields the bot asks a chat customer for, in order, when they are missing."""
    supervisor: str = ""
    """Where escalations go first: "email:boss@example.com" or "telegram:-100…"."""
    supervisor_language: str = ""
    """The language of what `supervisor` is told, which is tied to no account (one of
    complaints.languages.SUPPORTED); "": the desk's, `[bot] default_language`."""


def read_department(key: str, value: Any, where: Locator) -> Department:
    """`[departments.KEY]` as written, or a `RuleError` naming the key that is wrong."""
    table = f"departments.{key}"

    def fail(name: str, reason: str) -> RuleError:
        return RuleError(where.key(table, name, reason))

    if not isinstance(value, dict):
        raise RuleError(where.at(f"[{table}]", f"{table}: must be a table"))
    for name in value:
        if name not in DEPARTMENT_KEYS:
            close = difflib.get_close_matches(name, DEPARTMENT_KEYS, n=1)
            hint = (
                f"did you mean {close[0]}?" if close else f"known keys: {_listed(DEPARTMENT_KEYS)}"
            )
            raise fail(name, f"unknown key; {hint}")
    chat = value.get("telegram_chat_id")
    if chat is not None and (not isinstance(chat, int) or isinstance(chat, bool)):
        raise fail("telegram_chat_id", "must be an integer chat id, e.g. -1001234567890")
    supervisor = value.get("supervisor", "")
    if supervisor != "" and not (isinstance(supervisor, str) and STAFF_ADDRESS.match(supervisor)):
        raise fail(
            "supervisor",
            'must be "email:<address>" or "telegram:<chat id>", e.g. "email:boss@example.com"',
        )
    language = value.get("supervisor_language", "")
    if language not in ("", *SUPPORTED):
        raise fail("supervisor_language", f"must be one of {_listed(SUPPORTED)}, not {language!r}")
    return Department(
        key,
        read_names(value, table, where),
        chat,
        _ask(value.get("ask", []), fail),
        supervisor,
        language,
    )


def _ask(ask: Any, fail: Any) -> tuple[str, ...]:
    fields = _listed(ASKABLE_FIELDS)
    if not isinstance(ask, list) or not all(isinstance(item, str) for item in ask):
        raise fail("ask", f"must be a list of fields among {fields}")
    for item in ask:
        if item not in ASKABLE_FIELDS:
            close = difflib.get_close_matches(item, ASKABLE_FIELDS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise fail("ask", f"unknown field {item!r}{hint}; fields: {fields}")
    return tuple(ask)


def read_names(value: Any, table: str, where: Locator) -> dict[str, str]:
    """The `name` of `[table]`: one for every language, or a table of one per language."""
    names = value.get("name", {}) if isinstance(value, dict) else None
    if isinstance(names, str):
        return {language: names for language in SUPPORTED}
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        reason = f"must be a string or a table of one name per language ({_listed(SUPPORTED)})"
        raise RuleError(where.key(table, "name", reason))
    unknown = sorted(set(names) - set(SUPPORTED))
    if unknown:
        reason = f"unknown language(s) {_listed(unknown)}; languages: {_listed(SUPPORTED)}"
        raise RuleError(where.key(table, "name", reason))
    return names


def _listed(names: Any) -> str:
    return ", ".join(names)
