"""A rule set's error as the console shows it. router/rules.py writes one English line with
its values in it, "the new rule set: rule #26: rule 'bad one': bad regular expression '(':
missing ), …" (the source, the rule's place, its name, the problem): the console translates
the frame, the rule's identification and the problems it knows, and keeps the rest (a
regular expression's own error, a problem it does not know) as written."""

from __future__ import annotations

import re
from collections.abc import Mapping

from web.console.i18n import N_, Phrase, Shown, Value

SOURCES: Mapping[str, Phrase] = {
    "the new rule set": N_("the new rule set"),
    "the stored rule set": N_("the stored rule set"),
    "the draft": N_("the draft"),  # a dry run's or backtest's rules (admin.rule_trials)
    "imported rules.toml": N_("imported rules.toml"),  # admin.rule_book.tables_from_toml
}
_VERSION = re.compile(r"(?:rule set )?version (?P<version>\d+)")
_FRAME = re.compile(
    r"(?P<source>[^\n]+?)(?::(?P<line>\d+))?: (?:rule #(?P<index>\d+): )?"
    r"(?:rule (?P<q>['\"])(?P<name>.*?)(?P=q): )?(?P<problem>.+)",
    re.DOTALL,
)
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"bad regular expression (?P<pattern>'.*'|\".*\"): (?P<error>.+)", re.DOTALL),
        N_("bad regular expression %(pattern)s: %(error)s").msgid,
    ),
    (re.compile(r"unknown category (?P<key>.+)"), N_("unknown category %(key)s").msgid),
    (re.compile(r"unknown department (?P<key>.+)"), N_("unknown department %(key)s").msgid),
    (
        re.compile(
            r"rule (?P<q>['\"])(?P<name>.*?)(?P=q) has no condition, so it would match every "
            r"message; set at least one of (?P<names>.+)",
            re.DOTALL,
        ),
        N_(
            "rule “%(name)s” has no condition, so it would match every message; set at least "
            "one of %(names)s"
        ).msgid,
    ),
    (
        re.compile(
            r"rule (?P<q>['\"])(?P<name>.*?)(?P=q) has no action: set (?P<names>.+)", re.DOTALL
        ),
        N_("rule “%(name)s” has no action: set %(names)s").msgid,
    ),
    (
        re.compile(r"channel: there is no channel (?P<key>.+); channels: (?P<known>.+)"),
        N_("there is no channel %(key)s; channels: %(known)s").msgid,
    ),
    (
        re.compile(r"keywords has an empty entry; remove it or write a word"),
        N_("a keyword is empty; remove it or write a word").msgid,
    ),
    (re.compile(r"every rule needs a non-empty name"), N_("every rule needs a name").msgid),
    (
        re.compile(
            r"the pattern repeats a part that itself repeats \(a repeat inside a repeat\), "
            r"which can take minutes on one message; .+",
            re.DOTALL,
        ),
        N_(
            "the pattern repeats a part that itself repeats, which can take minutes on one "
            "message; repeat once ((a+)+ is a+, (\\w+\\s?)* is [\\w\\s]*) or make the inner "
            "repeat possessive (a++)"
        ).msgid,
    ),
    (
        re.compile(r"an entry of (?P<key>\w+) is over (?P<limit>\d+) characters"),
        N_("an entry of %(key)s is over %(limit)s characters").msgid,
    ),
    (
        re.compile(r"(?P<key>\w+) is over (?P<limit>\d+) characters"),
        N_("%(key)s is over %(limit)s characters").msgid,
    ),
    (
        re.compile(r"(?P<key>\w+) has over (?P<limit>\d+) entries"),
        N_("%(key)s has over %(limit)s entries").msgid,
    ),
    (
        re.compile(r"(?:\[departments\]: )?at least one department is required"),
        N_("at least one department is required").msgid,
    ),
    (
        re.compile(r"rule name (?P<name>.+) is used twice"),
        N_("the name %(name)s is used twice").msgid,
    ),
)


def _source(text: str) -> Shown:
    found = SOURCES.get(text)
    if found is not None:
        return found
    version = _VERSION.fullmatch(text)
    if version is not None:
        return N_("rule set version %(version)s", version=version["version"])
    return text  # a file's path


def _problem(text: str) -> Shown:
    for pattern, msgid in _PROBLEMS:
        found = pattern.fullmatch(text)
        if found is not None:
            values: dict[str, Value] = {k: v or "" for k, v in found.groupdict().items()}
            if " or " in str(values.get("names", "")):
                values["names"] = _either(str(values["names"]))
            return Phrase(msgid, values)
    return text


def _either(names: str) -> Shown:
    """ "a, b or c" (keys of the rule set, which stay keys) with the reader's commas and "or"."""
    *rest, last = re.split(r", | or ", names)
    listed: Shown = rest[0]
    for name in rest[1:]:
        listed = N_("%(list)s, %(item)s", list=listed, item=name)
    return N_("%(first)s or %(second)s", first=listed, second=last)


def rule_problem(text: str) -> Phrase | None:
    """`text` translated as far as the console knows it, or None when it is not a rule set's
    error (it names neither a line nor a rule)."""
    found = _FRAME.fullmatch(text)
    if found is None:
        return None
    if not (found["line"] or found["index"] or found["name"]):
        # a whole rule set's problem, "imported rules.toml: at least one department is required"
        source, problem = _source(found["source"]), _problem(found["problem"])
        if isinstance(source, str) or isinstance(problem, str):
            return None
        return N_("%(where)s: %(problem)s", where=source, problem=problem)
    where: dict[str, Shown] = {"source": _source(found["source"])}
    frame: Shown
    if found["line"]:
        frame = N_("%(source)s, line %(line)s", line=found["line"], **where)
    elif found["index"]:
        frame = N_("%(source)s, rule #%(index)s", index=found["index"], **where)
    else:
        frame = where["source"]
    problem = _problem(found["problem"])
    if found["name"] is not None:
        return N_(
            "%(where)s, rule “%(name)s”: %(problem)s",
            where=frame,
            name=found["name"],
            problem=problem,
        )
    return N_("%(where)s: %(problem)s", where=frame, problem=problem)
