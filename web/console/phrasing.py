"""The services' texts (a refusal, an outcome: `complaints.errors.Said`) as the console shows
them: the English text is a msgid of the catalogs, and the values that are keys (a status, a
grade, a department) are named for staff, so the whole sentence is in the reader's language.
Apart from web.console.wording, which names one key at a time (`LABELS`) and writes times and
money: this module decides which values of a text are keys and of what kind."""

from __future__ import annotations

import re
from collections.abc import Mapping

from complaints.errors import Said
from complaints.money import Amount
from web.console.i18n import N_, Money, Named, Phrase, Value, joined
from web.console.rule_errors import rule_problem
from web.console.wording import LABELS

KEYED_VALUES: Mapping[str, str] = {
    "status": "status",
    "new_status": "status",
    "choices": "status",
    "known": "status",
    "grade": "grade",
    "grades": "grade",
    "role": "role",
    "roles": "role",
    "channel": "channel",
    "channels": "channel",
    "kind": "solution",
    "solution_status": "solution_status",
    "field": "form_field",
    "registration_field": "registration",
    "fields": "registration",
    "editable": "registration",
    "language": "language",
    "languages": "language",
    "kinds": "solution",
    "period_field": "period_field",
    "start": "period_field",
    "end": "period_field",
}
"""Which values of the services' texts (`complaints.errors.Said`) are keys, by their name."""


NAMED_VALUES: Mapping[str, str] = {
    "category": "category",
    "department": "department",
    "yours": "department",
    "departments": "department",
}
"""Values of the services' texts that are category or department keys (a list of them, for
`yours`): named by the rule set when shown."""
LISTED_VALUES = frozenset(
    {
        "choices",
        "known",
        "yours",
        "grades",
        "roles",
        "channels",
        "departments",
        "fields",
        "editable",
        "languages",
        "kinds",
    }
)
"""Values that are lists already joined (", ") of keys."""


def _keyed(kind: str, key: str) -> Phrase | str:
    if kind in Named.KINDS:
        return Named(key, kind=kind)
    # A solution's status is written "awaiting approval" in the English text.
    return LABELS[kind].get(key.replace(" ", "_"), key)


def phrased(said: Said) -> Phrase:
    """A text of the services (a refusal, an outcome) as the console shows it: its English
    text is a msgid of the catalogs, and the values that are keys (a status, a grade, a
    channel, a solution's kind, a department) are named for staff, so the whole sentence is
    in the reader's language. A rule set's error (an English text with its values in it,
    from router/rules.py) is translated as far as its frame goes (web.console.rule_errors);
    another text with no catalog entry stays English."""
    if not said.values:
        return rule_problem(said.msgid) or corrections(said.msgid) or Phrase(said.msgid)
    values: dict[str, Value] = {}
    for name, value in said.values.items():
        kind = NAMED_VALUES.get(name) or KEYED_VALUES.get(name)
        if name == "amount" and isinstance(value, str) and Amount.of_record(value):
            values[name] = Money(value)  # "150.00 EUR" as the reader writes amounts
        elif kind is not None and isinstance(value, str) and value:
            if name in LISTED_VALUES:
                values[name] = joined([_keyed(kind, key) for key in value.split(", ")])
            else:
                values[name] = _keyed(kind, value)
        else:
            values[name] = value
    return Phrase(said.msgid, values)


_CORRECTION = re.compile(r"(?P<field>category|grade|department) (?P<before>\S*) → (?P<after>\S+)")


def corrections(text: str) -> Phrase | None:
    """A correction's summary (staff.corrections: "grade general → urgent; department a → b")
    with the fields' names and the keys' names in the reader's language; None when `text` is
    not one."""
    parts = [_CORRECTION.fullmatch(part) for part in text.split("; ")]
    whole: Phrase | None = None
    for part in parts:
        if part is None:
            return None
        field = part["field"]
        sides = [_keyed(field, part[side]) if part[side] else "—" for side in ("before", "after")]
        change = N_(
            "%(field)s %(from)s → %(to)s",
            field=LABELS["detail"][field],
            to=sides[1],
            **{"from": sides[0]},
        )
        whole = change if whole is None else N_("%(list)s; %(item)s", list=whole, item=change)
    return whole
