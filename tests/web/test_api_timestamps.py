"""Every moment the staff API returns is written one way, `2026-03-02T09:00:00Z` (UTC, `Z`,
a fraction of a second only when there is one): a client parses one form, whichever part of a
complaint (its fields, the timeline's messages and events and their details, its solutions) or
which other answer (queue, accounts and tokens, audit, reports) it reads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.web.conftest import CallbackReceiver, Desk, delivered

ONE_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
A_MOMENT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
"""A string that holds a date and a time, in whatever form."""


def moments(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON document that starts with a date and a time, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from moments(item, f"{where}.{key}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from moments(item, f"{where}.{number}")
    elif isinstance(value, str) and A_MOMENT.match(value):
        yield where, value


def other_forms(document: Any) -> list[tuple[str, str]]:
    return [(where, text) for where, text in moments(document) if not ONE_FORM.fullmatch(text)]


async def test_every_moment_of_a_complaint_has_one_form(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain("Me han cobrado dos veces la misma compra."))["complaint"]
    ana = await desk.account("Ana", role="supervisor")
    desk.clock.advance(timedelta(minutes=3, seconds=1, microseconds=250_000))
    assert (await ana.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    replied = await ana.post(f"/api/complaints/{number}/reply", json={"text": "Lo revisamos."})
    assert replied.status_code == 200, replied.text
    await ana.post(f"/api/complaints/{number}/notes", json={"text": "called the bank"})
    proposed = await ana.post(
        f"/api/complaints/{number}/solutions", json={"kind": "refund", "amount": "30"}
    )
    assert proposed.status_code in (200, 201), proposed.text
    assert await delivered(desk, receiver)
    await desk.app.state.services.sweeps.run_all()

    detail = (await ana.get(f"/api/complaints/{number}")).json()
    found = dict(moments(detail))
    assert any(where.startswith(".complaint.") for where in found), found
    assert any(where.startswith(".timeline.") and where.endswith(".at") for where in found)
    assert any(where.startswith(".solutions.") for where in found), found
    assert other_forms(detail) == [], other_forms(detail)

    for answer in (replied, proposed):
        assert other_forms(answer.json()) == []


async def test_every_moment_of_the_other_answers_has_one_form(desk: Desk) -> None:
    await desk.complain("No signal on my phone since Monday, calls keep dropping.")
    root = await desk.account("Root", role="admin", departments=())
    me = (await root.get("/api/me")).json()
    issued = await root.post(f"/api/accounts/{me['id']}/tokens", json={"name": "script"})
    assert issued.status_code == 201, issued.text
    answers = {
        path: await root.get(path)
        for path in (
            "/api/complaints",
            "/api/accounts",
            f"/api/accounts/{me['id']}/tokens",
            "/api/audit",
            "/api/reports",
            "/api/canned-replies",
            "/api/dead-letters",
        )
    }
    answers["issued"] = issued
    for path, answer in answers.items():
        assert answer.status_code == 200 or path == "issued", (path, answer.text)
        assert other_forms(answer.json()) == [], path
    assert dict(moments(answers[f"/api/accounts/{me['id']}/tokens"].json()))
    assert dict(moments(answers["/api/reports"].json()))
