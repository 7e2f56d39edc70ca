"""Staff actions over the real bot and a real SMTP relay: an action that would only repeat the
complaint's status (resolve or reject twice, take it when it is yours) is refused with 409
before anything is written or sent; resolving a case nobody took, or proposing a solution for
it (API and console), makes that agent its handler; mail after a merge stays in the e-mail
thread; the timeline names each notice; and the refusals that changed nothing before
(/correct with nothing, an account e-mail that is no address) say what to do."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from tests.conftest import table_counts
from tests.mailpeers import Sink
from tests.web.conftest import Desk, console_login, mailed, mails, rows

TEXT = "The invoice for order 5521 charged my card twice, please refund the second payment"
PASSWORD = "correct horse battery"


async def by_email(desk: Desk, sender: str, message_id: str = "") -> str:
    """A complaint mailed to the bot's SMTP intake by `sender`; its number."""
    return await mailed(desk, TEXT, sender=sender, message_id=message_id)


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def complaint(desk: Desk, number: str) -> dict[str, Any]:
    (found,) = rows(desk, "SELECT * FROM complaints WHERE number = :n", n=number)
    return found


async def test_resolving_or_rejecting_again_is_refused_and_nothing_is_written_or_sent(
    mail_desk: tuple[Desk, Sink],
) -> None:
    desk, sink = mail_desk
    ana = await desk.account("Ana")
    resolved = await by_email(desk, "eve@customer.test")
    rejected = await by_email(desk, "pat@customer.test")
    assert len(await mails(desk, sink)) == 2  # the acknowledgements
    for number in (resolved, rejected):
        assert (await ana.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    await mails(desk, sink)

    first = await ana.post(
        f"/api/complaints/{resolved}/resolve", json={"summary": "We refunded the payment."}
    )
    assert first.status_code == 200, first.text
    refused = await ana.post(
        f"/api/complaints/{rejected}/reject", json={"explanation": "It is a pre-authorisation"}
    )
    assert refused.status_code == 200, refused.text
    told = sorted(body(message) for message in await mails(desk, sink))
    told.sort(key=lambda text: "has been resolved" not in text)  # both open "Dear Ana"
    assert len(told) == 2
    assert f"{resolved} has been resolved: We refunded the payment." in told[0]  # "Dear Ana"
    # The agent's explanation ends as a sentence before the template goes on.
    rejection = told[1].replace("\r\n", "\n")
    assert "complaint: It is a pre-authorisation.\n\nIf you disagree" in rejection

    before = {n: complaint(desk, n) for n in (resolved, rejected)}
    counts = table_counts(desk.bot.store_url)
    desk.clock.advance(timedelta(hours=6))
    again = await ana.post(f"/api/complaints/{resolved}/resolve", json={"summary": "again"})
    twice = await ana.post(f"/api/complaints/{rejected}/reject", json={"explanation": "again"})

    assert again.status_code == 409, again.text
    assert again.json()["detail"] == (
        "a complaint that is resolved cannot become resolved (from resolved: closed, reopened)"
    )
    assert twice.status_code == 409, twice.text
    assert twice.json()["detail"] == (
        "a complaint that is rejected cannot become rejected (from rejected: reopened)"
    )
    assert {n: complaint(desk, n) for n in (resolved, rejected)} == before
    assert before[resolved]["resolution_summary"] == "We refunded the payment."
    assert table_counts(desk.bot.store_url) == counts
    assert await mails(desk, sink) == []


async def test_taking_a_complaint_that_is_already_yours_is_refused(
    mail_desk: tuple[Desk, Sink],
) -> None:
    desk, sink = mail_desk
    ana = await desk.account("Ana")
    bea = await desk.account("Bea")
    number = await by_email(desk, "eve@customer.test")
    await mails(desk, sink)
    taken = await ana.post(f"/api/complaints/{number}/assign", json={})
    assert taken.status_code == 200 and taken.json()["complaint"]["assignee"] == "Ana"
    [notice] = await mails(desk, sink)
    assert "is now being handled by Ana" in body(notice)

    counts = table_counts(desk.bot.store_url)
    for client, to in ((ana, ""), (ana, "Ana"), (bea, "Ana")):
        again = await client.post(f"/api/complaints/{number}/assign", json={"to": to})
        assert again.status_code == 409, again.text
        assert again.json()["detail"] == "already assigned to Ana"
    assert table_counts(desk.bot.store_url) == counts
    assert await mails(desk, sink) == []


async def test_an_agent_resolves_a_complaint_nobody_took_and_becomes_its_handler(
    mail_desk: tuple[Desk, Sink],
) -> None:
    desk, sink = mail_desk
    ana = await desk.account("Ana")
    number = await by_email(desk, "eve@customer.test")
    await mails(desk, sink)
    assert complaint(desk, number)["status"] == "acknowledged"

    answer = await ana.post(f"/api/complaints/{number}/resolve", json={"summary": "Refunded."})

    assert answer.status_code == 200, answer.text
    assert answer.json()["complaint"]["status"] == "resolved"
    assert answer.json()["complaint"]["assignee"] == "Ana"
    events = [e for e in answer.json()["timeline"] if e["kind"] == "event"]
    moves = [
        (e["detail"]["from"], e["detail"]["to"]) for e in events if e["event"] == "status_changed"
    ]
    assert moves[-2:] == [("acknowledged", "assigned"), ("assigned", "resolved")]
    assert {"from": "", "to": "Ana"} in [e["detail"] for e in events if e["event"] == "assigned"]
    [told] = await mails(desk, sink)  # the resolution only, no assignment notice besides
    assert f"{number} has been resolved: Refunded." in body(told)


async def test_an_agent_asks_the_customer_about_a_complaint_nobody_took_and_becomes_its_handler(
    mail_desk: tuple[Desk, Sink],
) -> None:
    desk, sink = mail_desk
    ana = await desk.account("Ana")
    number = await by_email(desk, "eve@customer.test")
    await mails(desk, sink)

    asked = await ana.post(
        f"/api/complaints/{number}/reply",
        json={"text": "Which card was charged?", "wait_for_customer": True},
    )

    assert asked.status_code == 200, asked.text
    assert asked.json()["complaint"]["status"] == "awaiting_customer"
    assert asked.json()["complaint"]["assignee"] == "Ana"
    [question] = await mails(desk, sink)  # the question only
    assert body(question).startswith("Dear Ana,\n\nWhich card was charged?")


@pytest.mark.parametrize(
    ("via", "amount"),
    [("api", ""), ("api", "5000"), ("console", "")],
    ids=["api-told-at-once", "api-awaiting-approval", "console"],
)
async def test_an_agent_proposes_a_solution_for_a_complaint_nobody_took_and_becomes_its_handler(
    mail_desk: tuple[Desk, Sink], via: str, amount: str
) -> None:
    """As /propose in the agents' chat does (tests.channels.test_telegram)."""
    desk, sink = mail_desk
    ana = await desk.account("Ana")
    number = await by_email(desk, "eve@customer.test")
    await mails(desk, sink)

    kind = "refund" if amount else "apology"
    if via == "api":
        proposed = await ana.post(
            f"/api/complaints/{number}/solutions", json={"kind": kind, "amount": amount or None}
        )
        assert proposed.status_code == 201, proposed.text
    else:
        console, csrf, _ = await console_login(desk, "Ana", PASSWORD)
        form = {"kind": kind, "amount": amount, "description": "", "csrf_token": csrf}
        proposed = await console.post(f"/console/complaints/{number}/solutions", data=form)
        assert proposed.status_code == 303, proposed.text
        page = (await console.get(proposed.headers["location"])).text
        assert f"{number}: proposed; the customer is told." in page
    shown = (await ana.get(f"/api/complaints/{number}")).json()
    assert shown["complaint"]["assignee"] == "Ana"
    events = [e for e in shown["timeline"] if e["kind"] == "event"]
    moves = [
        (e["detail"]["from"], e["detail"]["to"]) for e in events if e["event"] == "status_changed"
    ]
    taken = ("acknowledged", "assigned")
    expected = [taken] if amount else [taken, ("assigned", "solution_proposed")]
    assert moves[-len(expected) :] == expected
    assert {"from": "", "to": "Ana"} in [e["detail"] for e in events if e["event"] == "assigned"]
    told = [body(m) for m in await mails(desk, sink)]  # the offer only, no assignment notice
    assert len(told) == (0 if amount else 1) and all("handled by" not in t for t in told)


async def test_mail_after_a_merge_answers_the_customers_last_mail(
    mail_desk: tuple[Desk, Sink],
) -> None:
    """The merged webhook message is newer than the customer's mail, but no mail to answer."""
    desk, sink = mail_desk
    ana = await desk.account("Ana")
    target = await by_email(desk, "eve@customer.test", message_id="<eve-1@customer.test>")
    desk.clock.advance(timedelta(hours=1))
    source = (await desk.complain(TEXT, customer="c-9", contact={"email": "eve@customer.test"}))[
        "complaint"
    ]
    await mails(desk, sink)
    merged = await ana.post(f"/api/complaints/{source}/merge", json={"into": target})
    assert merged.status_code == 200, merged.text
    assert (await ana.post(f"/api/complaints/{target}/assign", json={})).status_code == 200
    replied = await ana.post(f"/api/complaints/{target}/reply", json={"text": "Checking now."})
    assert replied.status_code == 200, replied.text

    sent = await mails(desk, sink)

    assert len(sent) == 3, [body(m) for m in sent]
    assert any("are about the same matter" in body(m) for m in sent)
    assert any("is now being handled by Ana" in body(m) for m in sent)
    assert any("Checking now." in body(m) for m in sent)
    for message in sent:
        assert message["In-Reply-To"] == "<eve-1@customer.test>", body(message)
        assert "<eve-1@customer.test>" in str(message["References"])


async def test_the_timeline_names_each_notice_by_what_it_said(
    mail_desk: tuple[Desk, Sink],
) -> None:
    desk, _ = mail_desk
    ana = await desk.account("Ana")
    done = await by_email(desk, "eve@customer.test")
    refused = await by_email(desk, "pat@customer.test")
    await ana.post(f"/api/complaints/{done}/assign", json={})
    await ana.post(f"/api/complaints/{done}/resolve", json={"summary": "Refunded."})
    await ana.post(f"/api/complaints/{refused}/reject", json={"explanation": "Not ours."})

    kinds = []
    for number in (done, refused):
        timeline = (await ana.get(f"/api/complaints/{number}")).json()["timeline"]
        kinds += [e["message_kind"] for e in timeline if e["kind"] == "message"]
    assert kinds == [
        "complaint",
        "acknowledgement",
        "assigned_notice",
        "resolved",
        "complaint",
        "acknowledgement",
        "rejected_notice",
    ]
    console, _, _ = await console_login(desk, "Ana", PASSWORD)
    page = (await console.get(f"/console/complaints/{done}")).text
    assert "assignment notice" in page and "progress update" not in page


async def test_the_console_offers_only_what_can_be_done_and_refuses_a_repeat(
    mail_desk: tuple[Desk, Sink],
) -> None:
    desk, sink = mail_desk
    await desk.account("Ana")
    number = await by_email(desk, "eve@customer.test")
    await mails(desk, sink)
    ana, csrf, _ = await console_login(desk, "Ana", PASSWORD)
    url = f"/console/complaints/{number}"

    def forms(page: str) -> set[str]:
        return set(re.findall(rf'action="{url}/(\w+)"', page))

    assert {"take", "resolve", "reject"} <= forms((await ana.get(url)).text)
    await ana.post(f"{url}/take", data={"csrf_token": csrf})
    taken = (await ana.get(url)).text
    assert f"{number}: assigned to Ana." in taken
    assert "take" not in forms(taken) and "resolve" in forms(taken)

    await ana.post(f"{url}/resolve", data={"summary": "Refunded.", "csrf_token": csrf})
    shown = (await ana.get(url)).text
    assert f"{number}: resolved; the customer is told." in shown
    assert not {"take", "resolve", "reject"} & forms(shown)
    assert len(await mails(desk, sink)) == 2  # assignment and resolution

    # A second submission of a form still open in another tab changes nothing.
    counts = table_counts(desk.bot.store_url)
    again = await ana.post(f"{url}/resolve", data={"summary": "again", "csrf_token": csrf})
    assert again.status_code == 303
    assert (
        "Nothing was changed: a complaint that is resolved cannot become resolved"
        in (await ana.get(url)).text
    )
    assert table_counts(desk.bot.store_url) == counts
    assert await mails(desk, sink) == []


async def test_a_correction_that_changes_nothing_is_refused_naming_what_can_be(
    desk: Desk,
) -> None:
    number = (await desk.complain(TEXT, language="en"))["complaint"]
    ana = await desk.account("Ana")
    grade = (await ana.get(f"/api/complaints/{number}")).json()["complaint"]["grade"]
    counts = table_counts(desk.bot.store_url)
    for correction in ({}, {"reason": "just because"}, {"grade": grade, "reason": "same"}):
        answer = await ana.post(f"/api/complaints/{number}/correct", json=correction)
        assert answer.status_code == 422, (correction, answer.text)
        assert answer.json()["detail"].startswith(
            "nothing to correct: give a category, grade or department other than the "
            "complaint's (now billing, "
        ), answer.text
    assert table_counts(desk.bot.store_url) == counts


async def test_an_account_e_mail_must_be_an_address(desk: Desk) -> None:
    root = await desk.account("Root", role="admin", departments=())
    bad = {"name": "Bea", "departments": ["billing"], "email": "not-an-email"}
    refused = await root.post("/api/accounts", json=bad)
    assert refused.status_code == 422, refused.text
    [wrong] = refused.json()["detail"]  # one entry per wrong field
    assert wrong["field"] == "email" and wrong["error"] == (
        "'not-an-email' is not an e-mail address; write it like someone@example.com, or leave "
        "it empty"
    )
    created = await root.post("/api/accounts", json={**bad, "email": " bea@example.com "})
    assert created.status_code == 201 and created.json()["email"] == "bea@example.com"
    account = f"/api/accounts/{created.json()['id']}"
    assert (await root.patch(account, json={"email": "bea@"})).status_code == 422
    listed = {a["id"]: a["email"] for a in (await root.get("/api/accounts")).json()}
    assert listed[created.json()["id"]] == "bea@example.com"
    assert (await root.patch(account, json={"email": ""})).json()["email"] == ""


async def test_refusals_read_as_english(desk: Desk) -> None:
    number = (await desk.complain(TEXT, language="en"))["complaint"]
    ana = await desk.account("Ana")
    apology = await ana.post(
        f"/api/complaints/{number}/solutions", json={"kind": "apology", "amount": "5"}
    )
    assert apology.status_code == 422
    assert apology.json()["detail"] == (
        "a solution of kind 'apology' has no amount; leave it empty"
    )
    canned = await ana.post(f"/api/complaints/{number}/reply", json={"canned": "nope"})
    assert canned.status_code == 404
    assert canned.json()["detail"] == "there is no canned reply 'nope'"
