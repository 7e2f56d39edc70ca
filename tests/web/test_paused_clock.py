"""A complaint waiting for the customer has its clock paused: past its deadlines it is not
overdue (the API's filter and flag, the console's queue row and overdue view, `due_within`,
the reports' misses), the API and the console say the clock is paused and since when, and it
sorts after the work whose clock runs. Once the customer answers, the clock runs again with the
deadlines moved on. A finished complaint's page shows what became of its deadlines (met or
missed), not a first response still due. Through the real bot over HTTP, on a manual clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.web.conftest import Desk, console_login, rows

NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."
OTHER = "The router you sent me does not switch on at all, the light stays off."
LANGUAGES = ("en", "es", "zh-Hans", "zh-Hant")
PAUSED_ROW = {
    "en": "(paused)",
    "es": "(en pausa)",
    "zh-Hans": "（已暂停）",
    "zh-Hant": "（已暫停）",
}
PAUSED_PAGE = {
    "en": "paused since",
    "es": "en pausa desde el",
    "zh-Hans": "起暂停",
    "zh-Hant": "起暫停",
}
OVERDUE_ROW = {
    "en": "(overdue)",
    "es": "(vencida)",
    "zh-Hans": "（已逾期）",
    "zh-Hant": "（已逾期）",
}
FIRST_DUE = {
    "en": "First response due",
    "es": "Primera respuesta antes de",
    "zh-Hans": "首次响应期限",
    "zh-Hant": "首次回應期限",
}
MET = {
    "en": ": met (due",
    "es": ": en plazo (vencía el",
    "zh-Hans": "：按期（期限",
    "zh-Hant": "：按期（期限",
}
MISSED = {
    "en": ": missed (due",
    "es": ": fuera de plazo (vencía el",
    "zh-Hans": "：逾期（期限",
    "zh-Hant": "：逾期（期限",
}
NONE = {"en": "(none)", "es": "(ninguna)", "zh-Hans": "（无）", "zh-Hant": "（無）"}


def _when(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(page: str, number: str) -> str:
    start = page.index(f'data-number="{number}"')
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def _facts(page: str) -> str:
    return page[page.index('<dl class="facts">') : page.index("</dl>")]


async def _due(desk: Desk, number: str) -> dict[str, Any]:
    (found,) = rows(
        desk,
        "SELECT first_response_due, resolution_due, escalate_due, warn_due, next_update_due "
        "FROM complaints WHERE number = :n",
        n=number,
    )
    return {key: _when(value) if value else None for key, value in found.items()}


async def test_a_complaint_waiting_for_the_customer_is_not_overdue(shop: Desk) -> None:
    desk = shop
    admin = await desk.account("Root", role="admin", departments=())
    await desk.app.state.services.accounts.create("Ada", "admin", (), "correct horse battery")
    running = (await desk.complain(OTHER, customer="c-2"))["complaint"]
    waiting = (await desk.complain(NETWORK, customer="c-1"))["complaint"]
    for number in (waiting, running):
        answered = await admin.post(f"/api/complaints/{number}/reply", json={"text": "On it."})
        assert answered.status_code == 200, answered.text
    desk.clock.advance(timedelta(hours=1))
    proposed = await admin.post(
        f"/api/complaints/{waiting}/solutions",
        json={"kind": "exchange", "description": "cambio de router"},
    )
    assert proposed.status_code == 201, proposed.text
    paused_at = desk.clock.now()
    due = await _due(desk, waiting)
    assert due["resolution_due"] is not None
    desk.clock.advance(due["resolution_due"] - desk.clock.now() + timedelta(minutes=1))
    await desk.app.state.services.sweeps.run_all()  # sends nothing for the waiting one

    async def listed(**params: str) -> dict[str, dict[str, Any]]:
        answer = await admin.get("/api/complaints", params=params)
        assert answer.status_code == 200, answer.text
        return {item["number"]: item for item in answer.json()["items"]}

    assert set(await listed(overdue="true")) == {running}
    assert waiting not in await listed(due_within="2h")  # its escalate_due is past, paused
    every = await listed()
    assert every[waiting]["overdue"] is False and every[waiting]["clock_paused"] is True
    assert every[running]["overdue"] is True and every[running]["clock_paused"] is False
    assert list(every) == [running, waiting]  # the customer's turn sorts after the desk's

    detail = (await admin.get(f"/api/complaints/{waiting}")).json()["complaint"]
    assert detail["clock_paused"] is True and _when(detail["paused_since"]) == paused_at
    assert _when(detail["resolution_due"]) == due["resolution_due"]  # kept, moves on later
    other = (await admin.get(f"/api/complaints/{running}")).json()["complaint"]
    assert other["clock_paused"] is False and other["paused_since"] is None

    report = (await admin.get("/api/reports")).json()
    assert report["sla"]["resolution"]["missed"] == 1  # the running one only

    console, _, _ = await console_login(desk, "Ada", "correct horse battery")
    for language in LANGUAGES:
        accept = {"Accept-Language": language}
        view = await console.get("/console/queue", params={"overdue": "true"}, headers=accept)
        assert running in view.text and waiting not in view.text
        queue = (await console.get("/console/queue", headers=accept)).text
        row = _row(queue, waiting)
        assert 'class="overdue"' not in row and OVERDUE_ROW[language] not in row
        assert PAUSED_ROW[language] in row, row
        assert 'class="overdue"' in _row(queue, running)
        page = (await console.get(f"/console/complaints/{waiting}", headers=accept)).text
        assert PAUSED_PAGE[language] in _facts(page), language
        page = (await console.get(f"/console/complaints/{running}", headers=accept)).text
        assert PAUSED_PAGE[language] not in _facts(page), language

    # the customer answers: the clock runs again, every deadline moved on by the wait
    waited = desk.clock.now() - paused_at
    await desk.complain("Vale, acepto el cambio de router.", customer="c-1", complaint=waiting)
    moved = await _due(desk, waiting)
    assert moved["resolution_due"] == due["resolution_due"] + waited
    assert set(await listed(overdue="true")) == {running}
    assert (await listed())[waiting]["clock_paused"] is False
    desk.clock.advance(moved["resolution_due"] - desk.clock.now() + timedelta(minutes=1))
    assert set(await listed(overdue="true")) == {running, waiting}


async def _page(client: httpx.AsyncClient, number: str, language: str) -> str:
    answer = await client.get(
        f"/console/complaints/{number}", headers={"Accept-Language": language}
    )
    assert answer.status_code == 200, answer.text
    return _facts(answer.text)


async def test_a_finished_complaints_page_shows_its_deadlines_met_or_missed(shop: Desk) -> None:
    """Resolved without any reply: the resolution notice was the first response, both met.
    Answered late and resolved late: both missed. Rejected: the explanation answered in time,
    and there is no resolution."""
    desk = shop
    admin = await desk.account("Root", role="admin", departments=())
    await desk.app.state.services.accounts.create("Ada", "admin", (), "correct horse battery")
    quick = (await desk.complain(NETWORK, customer="c-1"))["complaint"]
    late = (await desk.complain(OTHER, customer="c-2"))["complaint"]
    done = await admin.post(f"/api/complaints/{quick}/resolve", json={"summary": "Fixed."})
    assert done.status_code == 200, done.text
    due = await _due(desk, late)
    assert due["resolution_due"] is not None
    desk.clock.advance(due["resolution_due"] - desk.clock.now() + timedelta(hours=1))
    answered = await admin.post(f"/api/complaints/{late}/reply", json={"text": "Sorry."})
    assert answered.status_code == 200, answered.text
    done = await admin.post(f"/api/complaints/{late}/resolve", json={"summary": "Replaced."})
    assert done.status_code == 200, done.text

    console, _, _ = await console_login(desk, "Ada", "correct horse battery")
    for language in LANGUAGES:
        facts = await _page(console, quick, language)
        assert FIRST_DUE[language] not in facts, language
        assert facts.count(MET[language]) == 2 and NONE[language] not in facts, facts
        assert MISSED[language] not in facts, facts
        facts = await _page(console, late, language)
        assert FIRST_DUE[language] not in facts and facts.count(MISSED[language]) == 2, facts

    # the reports judge alike: the quick one met its first response, the late one missed it
    report = (await admin.get("/api/reports")).json()
    assert report["sla"]["first_response"] == {"met": 1, "missed": 1, "share": 0.5}

    # an open complaint still shows its deadlines as due
    still = (await desk.complain("My bill is wrong again this month.", customer="c-3"))["complaint"]
    rejected = await admin.post(f"/api/complaints/{still}/reject", json={"explanation": "Dup."})
    assert rejected.status_code == 200, rejected.text
    opened = (await desk.complain("The TV remote broke after a day.", customer="c-4"))["complaint"]
    for language in LANGUAGES:
        assert FIRST_DUE[language] in await _page(console, opened, language)
        facts = await _page(console, still, language)
        assert FIRST_DUE[language] not in facts and facts.count(MET[language]) == 1, facts
