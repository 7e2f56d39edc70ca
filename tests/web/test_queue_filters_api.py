"""The queue's filters over the real API and console: a value that names no status, grade,
channel or department is refused with the values that exist (never an empty queue that looks
like no work); `overdue` means a deadline missed and not met, also after an escalation moved
the watched deadline on; registration fields have limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from complaints.fields import FIELD_LIMITS
from tests.web.conftest import Desk, console_login, rows

NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."


@pytest.mark.parametrize(
    ("params", "known"),
    [
        ({"grade": "super"}, "general, important, urgent"),
        ({"status": "bogus"}, "open, new, acknowledged"),
        ({"channel": "fax"}, "email, telegram, webhook"),
        ({"department": "nope"}, "billing"),
    ],
)
async def test_an_unknown_filter_value_is_refused_naming_the_known_ones(
    desk: Desk, params: dict[str, str], known: str
) -> None:
    await desk.complain(NETWORK)
    admin = await desk.account("Root", role="admin", departments=())
    answer = await admin.get("/api/complaints", params=params)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    ((name, value),) = params.items()
    assert f"there is no {name} '{value}'" in detail and known in detail
    # the known values still filter
    assert (await admin.get("/api/complaints", params={"status": "open"})).status_code == 200


async def test_the_console_queue_refuses_an_unknown_filter_in_the_readers_language(
    desk: Desk,
) -> None:
    accounts = desk.app.state.services.accounts
    await accounts.create("Lucía", "admin", (), "correct horse battery", language="es")
    client, _, _ = await console_login(desk, "Lucía", "correct horse battery")
    page = await client.get("/console/queue", params={"grade": "super"})
    assert page.status_code == 422
    assert "No existe la gravedad «super»" in page.text  # shown alone: a sentence
    page = await client.get("/console/queue", params={"department": "nope"})
    assert page.status_code == 422 and "No existe el departamento «nope»" in page.text
    assert (await client.get("/console/queue", params={"grade": "urgent"})).status_code == 200


def _when(value: Any) -> datetime:
    """A time column read back from SQLite (naive UTC text) as an aware datetime."""
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_overdue_holds_a_missed_first_response_after_its_escalation(shop: Desk) -> None:
    """Unanswered past its first-response deadline: overdue in the API and the console, also
    once the escalation moved the watched deadline (escalate_due) on; answered, it is overdue
    again only when its resolution is late; finished, never."""
    desk = shop
    number = (await desk.complain(NETWORK))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    await desk.app.state.services.accounts.create("Ada", "admin", (), "correct horse battery")

    async def overdue() -> set[str]:
        answer = await admin.get("/api/complaints", params={"overdue": "true"})
        assert answer.status_code == 200, answer.text
        found = {item["number"] for item in answer.json()["items"]}
        listed = await admin.get("/api/complaints", params={"q": number})
        (item,) = listed.json()["items"]
        assert item["overdue"] == (number in found)  # the row's flag follows the same rule
        # a new login each time: the clock moves past a session's lifetime
        console, _, _ = await console_login(desk, "Ada", "correct horse battery")
        page = await console.get("/console/queue", params={"overdue": "true", "status": ""})
        assert page.status_code == 200 and (number in page.text) == (number in found)
        return found

    assert await overdue() == set()
    (due,) = rows(
        desk,
        "SELECT first_response_due, resolution_due FROM complaints WHERE number = :n",
        n=number,
    )
    desk.clock.advance(_when(due["first_response_due"]) - desk.clock.now() + timedelta(minutes=1))
    await desk.app.state.services.sweeps.run_all()
    (after,) = rows(
        desk,
        "SELECT escalation_level, escalate_due, first_response_at, resolution_due "
        "FROM complaints WHERE number = :n",
        n=number,
    )
    assert after["escalation_level"] == 1 and after["first_response_at"] is None
    assert _when(after["escalate_due"]) > desk.clock.now()  # what the old filter looked at
    assert await overdue() == {number}

    # a person answers: the first response is met (late); the resolution is not due yet
    replied = await admin.post(f"/api/complaints/{number}/reply", json={"text": "We are on it."})
    assert replied.status_code == 200, replied.text
    assert _when(after["resolution_due"]) > desk.clock.now()
    assert await overdue() == set()

    desk.clock.advance(_when(after["resolution_due"]) - desk.clock.now() + timedelta(minutes=1))
    assert await overdue() == {number}
    ended = await admin.post(f"/api/complaints/{number}/reject", json={"explanation": "A test."})
    assert ended.status_code == 200, ended.text
    assert await overdue() == set()


async def test_the_queue_shows_and_sorts_by_the_deadline_the_customer_waits_on(
    shop: Desk,
) -> None:
    """Past a missed first response that was escalated, the row shows that missed deadline,
    not the next escalation's time; answered, the resolution deadline; finished, none."""
    desk = shop
    number = (await desk.complain(NETWORK))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    (due,) = rows(
        desk,
        "SELECT first_response_due, resolution_due FROM complaints WHERE number = :n",
        n=number,
    )

    async def shown() -> datetime | None:
        listed = await admin.get("/api/complaints", params={"q": number, "status": ""})
        (item,) = listed.json()["items"]
        return _when(item["next_deadline"]) if item["next_deadline"] else None

    assert await shown() == _when(due["first_response_due"])
    desk.clock.advance(_when(due["first_response_due"]) - desk.clock.now() + timedelta(minutes=1))
    await desk.app.state.services.sweeps.run_all()
    assert await shown() == _when(due["first_response_due"])  # missed, and still awaited
    replied = await admin.post(f"/api/complaints/{number}/reply", json={"text": "We are on it."})
    assert replied.status_code == 200, replied.text
    assert await shown() == _when(due["resolution_due"])
    ended = await admin.post(f"/api/complaints/{number}/reject", json={"explanation": "A test."})
    assert ended.status_code == 200, ended.text
    assert await shown() is None


async def test_registration_fields_over_their_limit_are_refused(desk: Desk) -> None:
    number = (await desk.complain(NETWORK))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    limit = FIELD_LIMITS["order_number"]
    answer = await admin.patch(f"/api/complaints/{number}", json={"order_number": "9" * 100_000})
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["field"] == "order_number" and str(limit) in problem["error"]
    fine = await admin.patch(f"/api/complaints/{number}", json={"order_number": "9" * limit})
    assert fine.status_code == 200, fine.text
    (stored,) = rows(desk, "SELECT order_number FROM complaints WHERE number = :n", n=number)
    assert stored["order_number"] == "9" * limit

    # the console's form: refused, in the reader's language, nothing changed
    accounts = desk.app.state.services.accounts
    await accounts.create("Lucía", "admin", (), "correct horse battery", language="es")
    client, csrf, _ = await console_login(desk, "Lucía", "correct horse battery")
    posted = await client.post(
        f"/console/complaints/{number}/fields",
        data={"csrf_token": csrf, "order_number": "8" * (limit + 1)},
    )
    assert posted.status_code == 303
    page = await client.get(posted.headers["location"])
    assert re.search(r"Número de pedido supera los 200 caracteres", page.text), page.text[:2000]
    (stored,) = rows(desk, "SELECT order_number FROM complaints WHERE number = :n", n=number)
    assert stored["order_number"] == "9" * limit
