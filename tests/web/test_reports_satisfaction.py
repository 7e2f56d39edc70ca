"""The reports' satisfaction over the real bot (webhook customers, agent desk, survey sweep, the
API and the console), on SQLite and on PostgreSQL: a complaint answered 2, reopened by it,
resolved again and answered 5 counts two answers, each in the period it was given; the
department filter; the console's satisfaction chart shows what the API says."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from complaints.clock import ManualClock
from tests.conftest import START
from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login
from tests.web.test_reports_api import SETTINGS, file

BOTH = {"since": "2026-03-02", "until": "2026-03-23"}
FIRST_WEEK = {"since": "2026-03-09", "until": "2026-03-16"}
SECOND_WEEK = {"since": "2026-03-16", "until": "2026-03-23"}


@pytest.fixture
async def desk(start_bot: Callable[..., Awaitable[Any]], store_url: str) -> AsyncIterator[Desk]:
    clock = ManualClock(START)
    running = Desk(
        await start_bot({**SETTINGS, "store": {"url": store_url}}, clock, background=False), clock
    )
    yield running
    for client in running.clients:
        await client.aclose()


async def two_rounds(desk: Desk) -> None:
    """Monday 2026-03-02: a billing and a logistics complaint, both resolved. A week later the
    surveys go out: billing answers 2 (which reopens it), logistics 4. Billing is resolved again
    and, a week later (2026-03-16), answers 5."""
    state, clock = desk.app.state.services, desk.clock
    root = await state.accounts.create("Root", "admin", ())
    billing = await file(desk, "I was charged twice on my bill.", "c-1")
    logistics = await file(desk, "The parcel arrived damaged.", "c-3")
    for number in (billing, logistics):
        await state.agents.take(number, root)
        await state.agents.resolve(number, root, "Sorted out.")
    clock.advance(timedelta(days=7))
    assert (await state.sweeps.run_all())["surveys"] == 2
    await desk.complain("2", customer="c-1", complaint=billing)
    await desk.complain("4", customer="c-3", complaint=logistics)
    await state.agents.resolve(billing, root, "Refunded the second charge.")
    clock.advance(timedelta(days=7))
    assert (await state.sweeps.run_all())["surveys"] == 1
    await desk.complain("5, thanks", customer="c-1", complaint=billing)


async def satisfaction(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    answer = await client.get("/api/reports", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["satisfaction"])


def chart(page: str) -> dict[str, int]:
    """The console's satisfaction chart: each score's bar label and value."""
    found = re.search(r'<svg[^>]*aria-label="Satisfaction[^"]*".*?</svg>', page, re.S)
    assert found is not None, page
    texts = re.findall(r"<text [^>]*>([^<]*)</text>", found[0])[1:]  # after the title
    labels, values = texts[0::2], texts[1::2]
    return {html.unescape(label): int(value) for label, value in zip(labels, values, strict=True)}


async def test_each_round_of_a_reopened_complaint_counts_when_answered(desk: Desk) -> None:
    await two_rounds(desk)
    admin = await desk.account("Ada", role="admin", departments=())
    assert await satisfaction(admin, **BOTH, department="billing") == {
        "answered": 2,
        "mean": 3.5,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
    }
    assert await satisfaction(admin, **BOTH) == {
        "answered": 3,
        "mean": 3.67,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1},
    }
    # the week the 2 was given: it counts, though the complaint is rated 5 now
    assert await satisfaction(admin, **FIRST_WEEK, department="billing") == {
        "answered": 1,
        "mean": 2.0,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0},
    }
    assert (await satisfaction(admin, **SECOND_WEEK, department="billing"))["mean"] == 5.0
    assert (await satisfaction(admin, **BOTH, department="logistics"))["mean"] == 4.0
    supervisor = await desk.account("Sam", role="supervisor", departments=("billing",))
    assert (await satisfaction(supervisor, **BOTH))["answered"] == 2

    await desk.app.state.services.accounts.create("Eva", "admin", (), PASSWORD)
    console, _, _ = await console_login(desk, "Eva", PASSWORD)
    page = await console.get("/console/reports", params={**BOTH, "department": "billing"})
    assert page.status_code == 200, page.text
    assert chart(page.text) == {f"score {n}": int(n == 2 or n == 5) for n in range(1, 6)}
    page = await console.get("/console/reports", params=BOTH)
    assert chart(page.text) == {f"score {n}": int(n in (2, 4, 5)) for n in range(1, 6)}
