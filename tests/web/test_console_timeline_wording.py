"""Every event the code can write has a wording on the console's timeline: its kind, each key of
its detail and the English values the services put in it (a status change's `why`). The
events are found by reading the code (every `add_event(...)`, intake's `event(...)` and the
rows given to `add_events`), so an event added later without a wording fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from complaints.fields import EDITABLE_FIELDS
from outbox.templates import KINDS as TEMPLATE_KINDS
from scheduler.due import FIRST_RESPONSE, RESOLUTION
from staff.views import TimelineEntry
from store.queries.hot_spots import DIMENSIONS
from tests.web.code_reading import (
    CONSTANTS,
    MODULES,
    ROOT,
    Module,
    argument,
    assigned,
    called_name,
    callers,
    params,
    texts,
)
from web.console.i18n import Phrase, catalogs, say
from web.console.timeline import (
    DEADLINES,
    KIND_OF,
    describe_detail,
    message_kind,
    with_notice_kinds,
    worded,
)
from web.console.wording import LABELS

DYNAMIC = {
    # Events whose detail is built with keys not written out where the event is added: the
    # keys they can have, as their code builds them (staff/corrections.py, staff/merge.py).
    "corrected": {"category", "department", "grade", "why"},
    "merge_took_over": {"category", "department", "grade", "why"},  # staff/merge.py
    "grade_corrected": {"from", "to", "why"},
    "fields_edited": set(EDITABLE_FIELDS),
}


@dataclass
class Site:
    path: Path
    line: int
    kinds: set[str] | None
    keys: set[str] | None
    detail: ast.expr | None
    node: ast.AST

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def kinds_of(module: Module, expr: ast.expr, at: ast.AST) -> set[str] | None:
    """The event kinds `expr` can be; None when the code does not say."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        body, orelse = kinds_of(module, expr.body, at), kinds_of(module, expr.orelse, at)
        return None if body is None or orelse is None else body | orelse
    if isinstance(expr, ast.Name):
        function = module.function_of(at)
        if function is not None and expr.id in params(function):
            return set()  # passed through: the callers are read where they add the event
        if expr.id in CONSTANTS:
            return {CONSTANTS[expr.id]}
    return None


def keys_of(module: Module, expr: ast.expr, at: ast.AST, depth: int = 0) -> set[str] | None:
    """The keys the detail `expr` can have; None when the code does not say."""
    if depth > 4:
        return None
    if isinstance(expr, ast.Dict):
        keys: set[str] = set()
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:
                inner = keys_of(module, value, at, depth + 1)
                if inner is None:
                    return None
                keys |= inner
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            else:
                return None
        return keys
    if isinstance(expr, ast.IfExp):
        body = keys_of(module, expr.body, at, depth + 1)
        orelse = keys_of(module, expr.orelse, at, depth + 1)
        return None if body is None or orelse is None else body | orelse
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        if expr.func.id == "dict":
            return None if expr.args else {k.arg for k in expr.keywords if k.arg}
        found: set[str] = set()
        for defined in module.functions.get(expr.func.id, []):
            for node in ast.walk(defined):
                if isinstance(node, ast.Return) and node.value is not None:
                    inner = keys_of(module, node.value, node, depth + 1)
                    if inner is None:
                        return None
                    found |= inner
        return found or None
    if isinstance(expr, ast.Name):
        function = module.function_of(at)
        if function is not None and expr.id in params(function):
            found = set()
            for caller, given, call in callers(module, function, expr.id):
                if caller is not module:
                    continue
                inner = keys_of(module, given, call, depth + 1)
                if inner is None:
                    return None
                found |= inner
            return found
        values = assigned(module, function, expr.id)
        found = set()
        for value in values:
            inner = keys_of(module, value, value, depth + 1)
            if inner is None:
                return None
            found |= inner
        return found if values else None
    return None


def _sites() -> Iterator[tuple[Module, Site]]:
    for module in MODULES:
        for node in ast.walk(module.tree):
            kind: ast.expr | None = None
            detail: ast.expr | None = None
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else None
                name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
                if name == "add_event":
                    kind, detail = argument(node, 4, "kind"), argument(node, 5, "detail")
                elif name == "event" and len(node.args) >= 4:
                    kind, detail = argument(node, 3, "kind"), argument(node, 4, "detail")
            elif isinstance(node, ast.Dict):
                fields = {
                    key.value: value
                    for key, value in zip(node.keys, node.values, strict=True)
                    if isinstance(key, ast.Constant)
                }
                if {"complaint_id", "kind", "detail"} <= set(fields):
                    kind, detail = fields["kind"], fields["detail"]
            if kind is None:
                continue
            kinds = kinds_of(module, kind, node)
            if kinds == set():
                continue  # a helper that passes its caller's event on
            keys = keys_of(module, detail, node) if detail is not None else set()
            line = getattr(node, "lineno", 0)
            yield module, Site(module.path, line, kinds, keys, detail, node)


SITES = list(_sites())


def test_the_code_that_writes_events_is_found() -> None:
    """The reading finds the events it should (a check that the reading itself works)."""
    kinds = {kind for _, site in SITES for kind in site.kinds or ()}
    assert {"status_changed", "routed", "duplicate_suspected", "escalated", "merged"} <= kinds
    (escalated,) = [site for _, site in SITES if site.kinds == {"escalated"}]
    assert escalated.keys == {"missed", "level", "grade_from", "grade_to", "to"}
    failed = {key for _, s in SITES if s.kinds == {"delivery_failed"} for key in s.keys or ()}
    assert {"message", "channel", "attempts", "reason", "permanent"} <= failed


def test_every_event_written_anywhere_has_a_wording() -> None:
    unread = [str(site) for _, site in SITES if site.kinds is None]
    assert unread == [], "write the event's kind as a literal or a module constant"
    missing = sorted(
        f"{kind} ({site})"
        for _, site in SITES
        for kind in site.kinds or ()
        if kind not in LABELS["event"]
    )
    assert missing == [], "add these events to LABELS['event'] in web/console/wording.py"


def test_every_detail_key_written_anywhere_has_a_wording() -> None:
    missing: list[str] = []
    for _, site in SITES:
        for kind in site.kinds or ():
            keys = site.keys if site.keys is not None else DYNAMIC.get(kind)
            assert keys is not None, (
                f"{site}: the keys of the {kind} event's detail cannot be read from the code; "
                "write the detail as a dict literal, or list its keys in DYNAMIC here"
            )
            for key in keys:
                shown = describe_detail(kind, {key: "x"})
                if not shown or all(isinstance(name, str) for name, _ in shown):
                    missing.append(f"{kind}.{key} ({site})")
    assert sorted(missing) == [], "add these keys to LABELS['detail'] in web/console/wording.py"


def _english_values() -> Iterator[tuple[str, str]]:
    """(where, text) of each English reason the code writes into an event: a status change's
    `why` (queries.change_status), a reopening's, a withheld reply's, wherever the reason is
    written (another module, a class's field, a function's parameter)."""
    for module in MODULES:
        for node in ast.walk(module.tree):
            given: ast.expr | None = None
            if isinstance(node, ast.Call):
                name = called_name(node)
                if name == "change_status":
                    given = argument(node, 4, "why")
                elif name == "change_statuses":
                    given = argument(node, 99, "why")
                elif name == "reopen":
                    given = argument(node, 2, "why")
                else:  # a channel's reason to withhold the answer (Inbound.no_reply)
                    given = argument(node, 99, "no_reply")
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in ("why", "reason"):
                        given = value
            if given is not None:
                for text in texts(module, given, node):
                    yield module.where(node), text


def test_every_english_reason_written_into_an_event_has_a_wording() -> None:
    found = list(_english_values())
    read = {text for _, text in found}
    assert {"acknowledgement delivered", "acknowledged in the 0 response", "asked"} <= read
    # Written in another module than the event, through a parameter and a class's field:
    assert {"taken to resolve", "a courtesy message to a finished complaint"} <= read
    # Written where the reading does not follow: a tuple assignment, a string method.
    found += [("outbox", "address suppressed after bounces"), ("intake", "bounced: 5.1.1 x")]
    untranslated = sorted(
        f"{text!r} ({where})"
        for where, text in found
        if not isinstance(worded(text), Phrase) and text not in LABELS["solution"]
    )
    assert untranslated == [], "add these to WHY or WHY_PATTERNS in web/console/timeline.py"
    assert set(DEADLINES) == {FIRST_RESPONSE, RESOLUTION}


def _dicts(module: Module, expr: ast.expr, at: ast.AST) -> Iterator[ast.Dict]:
    if isinstance(expr, ast.Dict):
        yield expr
    elif isinstance(expr, ast.Name):
        for value in assigned(module, module.function_of(at), expr.id):
            yield from _dicts(module, value, value)


def _message_kinds() -> Iterator[tuple[str, str]]:
    """(where, kind) of each kind of message the code records, and of each message a
    "reply_queued" event names (as intake takes it from the outbox's template kinds)."""
    for module, site in SITES:
        if site.detail is None or not {k for k in site.kinds or () if KIND_OF.get(k) == "message"}:
            continue
        for found in _dicts(module, site.detail, site.node):
            for key, value in zip(found.keys, found.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "kind":
                    yield from ((str(site), kind) for kind in texts(module, value, found))
    for module in MODULES:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Dict):
                continue
            fields = {
                key.value: value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and isinstance(key.value, str)
            }
            if {"direction", "kind", "text"} <= set(fields):
                where = module.where(node)
                yield from ((where, kind) for kind in texts(module, fields["kind"], node))
    yield from (("outbox/templates.py", kind) for kind in TEMPLATE_KINDS)


def test_every_kind_of_message_written_anywhere_has_a_wording() -> None:
    found = list(_message_kinds())
    assert {"followup", "acknowledgement", "reply", "follow-up"} <= {kind for _, kind in found}
    missing = sorted(
        f"{kind} ({where})" for where, kind in found if not isinstance(message_kind(kind), Phrase)
    )
    assert missing == [], "add these to LABELS['message'] in web/console/wording.py"


def test_every_dimension_of_a_hot_spot_has_a_wording() -> None:
    missing = [
        dimension
        for dimension in DIMENSIONS
        for _, text in describe_detail("hot_spot", {"dimension": dimension})
        if not isinstance(text, Phrase)
    ]
    assert missing == [], "add these to LABELS['dimension'] in web/console/wording.py"


def _shown(language: str, event: str, detail: dict[str, object]) -> list[tuple[str, str]]:
    translations = catalogs()[language]
    names = {("department", "safety"): "Seguridad", ("category", "safety"): "Seguridad"}

    def name(kind: str, key: str) -> str:
        return names.get((kind, key), key)

    return [
        (say(translations, label, name), say(translations, text, name))
        for label, text in describe_detail(event, detail)
    ]


def test_the_walkthrough_timeline_reads_in_spanish() -> None:
    routed = _shown(
        "es",
        "routed",
        {"category": "safety", "department": "safety", "grade": "urgent", "language": "en"},
    )
    assert routed == [
        ("categoría", "Seguridad"),
        ("departamento", "Seguridad"),
        ("gravedad", "urgente"),
        ("idioma", "inglés"),
    ]
    escalated = dict(
        _shown(
            "zh-Hans",
            "escalated",
            {"missed": "first response", "level": 1, "grade_from": "urgent", "grade_to": "urgent"},
        )
    )
    assert escalated == {
        "错过的时限": "首次回复",
        "升级级别": "1",
        "原等级": "紧急",
        "新等级": "紧急",
    }
    merged = dict(_shown("zh-Hant", "merged", {"from": "C-1", "told": True}))
    assert merged == {"從": "C-1", "已通知客戶": "是"}
    delivered = dict(_shown("es", "reply_delivered", {"attempts": 1, "channel": "email"}))
    assert delivered == {"intentos": "1", "canal": "correo electrónico"}
    changed = dict(
        _shown("es", "status_changed", {"from": "new", "to": "acknowledged", "why": "asked"})
    )
    assert changed["motivo"] == "el agente hizo una pregunta al cliente"
    webhook = _shown("es", "status_changed", {"why": "acknowledged in the webhook response"})
    assert webhook == [("motivo", "recibida en la respuesta del webhook")]
    queued = dict(_shown("zh-Hant", "reply_queued", {"kind": "acknowledgement"}))
    assert queued == {"類型": "受理確認"}


def _entry(minute: int, kind: str, **values: object) -> TimelineEntry:
    at = datetime(2026, 12, 7, 1, minute, tzinfo=UTC)
    return TimelineEntry(at=at, kind=kind, actor="system", **values)  # type: ignore[arg-type]


def test_each_notice_to_the_customer_is_named_by_what_it_told_them() -> None:
    timeline = [
        _entry(1, "message", direction="out", message_kind="progress"),
        _entry(1, "message", direction="out", message_kind="progress"),
        _entry(1, "event", event="assigned", detail={"to": "Ana"}),
        _entry(1, "event", event="status_changed", detail={"to": "resolved"}),
        _entry(2, "message", direction="out", message_kind="progress"),
        _entry(2, "event", event="status_changed", detail={"to": "rejected"}),
        _entry(3, "message", direction="out", message_kind="progress"),
        _entry(3, "event", event="progress_sent", detail={}),
    ]
    kinds = [e.message_kind for e in with_notice_kinds(timeline) if e.kind == "message"]
    assert kinds == ["assigned_notice", "resolved", "rejected_notice", "progress"]
    assert {kind: LABELS["message"][kind].msgid for kind in kinds} == {
        "assigned_notice": "assignment notice",
        "resolved": "resolved",
        "rejected_notice": "rejection notice",
        "progress": "progress update",
    }
