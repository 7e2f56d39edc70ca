"""A rule set version's note as the console shows it, in the reader's language.

admin/rule_book.py writes each note in English for the API and the audit ("added rule 'fibra
cortada' at position 1", "disabled rule 'x'", "imported TOML: added 'x'"): the console
translates the frame of the notes the rule book writes and keeps the rule's name, and any
summary of what changed after a colon, as written. A note it does not know (one given at
publishing) is shown as it is.
"""

from __future__ import annotations

import re

from web.console.i18n import N_, Phrase, Shown

_NAME = r"(?P<q>['\"])(?P<rule>.*?)(?P=q)"
_NOTES: tuple[tuple[re.Pattern[str], str], ...] = (
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


def rule_note(note: str) -> Shown:
    """`note` with its frame translated; as written when it is not one the rule book writes."""
    head, colon, rest = note.partition(": ")
    for pattern, msgid in _NOTES:
        found = pattern.fullmatch(head)
        if found is not None:
            values = {k: v for k, v in found.groupdict().items() if k in ("rule", "position")}
            said = Phrase(msgid, {k: v for k, v in values.items() if v is not None})
            return N_("%(note)s: %(detail)s", note=said, detail=rest) if colon else said
    return note
