"""Two staff decisions on one complaint at the same moment, over the real bot, on SQLite and on
PostgreSQL: two supervisors deciding one solution waiting for approval, two agents merging
the same two complaints (each into the other, or the same way twice), two supervisors
correcting one grade. The first to write wins; the other hears 409 and nothing of theirs is
written or said to the customer.

On PostgreSQL (writers run at once) the race is made certain as in test_status_races: the
test holds the complaint's row lock, lets both requests read and queue for their write in a
known order, then lets go. SQLite's one writer runs one after the other: the second reads
what the first wrote."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import httpx
import pytest

from complaints.clock import ManualClock
from tests.conftest import SECRET, START, CallbackReceiver, Served
from tests.web.conftest import Desk, delivered, rows
from tests.web.test_status_races import held

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
Answer = Coroutine[Any, Any, httpx.Response]


@pytest.fixture
async def racing(
    start_bot: Callable[..., Awaitable[Any]],
    callback_receiver: tuple[CallbackReceiver, Served],
    store_url: str,
) -> AsyncIterator[tuple[Desk, CallbackReceiver, str]]:
    """The bot on each store, background work off, the shop's customers reachable through the
    returned receiver; and the store's URL."""
    receiver, served = callback_receiver
    shop = {"secret": SECRET, "callback_url": f"{served.url}/callback"}
    overrides = {
        "store": {"url": store_url, "busy_timeout": "20s"},  # the test holds a lock a while
        "webhook": {"sources": {"shop": shop}},
    }
    clock = ManualClock(START)
    running = Desk(await start_bot(overrides, clock=clock, background=False), clock)
    yield running, receiver, store_url
    for client in running.clients:
        await client.aclose()


async def at_once(
    url: str, number: str, first: Answer, second: Answer
) -> tuple[httpx.Response, httpx.Response]:
    """Both requests at the same moment. On PostgreSQL both wait, `first` ahead, behind the
    lock of `number`'s row, so both read before either writes."""
    if not url.startswith("postgresql"):
        one, other = await asyncio.gather(first, second)
        return one, other
    async with held(url, number) as queued:
        leading = asyncio.create_task(first)
        await queued(1)
        following = asyncio.create_task(second)
        await queued(2)
    return await leading, await following


def _events(desk: Desk, number: str, *kinds: str) -> list[tuple[str, dict[str, Any]]]:
    found = rows(
        desk,
        "SELECT e.kind, e.detail FROM events e JOIN complaints c ON c.id = e.complaint_id "
        "WHERE c.number = :n ORDER BY e.id",
        n=number,
    )
    loaded = [
        (
            row["kind"],
            json.loads(row["detail"]) if isinstance(row["detail"], str) else row["detail"],
        )
        for row in found
    ]
    return [(kind, detail) for kind, detail in loaded if kind in kinds]


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


async def _waiting_solution(
    desk: Desk, receiver: CallbackReceiver, agent: httpx.AsyncClient, customer: str
) -> tuple[str, int]:
    """A complaint with a compensation waiting for approval; what was said so far delivered."""
    number = str((await desk.complain(BILLING, customer=customer))["complaint"])
    proposed = await agent.post(
        f"/api/complaints/{number}/solutions", json={"kind": "compensation", "amount": "150"}
    )
    assert proposed.json()["status"] == "awaiting_approval", proposed.text
    await delivered(desk, receiver)
    return number, int(proposed.json()["id"])


def _split(
    url: str, first: httpx.Response, second: httpx.Response
) -> tuple[httpx.Response, httpx.Response]:
    """The winner and the loser: on PostgreSQL the first to queue wins, on SQLite whichever
    the writer ran first; the other is refused with 409."""
    codes = (first.status_code, second.status_code)
    expected = [(200, 409)] if _is_postgres(url) else [(200, 409), (409, 200)]
    assert codes in expected, (first.text, second.text)
    return (first, second) if codes == (200, 409) else (second, first)


async def test_two_supervisors_deciding_one_solution_at_once_the_second_is_refused_unwritten(
    racing: tuple[Desk, CallbackReceiver, str],
) -> None:
    desk, receiver, url = racing
    wang = await desk.account("Wang")
    sofia = await desk.account("Sofia", role="supervisor")
    li = await desk.account("Li", role="supervisor")

    # Sofia rejects as Li approves (on PostgreSQL her write comes first).
    number, solution = await _waiting_solution(desk, receiver, wang, "c-1")
    decision = f"/api/complaints/{number}/solutions/{solution}/decision"
    rejecting = sofia.post(decision, json={"approve": False, "reason": "demasiado"})
    won, lost = _split(
        url, *await at_once(url, number, rejecting, li.post(decision, json={"approve": True}))
    )
    status = won.json()["status"]
    assert (status, won.json()["decided_by"]) in (("rejected", "Sofia"), ("proposed", "Li"))
    assert lost.json()["detail"] == (
        f"solution {solution} was decided by someone else meanwhile (it is now {status}): "
        "reload it and decide again"
        if _is_postgres(url)
        else f"solution {solution} is {status}, not waiting for approval"
    )
    (found,) = rows(desk, "SELECT status, decided_by FROM solutions WHERE id = :s", s=solution)
    assert (found["status"], found["decided_by"]) == (status, won.json()["decided_by"])
    decided = _events(desk, number, "solution_rejected", "solution_approved")
    assert [kind for kind, _ in decided] == [
        "solution_rejected" if status == "rejected" else "solution_approved"
    ]
    offered = [notice["kind"] for notice in await delivered(desk, receiver)]
    assert offered == ([] if status == "rejected" else ["proposed"])

    # Two rejections at once: one decision, one event.
    number, solution = await _waiting_solution(desk, receiver, wang, "c-2")
    decision = f"/api/complaints/{number}/solutions/{solution}/decision"
    won, lost = _split(
        url,
        *await at_once(
            url,
            number,
            sofia.post(decision, json={"approve": False, "reason": "demasiado"}),
            li.post(decision, json={"approve": False, "reason": "no procede"}),
        ),
    )
    (found,) = rows(desk, "SELECT decision_reason FROM solutions WHERE id = :s", s=solution)
    assert found["decision_reason"] == won.json()["decision_reason"]
    assert len(_events(desk, number, "solution_rejected")) == 1

    # Two approvals at once: the customer is offered the solution once.
    number, solution = await _waiting_solution(desk, receiver, wang, "c-3")
    decision = f"/api/complaints/{number}/solutions/{solution}/decision"
    _split(
        url,
        *await at_once(
            url,
            number,
            sofia.post(decision, json={"approve": True}),
            li.post(decision, json={"approve": True}),
        ),
    )
    assert len(_events(desk, number, "solution_approved")) == 1
    assert [notice["kind"] for notice in await delivered(desk, receiver)] == ["proposed"]


async def test_two_merges_of_the_same_two_complaints_at_once_merge_them_once(
    racing: tuple[Desk, CallbackReceiver, str],
) -> None:
    """A into B as B into A, then A into B twice: one merge each time, never a cycle nor
    both merged, and one notice to the customer."""
    desk, receiver, url = racing
    wang = await desk.account("Wang")
    emma = await desk.account("Emma")
    for crossed in (True, False):
        customer = f"c-{crossed}"
        one = str((await desk.complain(BILLING, customer=customer))["complaint"])
        other = (await desk.complain("El cargo doble sigue ahí.", customer=customer))["complaint"]
        await delivered(desk, receiver)
        second_way = {"into": one} if crossed else {"into": other}
        won, lost = _split(
            url,
            *await at_once(
                url,
                one,  # the lower id: both merges lock it first
                wang.post(f"/api/complaints/{one}/merge", json={"into": other}),
                emma.post(f"/api/complaints/{other if crossed else one}/merge", json=second_way),
            ),
        )
        merged = won.json()["merged"]
        found = rows(
            desk,
            "SELECT number, status, merged_into FROM complaints WHERE number IN (:a, :b) "
            "ORDER BY number",
            a=one,
            b=other,
        )
        assert [row["status"] == "merged" for row in found].count(True) == 1, found
        (away,) = [row for row in found if row["status"] == "merged"]
        assert (away["number"], away["merged_into"]) == (merged, won.json()["into"])
        merges = _events(desk, one, "merged") + _events(desk, other, "merged")
        assert len(merges) == 2, merges  # one on each side, of one merge
        notices = [notice["kind"] for notice in await delivered(desk, receiver)]
        assert notices == ["merged"], (notices, lost.text)


async def test_two_grade_corrections_at_once_do_not_overwrite_each_other_unseen(
    racing: tuple[Desk, CallbackReceiver, str],
) -> None:
    """Two supervisors correct one grade at the same moment. On PostgreSQL both read the same
    grade: the second is refused (409), so the timeline never says a grade went from what it
    no longer was. On SQLite the second reads the first's grade and corrects that one."""
    desk, _, url = racing
    sofia = await desk.account("Sofia", role="supervisor")
    li = await desk.account("Li", role="supervisor")
    filed = await desk.complain(BILLING)
    number, grade = filed["complaint"], filed["grade"]
    first_grade, second_grade = [
        other for other in ("general", "important", "urgent") if other != grade
    ]
    correct = f"/api/complaints/{number}/correct"
    first, second = await at_once(
        url,
        number,
        sofia.post(correct, json={"grade": first_grade, "reason": "cliente repetido"}),
        li.post(correct, json={"grade": second_grade, "reason": "no es urgente"}),
    )
    corrected = [detail for _, detail in _events(desk, number, "grade_corrected")]
    (found,) = rows(desk, "SELECT grade FROM complaints WHERE number = :n", n=number)
    if _is_postgres(url):
        assert (first.status_code, second.status_code) == (200, 409), second.text
        assert second.json()["detail"] == (
            f"{number} was corrected by someone else meanwhile (it is now billing, "
            f"{first_grade}, billing): reload it and decide again"
        )
        assert [(each["from"], each["to"]) for each in corrected] == [(grade, first_grade)]
    else:
        assert (first.status_code, second.status_code) == (200, 200)
    chain = [grade, *(each["to"] for each in corrected)]
    assert [each["from"] for each in corrected] == chain[:-1]  # each from what it then was
    assert found["grade"] == corrected[-1]["to"]


async def test_a_costly_proposal_as_a_colleague_resolves_never_leaves_it_waiting_on_a_closed_case(
    racing: tuple[Desk, CallbackReceiver, str],
) -> None:
    """Wang proposes a compensation that needs approval as Emma resolves the complaint; his
    write comes first on PostgreSQL. Resolving reads whether a solution waits for approval:
    it must see his, or be refused, never resolve the case with it waiting for ever (no
    approval could offer it any more)."""
    desk, receiver, url = racing
    wang = await desk.account("Wang")
    emma = await desk.account("Emma")
    number = str((await desk.complain(BILLING))["complaint"])
    assert (await wang.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    await delivered(desk, receiver)
    proposed, resolved = await at_once(
        url,
        number,
        wang.post(
            f"/api/complaints/{number}/solutions", json={"kind": "compensation", "amount": "150"}
        ),
        emma.post(f"/api/complaints/{number}/resolve", json={"summary": "Reembolsado."}),
    )
    if _is_postgres(url):
        assert (proposed.status_code, resolved.status_code) == (201, 409), resolved.text
        assert "waiting for a supervisor's approval" in resolved.json()["detail"]
    (found,) = rows(desk, "SELECT status FROM complaints WHERE number = :n", n=number)
    waiting = rows(desk, "SELECT id FROM solutions WHERE status = 'awaiting_approval'")
    assert (found["status"], len(waiting)) in (("resolved", 0), ("assigned", 1))
    said = [notice["kind"] for notice in await delivered(desk, receiver)]
    assert said == (["resolved"] if found["status"] == "resolved" else []), said
