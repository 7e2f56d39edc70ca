"""A complaint's timeline as the console shows it: every event, detail and value in the
reader's language.

The services write events with keys (`status_changed`, `grade_from`) and some values in
English ("acknowledgement delivered", f"survey score {score}"): the keys are named through
`wording.LABELS`, keys of fixed sets (a grade, a status, a channel, a department) by their
names, and the English values the services write through `WHY` and `WHY_PATTERNS` below. What a
person wrote (an explanation, a note, a proposal) is shown as written; once the customer's data
is erased (admin.erasure.ERASED), as "[erased]" in the reader's language.
tests/web/test_console_timeline_wording.py reads the code that writes events and fails when a
kind, a detail key or an English value has no wording here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from admin.erasure import ERASED
from staff.views import TimelineEntry
from web.console.i18n import N_, Named, Patterns, Phrase, Shown, joined, matched
from web.console.wording import LABELS, label

DEADLINES: Mapping[str, Phrase] = {
    # scheduler.due.FIRST_RESPONSE and RESOLUTION
    "first response": N_("first response"),
    "resolution": N_("resolution"),
}
WHY: Mapping[str, Phrase] = {
    # Reasons the services give in English for a status change, a reopening or a withheld
    # reply (the `why` of the event).
    "acknowledgement delivered": N_("acknowledgement delivered"),
    "assigned": N_("assigned"),
    "asked": N_("the agent asked the customer something"),
    "solution found": N_("solution found"),
    "no survey answer": N_("no survey answer"),
    "the customer answered": N_("the customer answered"),
    "asked for another handler": N_("the customer asked for another handler"),
    "the customer wrote again": N_("the customer wrote again"),
    "the customer disputes the rejection": N_("the customer disputes the rejection"),
    "a later message of the customer grades higher": N_(
        "a later message of the customer grades higher"
    ),
    "a reply to the bot's automatic mail (loop protection)": N_(
        "a reply to the bot's automatic mail (loop protection)"
    ),
    "address suppressed after bounces": N_("address suppressed after bounces"),
    "taken to resolve": N_("taken to resolve"),
    "taken to propose a solution": N_("taken to propose a solution"),
    "taken to ask the customer": N_("taken to ask the customer"),
    "taken to answer": N_("taken to answer"),
    "a courtesy message to a finished complaint": N_("a courtesy message to a finished complaint"),
    "the sender's own words again within the hour": N_(
        "the sender's own words again within the hour"
    ),
}
WHY_PATTERNS: Patterns = (
    (
        re.compile(r"acknowledged in the (?P<channel>\w+) response"),
        N_("acknowledged in the %(channel)s response").msgid,
    ),
    (re.compile(r"merged into (?P<number>\S+)"), N_("merged into %(number)s").msgid),
    (
        re.compile(r"taken from (?P<number>\S+), merged into it"),
        N_("taken from %(number)s, merged into it").msgid,
    ),
    (re.compile(r"survey score (?P<score>\S+)"), N_("survey score %(score)s").msgid),
    (re.compile(r"machine mail: (?P<what>.+)", re.DOTALL), N_("machine mail: %(what)s").msgid),
    (re.compile(r"bounced: (?P<what>.+)", re.DOTALL), N_("bounced: %(what)s").msgid),
    (
        re.compile(
            r"(?P<sent>\S+) automatic replies to this sender in the last hour "
            r"\(limit (?P<limit>\S+)\)"
        ),
        N_("%(sent)s automatic replies to this sender in the last hour (limit %(limit)s)").msgid,
    ),
    (
        re.compile(
            r"the (?P<channel>\w+) channel cannot write to the sender \(a no-reply or form "
            r"sender, and no other address to answer in the message\)"
        ),
        N_(
            "the %(channel)s channel cannot write to the sender (a no-reply or form sender, "
            "and no other address to answer in the message)"
        ).msgid,
    ),
)
ANSWERS: Patterns = (
    # A customer's answer in the chat, recorded as the question's field (intake/chat.py)
    (re.compile(r"answer:(?P<field>.+)"), N_("answer (%(field)s)").msgid),
    (re.compile(r"skipped:(?P<field>.+)"), N_("question skipped (%(field)s)").msgid),
)
ASKED: Mapping[str, Phrase] = {"survey_comment": N_("survey comment")}
VIA: Mapping[str, Phrase] = {"chat": N_("in the chat"), "text": N_("in the message's text")}
KEYED: Mapping[str, str] = {
    # detail key → the kind of key its value is (wording.LABELS, or a rule set's name)
    "grade": "grade",
    "grade_from": "grade",
    "grade_to": "grade",
    "channel": "channel",
    "language": "language",
    "status": "status",
    "category": "category",
    "department": "department",
    "deadline": "deadline",
    "missed": "deadline",
    "via": "via",
    "dimension": "dimension",
}
FROM_TO: Mapping[str, str] = {
    # events whose `from` and `to` are keys of a kind
    "status_changed": "status",
    "grade_corrected": "grade",
    "regraded": "grade",
    "language_changed": "language",  # the customer's choice (intake/chosen_language.py)
}
KIND_OF: Mapping[str, str] = {
    # events whose `kind` is a message's kind or a solution's
    "reply_queued": "message",
    "solution_proposed": "solution",
    "solution_awaiting_approval": "solution",
    "solution_approved": "solution",
    "solution_rejected": "solution",
}
DETAIL_LABELS: Mapping[tuple[str, str], Phrase] = {
    # a detail key that means something else in one event
    ("hot_spot", "told"): N_("told"),
    ("deadline_warning", "to"): N_("told"),
    ("escalated", "to"): N_("told"),
    ("supervisor_told", "to"): N_("told"),
    ("undelivered_told", "to"): N_("told"),
}
NOTICES: Mapping[str, str] = {
    # An outbound "progress" message written with this event (same moment) is this notice:
    # rows written before a notice's message kept its text key recorded every notice as
    # "progress" (outbox.notify.Notifier.tell_customer now records the key).
    "status_changed:resolved": "resolved",
    "status_changed:rejected": "rejected_notice",
    "status_changed:closed": "closed_thanks",
    "assigned": "assigned_notice",
    "handler_changed": "assigned_notice",
    "merged": "merged_notice",
    "solution_proposed": "proposal_notice",
    "progress_sent": "progress",
}


def worded(text: str) -> Shown:
    """An English value the services write, in the reader's language; other text as it is."""
    found = WHY.get(text)
    if found is not None:
        return found
    return matched(WHY_PATTERNS, text, _channel_named) or text


def _channel_named(group: str, value: str) -> Shown:
    return label("channel", value) if group == "channel" else value


def message_kind(kind: str) -> Shown:
    """A message's kind by its name for staff; a chat answer with the field it answers."""
    return matched(ANSWERS, kind, _field_named) or label("message", kind)


def _field_named(group: str, field: str) -> Shown:
    return ASKED.get(field) or label("registration", field)


def keyed(kind: str, value: str) -> Shown:
    """A key of `kind` by its name for staff."""
    if kind in Named.KINDS:
        return Named(value, kind=kind)
    if kind == "deadline":
        return DEADLINES.get(value, value)
    if kind == "via":
        return VIA.get(value, value)
    return label(kind, value)


def _value(event: str, key: str, value: Any) -> Shown:
    if value is None or value == "":
        return ""
    if value == ERASED:
        return N_("[erased]")
    if isinstance(value, bool):
        return N_("yes") if value else N_("no")
    if isinstance(value, Mapping) and set(value) == {"from", "to"}:
        sides = [_value(event, key, value[side]) or "—" for side in ("from", "to")]
        return N_("%(from)s → %(to)s", **{"from": sides[0], "to": sides[1]})
    if isinstance(value, list | tuple):
        if key == "fields":
            return joined([label("registration", str(item)) for item in value])
        return joined([_value(event, key, item) for item in value])
    if not isinstance(value, str):
        return str(value)
    kind = KEYED.get(key)
    if event in FROM_TO and key in ("from", "to"):
        kind = FROM_TO[event]
    elif key == "kind":
        kind = KIND_OF.get(event)
    elif key == "why" and event == "status_changed" and value in LABELS["solution"]:
        kind = "solution"  # a proposed solution's kind
    elif key in ("why", "reason"):
        return worded(value)
    return keyed(kind, value) if kind else value


def _detail_label(event: str, key: str) -> Shown:
    if event == "fields_edited" and key in LABELS["registration"]:
        return LABELS["registration"][key]
    special = DETAIL_LABELS.get((event, key))
    if special is not None:
        return special
    return LABELS["detail"].get(key, key.replace("_", " "))


def describe_detail(event: str, detail: Mapping[str, Any]) -> list[tuple[Shown, Shown]]:
    """An event's detail as (label, text) lines: {"from": a, "to": b} reads "a → b"; keys of
    fixed sets are named for staff, the services' English values translated."""
    lines: list[tuple[Shown, Shown]] = []
    for key, value in detail.items():
        if event == "hot_spot" and key == "value" and detail.get("dimension") == "category":
            text: Shown = keyed("category", str(value))
        else:
            text = _value(event, key, value)
        if text:
            lines.append((_detail_label(event, key), text))
    return lines


def _notice_key(entry: TimelineEntry) -> str:
    if entry.event == "status_changed":
        return f"status_changed:{entry.detail.get('to', '')}"
    return entry.event


def with_notice_kinds(timeline: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """The timeline with each notice to the customer recorded as "progress" named by what it
    told them: the event written with it, at the same moment and in the same order, says
    which (a resolution, an assignment, a rejection…)."""
    notices: dict[Any, list[str]] = {}
    for entry in timeline:
        if entry.kind == "event":
            notice = NOTICES.get(_notice_key(entry))
            if notice is not None:
                notices.setdefault(entry.at, []).append(notice)
    shown = []
    for entry in timeline:
        waiting = notices.get(entry.at)
        if entry.kind == "message" and entry.message_kind == "progress" and waiting:
            entry = replace(entry, message_kind=waiting.pop(0))
        shown.append(entry)
    return shown
