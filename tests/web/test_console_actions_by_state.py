"""The complaint page offers only the actions its state allows (README: the console): a merged
complaint offered every form and each was refused ("work on that one"), a resolved one still
offered to propose a solution, which the desk refuses until it is reopened."""

from __future__ import annotations

import re

from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login

FIRST = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
AGAIN = "Otra vez: el cobro doble de la tarjeta sigue sin devolverse, quiero el reembolso ya."
# (no reply form: the shop's webhook has no callback_url in these tests)
WORK = ("assign", "note", "solutions", "resolve", "correct", "fields", "merge", "reject")


def _forms(page: str, number: str) -> set[str]:
    return set(re.findall(rf'action="/console/complaints/{number}/(\w+)"', page))


async def test_a_merged_complaint_offers_no_work_and_links_to_the_one_that_carries_on(
    desk: Desk,
) -> None:
    api = await desk.account("Ana")
    first = (await desk.complain(FIRST, customer="c-1", id_="a"))["complaint"]
    second = (await desk.complain(AGAIN, customer="c-1", id_="b"))["complaint"]
    merged = await api.post(f"/api/complaints/{second}/merge", json={"into": first})
    assert merged.status_code == 200, merged.text
    client, _, _ = await console_login(desk, "Ana", PASSWORD)

    page = (await client.get(f"/console/complaints/{second}")).text
    assert _forms(page, second) == set()
    assert f'<a href="/console/complaints/{first}" class="number">{first}</a>' in page
    assert set(WORK) <= _forms((await client.get(f"/console/complaints/{first}")).text, first)


async def test_a_resolved_complaint_offers_no_solution_to_propose(desk: Desk) -> None:
    api = await desk.account("Ana")
    number = (await desk.complain(FIRST, customer="c-1"))["complaint"]
    resolved = await api.post(
        f"/api/complaints/{number}/resolve", json={"summary": "Reembolsado.", "root_cause": "x"}
    )
    assert resolved.status_code == 200, resolved.text
    client, _, _ = await console_login(desk, "Ana", PASSWORD)

    page = (await client.get(f"/console/complaints/{number}")).text
    assert {"solutions", "resolve", "reject", "merge"} & _forms(page, number) == set()
    assert {"assign", "note", "correct", "fields"} <= _forms(page, number)
