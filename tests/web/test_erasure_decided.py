"""Every text the code writes into an event is decided for an erasure in ONE list,
admin/erasure.py's DETAILS: each key of each event kind, and a status change's reason by the
status it moves to and who moves it (a reopening's reason is the desk's words when staff
reopen, the bot's when the customer's message or survey score does). The events and status
changes are found by reading the code, as the console's wording test reads them, so one
added later fails here until it is decided."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from admin.erasure import ANY_EVENT, DETAILS, KEPT, PERSONAL, status_change, treatment
from tests.web.code_reading import MODULES, Module, argument, called_name, texts
from tests.web.test_console_timeline_wording import DYNAMIC, SITES

FREE_TEXT = {"why", "reason"}
"""Keys whose text may be a person's words or the bot's, depending on the event: decided per
event kind (a status change's per status and actor), never for every event at once."""
WRITER = "store/queries/complaints.py"
"""Where `change_status`, `change_statuses` and `reopen_complaint` write the status_changed
event for their callers, who are read instead."""


def _who(module: Module, actor: ast.expr | None, at: ast.AST) -> set[str]:
    """Who an actor expression names, as `admin.erasure.source_of` reads an event's actor:
    "customer", "system" (the bot, the router), or "staff" (a person: `actor_of(agent)`)."""
    found = texts(module, actor, at) if actor is not None else set()
    named = {"customer" if t == "customer" else "system" for t in found if t in NOT_PEOPLE}
    return named | ({"staff"} if not found or found - NOT_PEOPLE else set())


NOT_PEOPLE = {"customer", "system", "router"}


def _targets(module: Module, expr: ast.expr | None, at: ast.AST) -> set[str]:
    return texts(module, expr, at) if expr is not None else set()


def _status_changes() -> Iterator[tuple[str, set[str], set[str]]]:
    """(where, the statuses it moves to, who moves it) of each status change the code
    writes: the calls of change_status and change_statuses, and the status_changed events
    written directly (intake's answer in the webhook response)."""
    for module in MODULES:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            name = called_name(node)
            if name == "change_status":
                target, actor = argument(node, 2, "target"), argument(node, 3, "actor")
            elif name == "change_statuses":
                target, actor = argument(node, 99, "target"), argument(node, 99, "actor")
            elif name == "reopen_complaint":  # change_status to "reopened", and the round ends
                target, actor = ast.Constant("reopened"), argument(node, 99, "actor")
            else:
                continue
            where = module.where(node)
            if not where.startswith(WRITER):
                yield where, _targets(module, target, node), _who(module, actor, node)
    for module, site in SITES:
        if site.kinds != {"status_changed"} or str(site).startswith(WRITER):
            continue
        assert isinstance(site.node, ast.Call) and site.detail is not None, site
        actor = argument(site.node, 3 if called_name(site.node) == "add_event" else 2, "actor")
        targets: set[str] = set()
        for found in _dicts(module, site.detail):
            for key, value in zip(found.keys, found.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "to":
                    targets |= _targets(module, value, found)
        yield str(site), targets, _who(module, actor, site.node)


def _dicts(module: Module, expr: ast.expr) -> Iterator[ast.Dict]:
    if isinstance(expr, ast.Dict):
        yield expr
    elif isinstance(expr, ast.Name):
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)
            ):
                yield node.value


STATUS_CHANGES = list(_status_changes())


def test_the_reading_finds_the_status_changes_and_who_makes_them() -> None:
    sources = {
        status_change(target, who) for _, targets, whos in STATUS_CHANGES
        for target in targets for who in whos
    }  # fmt: skip
    assert {
        status_change("reopened", "staff"),  # staff/reopening.py: the reason they give
        status_change("reopened", "customer"),  # intake/reopening.py: the bot's words
        status_change("acknowledged", "system"),  # intake/opening.py, outbox/dispatcher.py
        status_change("rejected", "staff"),
    } <= sources
    assert status_change("assigned", "system") not in sources  # a person's actor is read


def test_every_status_change_written_anywhere_has_its_reason_decided() -> None:
    unread = [where for where, targets, _ in STATUS_CHANGES if not targets]
    assert unread == [], "write the status a change moves to as a literal"
    undecided = sorted(
        f"{status_change(target, who)} ({where})"
        for where, targets, whos in STATUS_CHANGES
        for target in targets
        for who in whos
        if DETAILS.get(status_change(target, who), {}).get("why") not in (PERSONAL, KEPT)
    )
    assert undecided == [], (
        "decide in admin/erasure.py DETAILS whether the reason of these status changes is a "
        "person's words (PERSONAL) or the bot's (KEPT)"
    )


def test_every_detail_key_written_anywhere_is_decided_for_an_erasure() -> None:
    """Each key of each event the code writes is decided in DETAILS, for its kind or for any
    event; a free text (`why`, `reason`) only for its kind, so a new event kind with a reason
    fails until it is declared a person's words, the bot's or a peer's."""
    assert not FREE_TEXT & set(DETAILS[ANY_EVENT]), "decide a free text per event kind"
    undecided = []
    for _, site in SITES:
        for kind in site.kinds or ():
            keys = site.keys if site.keys is not None else DYNAMIC.get(kind)
            assert keys is not None, f"{site}: the keys of {kind}'s detail cannot be read"
            for key in keys:
                if kind == "status_changed" and key == "why":
                    continue  # decided per status and actor: the test above
                if treatment(kind, key) is None:
                    undecided.append(f"{kind}.{key} ({site})")
    assert sorted(undecided) == [], "decide in admin/erasure.py DETAILS whether these are personal"


def test_every_decided_event_kind_is_still_written() -> None:
    """A kind of DETAILS the code no longer writes is a stale decision (a renamed event would
    leave its new name undecided and this one behind)."""
    written = {kind for _, site in SITES for kind in site.kinds or ()}
    written |= {
        status_change(target, who) for _, targets, whos in STATUS_CHANGES
        for target in targets for who in whos
    }  # fmt: skip
    assert sorted(set(DETAILS) - written - {ANY_EVENT}) == []
