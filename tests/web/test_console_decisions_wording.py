"""The console over httpx against the real bot, in its four languages: who proposed a solution
and who approved or turned it down; a rejection without an explanation refused in the words of
each surface (console and API: the field; Telegram: the command); refusals naming fields,
grades, channels and statuses by their names; dead letters' reasons and sizes."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from complaints.addresses import Address
from staff.chat_commands import ChatCommands
from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login, rows
from tests.web.test_dead_letters_api import keep_letters
from web.console.i18n import catalogs, say
from web.console.wording import label

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
LANGUAGES = ("en", "es", "zh-Hans", "zh-Hant")

SOLUTIONS = {  # (status, proposer, decision) of the approved and the turned-down proposal
    "en": [
        ("proposed", "Carl", "approved by Sam"),
        ("turned down", "Carl", "rejected by Sam: demasiado alto"),
    ],
    "es": [
        ("propuesta", "Carl", "aprobada por Sam"),
        ("rechazada", "Carl", "rechazada por Sam: demasiado alto"),
    ],
    "zh-Hans": [
        ("已提出", "Carl", "Sam 已批准"),
        ("已驳回", "Carl", "Sam 已驳回：demasiado alto"),
    ],
    "zh-Hant": [
        ("已提出", "Carl", "Sam 已核准"),
        ("已駁回", "Carl", "Sam 已駁回：demasiado alto"),
    ],
}


def _cells(row: str) -> list[str]:
    found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)
    assert found is not None, page
    return html.unescape(found[1]).strip()


async def test_the_solutions_table_names_who_proposed_and_who_decided(shop: Desk) -> None:
    number = (await shop.complain(BILLING))["complaint"]
    carl = await shop.account("Carl", departments=("billing",))
    sam = await shop.account("Sam", role="supervisor", departments=("billing",))
    path = f"/api/complaints/{number}/solutions"
    made = [
        (await carl.post(path, json={"kind": "compensation", "amount": amount})).json()
        for amount in (150, 300)
    ]
    assert [solution["status"] for solution in made] == ["awaiting_approval"] * 2
    approved = await sam.post(f"{path}/{made[0]['id']}/decision", json={"approve": True})
    assert approved.json()["proposed_by"] == "Carl" and approved.json()["decided_by"] == "Sam"
    turned_down = {"approve": False, "reason": "demasiado alto"}
    assert (await sam.post(f"{path}/{made[1]['id']}/decision", json=turned_down)).is_success

    client, _, _ = await console_login(shop, "Sam", PASSWORD)
    for language in LANGUAGES:
        page = await client.get(
            f"/console/complaints/{number}", headers={"Accept-Language": language}
        )
        table = re.findall(r'<tr data-solution="\d+">(.*?)</tr>', page.text, re.S)
        assert [tuple(_cells(row)[3:6]) for row in table] == SOLUTIONS[language]
        assert "未受理" not in "".join(table)


REJECT_HINT = {
    "en": "write a polite explanation for the customer in the explanation field",
    "es": "escriba en el campo de la explicación una explicación cortés para el cliente",
    "zh-Hans": "请在说明栏中为客户写一段礼貌的说明",
    "zh-Hant": "請在說明欄中為客戶寫一段禮貌的說明",
}


async def test_a_rejection_without_explanation_is_refused_in_each_surfaces_words(
    shop: Desk,
) -> None:
    number = (await shop.complain(BILLING))["complaint"]
    api = await shop.account("Carl", departments=("billing",))
    refused = await api.post(f"/api/complaints/{number}/reject", json={"explanation": " "})
    assert refused.status_code == 422 and refused.json()["detail"] == REJECT_HINT["en"]

    client, csrf, _ = await console_login(shop, "Carl", PASSWORD)
    page = f"/console/complaints/{number}"
    for language in LANGUAGES:
        await client.post(f"{page}/reject", data={"csrf_token": csrf, "explanation": ""})
        shown = _flash((await client.get(page, headers={"Accept-Language": language})).text)
        assert REJECT_HINT[language] in shown and "/reject" not in shown

    accounts = shop.app.state.services.accounts
    await accounts.create("Tia", "agent", ("billing",), PASSWORD, telegram_user_id=4242)
    chat = ChatCommands(shop.app.state.services.agents)
    answer = await chat.run(4242, "reject", [number], Address.parse("telegram:-100"))
    assert answer == "Not done: say why, politely: /reject C-… explanation"
    assert rows(shop, "SELECT status FROM complaints") == [{"status": "acknowledged"}]


def _keyed(text: str, key: str) -> bool:
    """Whether `key` is in `text` as a word of its own (the Spanish "urgente" is no key)."""
    return re.search(rf"(?<![\w-]){key}(?![\w-])", text) is not None


def _named(language: str, kind: str, key: str) -> str:
    return say(catalogs()[language], label(kind, key))


@pytest.mark.parametrize("language", ["es", "zh-Hans"])
async def test_refusals_name_fields_grades_channels_and_statuses(shop: Desk, language: str) -> None:
    number = (await shop.complain(BILLING))["complaint"]
    accounts = shop.app.state.services.accounts
    await accounts.create("Carl", "agent", ("billing",), PASSWORD, language=language)
    client, csrf, _ = await console_login(shop, "Carl", PASSWORD)
    page = f"/console/complaints/{number}"

    await client.post(f"{page}/fields", data={"csrf_token": csrf, "purchase_date": "2099-01-01"})
    shown = _flash((await client.get(page)).text)
    assert _named(language, "registration", "purchase_date") in shown
    assert "purchase_date" not in shown and "a date such as" not in shown

    await client.post(f"{page}/correct", data={"csrf_token": csrf, "grade": "mega", "reason": "x"})
    shown = _flash((await client.get(page)).text)
    assert all(_named(language, "grade", grade) in shown for grade in ("important", "urgent"))
    assert not _keyed(shown, "important") and not _keyed(shown, "urgent")

    refusals = {
        "grade=super": [("grade", "important"), ("grade", "urgent")],
        "channel=fax": [("channel", "email")],
        "status=foo": [("status", "open"), ("status", "awaiting_customer")],
    }
    for query, names in refusals.items():
        refused = await client.get(f"/console/queue?{query}")
        assert refused.status_code == 422
        text = _flash(refused.text)
        assert all(_named(language, kind, key) in text for kind, key in names), text
        assert not any(_keyed(text, key) for _, key in names), text


async def test_dead_letters_show_reasons_and_sizes_in_the_admins_words(desk: Desk) -> None:
    _, broken, _ = await keep_letters(desk)
    letters = desk.app.state.services.dead_letters
    desk.clock.advance(timedelta(minutes=1))
    big = await letters.keep(
        "email",
        b"x" * 8_609_771,
        "attachment 'big.jpg' is 6291456 bytes; the limit is 5242880",
    )
    stored = {row["id"]: row["reason"] for row in rows(desk, "SELECT id, reason FROM dead_letters")}
    assert stored[broken] == "cannot be parsed: not an e-mail message: no header lines"
    await desk.app.state.services.accounts.create("Root", "admin", (), PASSWORD, language="zh-Hant")
    client, csrf, _ = await console_login(desk, "Root", PASSWORD)

    await client.post(f"/console/dead-letters/{broken}/reprocess", data={"csrf_token": csrf})
    listing = (await client.get("/console/dead-letters")).text
    shown = _flash(listing)
    assert shown.startswith(f"死信 {broken} ") or str(broken) in shown
    assert "MalformedMail" not in shown and "no header lines" not in shown, shown
    again = rows(desk, "SELECT reason FROM dead_letters WHERE id = :id", id=broken)
    assert again == [{"reason": stored[broken]}]  # the same words as first intake

    row = re.search(rf'<tr data-letter="{big}">(.*?)</tr>', listing, re.S)
    assert row is not None
    cells = _cells(row[1])
    assert "8.2\N{NO-BREAK SPACE}MB" in cells and "8609771" not in row[1]
    # a reason kept before sizes were readable reads as one kept now
    assert "6291456" not in row[1] and "5242880" not in row[1]
    assert "附件「big.jpg」大小為 6\N{NO-BREAK SPACE}MB；上限為 5\N{NO-BREAK SPACE}MB" in cells
    assert "big.jpg" in row[1] and "bytes" not in row[1] and "InvalidMessage" not in row[1]


async def test_a_dead_letters_sizes_read_in_the_admins_language(desk: Desk) -> None:
    """The reason intake stores reads "12.4 MB"; a Spanish admin reads "12,4 MB"."""
    letters = desk.app.state.services.dead_letters
    kept = await letters.keep(
        "email", b"x" * 100, "attachment 'clip.mp4' is 12.4 MB; the limit is 10 MB"
    )
    await desk.app.state.services.accounts.create("Root", "admin", (), PASSWORD, language="es")
    client, _, _ = await console_login(desk, "Root", PASSWORD)
    listing = (await client.get("/console/dead-letters")).text
    row = re.search(rf'<tr data-letter="{kept}">(.*?)</tr>', listing, re.S)
    assert row is not None
    nbsp = "\N{NO-BREAK SPACE}"
    assert f"el adjunto «clip.mp4» ocupa 12,4{nbsp}MB; el límite es 10{nbsp}MB" in _cells(row[1])
