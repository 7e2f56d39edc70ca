"""A rule set version's note as the console shows it, in the reader's language.

admin/rule_book.py writes each note in English for the API and the audit ("added rule 'fibra
cortada' at position 1", "disabled rule 'x'", "imported TOML: added 'x'; reordered"): the
console translates the frame of the notes the rule book writes and the summary of what changed
after a colon (admin.rule_tables.describe_change: "routing changed; added 'a', 'b'; removed
'c'; changed 'd' (keywords, grade); reordered", or "no change"), and keeps the rules' names. A
note it does not know (one given at publishing), or a summary it cannot read whole, is shown as
written.
"""

from __future__ import annotations

import ast
import re

from router.rules import RULE_KEYS
from web.console.i18n import N_, Patterns, Phrase, Shown, joined, matched

_NAME = r"(?P<q>['\"])(?P<rule>.*?)(?P=q)"
_NOTES: Patterns = (
    (
        re.compile(rf"added rule {_NAME} at position (?P<position>\d+)"),
        N_("added rule “%(rule)s” at position %(position)s").msgid,
    ),
    (re.compile(rf"added rule {_NAME} last"), N_("added rule “%(rule)s” last").msgid),
    (
        re.compile(rf"moved rule {_NAME} to position (?P<position>\d+)"),
        N_("moved rule “%(rule)s” to position %(position)s").msgid,
    ),
    (re.compile(rf"enabled rule {_NAME}"), N_("enabled rule “%(rule)s”").msgid),
    (re.compile(rf"disabled rule {_NAME}"), N_("disabled rule “%(rule)s”").msgid),
    (re.compile(rf"deleted rule {_NAME}"), N_("deleted rule “%(rule)s”").msgid),
    (re.compile("replaced the rule list"), N_("replaced the rule list").msgid),
    (re.compile("imported TOML"), N_("imported TOML").msgid),
)
_REPR = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
"""A rule's name as repr() writes it in a summary (either quote, backslash escapes)."""
_NAMES = rf"{_REPR}(?:, {_REPR})*"
_KEYS = "|".join(RULE_KEYS)
_CHANGES: Patterns = (
    # admin.rule_tables.describe_change, one part of its "; "-separated summary each
    (re.compile("departments changed"), N_("departments changed").msgid),
    (re.compile("categories changed"), N_("categories changed").msgid),
    (re.compile("routing changed"), N_("the routing settings changed").msgid),
    (re.compile(rf"added (?P<rules>{_NAMES})"), N_("added %(rules)s").msgid),
    (re.compile(rf"removed (?P<rules>{_NAMES})"), N_("removed %(rules)s").msgid),
    (
        re.compile(rf"changed (?P<rule>{_REPR}) \((?P<keys>(?:{_KEYS})(?:, (?:{_KEYS}))*)\)"),
        N_("changed %(rule)s (%(keys)s)").msgid,
    ),
    (re.compile("reordered"), N_("reordered").msgid),
    (re.compile("no change"), N_("no change").msgid),
)
_PARTS = [re.compile(rf"(?:{pattern.pattern})(?=; |\Z)") for pattern, _ in _CHANGES]
"""Each part as it starts a summary's remainder, up to the next part or the end."""
RULE_KEY_NAMES: dict[str, Phrase] = {
    # router.rules.RULE_KEYS as the summary names what changed in a rule
    "name": N_("name"),
    "enabled": N_("enabled"),
    "description": N_("description"),
    "keywords": N_("keywords"),
    "pattern": N_("pattern"),
    "unless": N_("exceptions"),
    "unless_negated": N_("negations"),
    "fields": N_("fields"),
    "channel": N_("channels"),
    "language": N_("languages"),
    "tier": N_("tiers"),
    "has_attachment": N_("attachments"),
    "repeat": N_("repeat complaints"),
    "category": N_("category"),
    "department": N_("department"),
    "grade": N_("grade"),
    "min_grade": N_("minimum grade"),
    "raise_grade": N_("raised grade"),
    "tags": N_("tags"),
}


def rule_note(note: str) -> Shown:
    """`note` with its frame and its summary translated; as written when it is not one the
    rule book writes."""
    head, colon, rest = note.partition(": ")
    said = matched(_NOTES, head)
    if said is None:
        return change_summary(note) or note
    return (
        N_("%(note)s: %(detail)s", note=said, detail=change_summary(rest) or rest)
        if colon
        else said
    )


def change_summary(summary: str) -> Phrase | None:
    """A summary of describe_change, each part translated and each rule's name quoted the
    reader's way; None when `summary` is not one."""
    parts: list[Phrase] = []
    at = 0
    while at < len(summary):
        found = next((m for part in _PARTS if (m := part.match(summary, at))), None)
        said = matched(_CHANGES, found.group(), _shown) if found is not None else None
        if found is None or said is None:
            return None
        parts.append(said)
        at = found.end() + 2
    whole: Phrase | None = None
    for part in parts:
        whole = part if whole is None else N_("%(list)s; %(item)s", list=whole, item=part)
    return whole


def _shown(group: str, value: str) -> Shown:
    if group == "keys":
        return joined([RULE_KEY_NAMES.get(key, key) for key in value.split(", ")])
    names: list[Shown] = [_quoted(name) for name in re.findall(_REPR, value)]
    return joined(names) if group == "rules" else names[0]


def _quoted(written: str) -> Phrase:
    return N_("“%(rule)s”", rule=ast.literal_eval(written))
