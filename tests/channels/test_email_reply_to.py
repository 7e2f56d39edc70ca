"""Reply-To (RFC 5322 §3.6.2) end to end over SMTP on 127.0.0.1: smtplib as the customer's
server, the bot's SMTP intake, and an aiosmtpd sink as the relay. Answers go to the Reply-To
of the customer's mail; a web form's or a shop's mail from a no-reply sender is the customer
named in its Reply-To; a Reply-To that could loop (the bot's own address, a list, a no-reply
address) or cannot be read is disregarded."""

from __future__ import annotations

import html
import json
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from channels.email.parse import parse_mail
from complaints.clock import ManualClock
from tests.channels.test_email import body, rows
from tests.conftest import START
from tests.mailpeers import Sink, mail, send
from tests.web.conftest import Desk, console_login

PASSWORD = "correct horse battery"

BOT = "complaints@example.com"
ALIAS = "quejas@example.com"


@pytest.fixture
async def mailbot(start_bot: Any, sink: Sink) -> Any:
    """The bot with an alias and one configured form sender, relay the sink."""
    bot = await start_bot(
        {
            "email": {
                "relay": {"port": sink.port},
                "aliases": [ALIAS],
                "form_senders": ["Forms@Shop.example"],
            }
        }
    )
    bot.smtp_port = bot.app.state.services.channels["email"].smtp_port
    return bot


async def agent_replies(bot: Any, number: str, department: str, text: str) -> None:
    accounts = bot.app.state.services.accounts
    agent = await accounts.create("Lola", "agent", [department], "horse battery 1")
    _, secret = await accounts.issue_token(agent.id or 0, "tests")
    async with httpx.AsyncClient(
        base_url=bot.served.url, headers={"Authorization": f"Bearer {secret}"}
    ) as client:
        replied = await client.post(f"/api/complaints/{number}/reply", json={"text": text})
        assert replied.status_code == 200, replied.text


async def mail_saying(sink: Sink, words: str) -> EmailMessage:
    """The next mail whose text holds `words` (an assignment notice may come before it)."""
    for _ in range(3):
        sent = await sink.next()
        if words in body(sent):
            return sent
    raise AssertionError(f"no mail saying {words!r}")


TEXTS = [
    pytest.param(
        "Hola, la lavadora que compré hace un mes hace un ruido terrible y no centrifuga.",
        "es",
        id="es",
    ),
    pytest.param("我在你们网店买的吹风机用了三次就坏了，要求退货。", "zh-Hans", id="zh-Hans"),
    pytest.param("我在門市買的冷氣安裝後一直漏水，師傅也沒有處理好。", "zh-Hant", id="zh-Hant"),
]


@pytest.mark.parametrize(("text", "language"), TEXTS)
async def test_the_acknowledgement_and_an_agents_reply_go_to_the_reply_to(
    mailbot: Any, sink: Sink, text: str, language: str
) -> None:
    sent = mail(
        text,
        sender="raul@work.example",
        name="Raúl",
        message_id="<r1@work.example>",
        headers={"Reply-To": "Raúl <Raul.Personal@example.es>"},
    )
    await send(mailbot.smtp_port, sent, sender="raul@work.example")
    ack = await sink.next()
    assert ack["To"] == "raul.personal@example.es"
    assert ack["In-Reply-To"] == "<r1@work.example>"
    assert ack["Content-Language"] == language
    # the customer is still the From: Reply-To only says where answers go
    identities = rows(mailbot, "SELECT address FROM identities")
    assert identities == [{"address": "raul@work.example"}]
    [stored] = rows(mailbot, "SELECT reply_to FROM messages WHERE direction = 'in'")
    assert stored == {"reply_to": "raul.personal@example.es"}

    [complaint] = rows(mailbot, "SELECT number, department FROM complaints")
    await agent_replies(mailbot, complaint["number"], complaint["department"], "Reembolsado.")
    answer = await mail_saying(sink, "Reembolsado.")
    assert answer["To"] == "raul.personal@example.es"
    assert answer["In-Reply-To"] == "<r1@work.example>"
    to = rows(mailbot, "SELECT DISTINCT address FROM outbox")
    assert to == [{"address": "raul.personal@example.es"}]


@pytest.mark.parametrize("relay", ["noreply@shop.example", "forms@shop.example"])
async def test_two_form_mails_from_a_no_reply_sender_are_two_customers(
    mailbot: Any, sink: Sink, relay: str
) -> None:
    """`noreply@` by its local part, `forms@` by `[email] form_senders`."""
    forms = [
        ("Marta García <marta@example.es>", "La lavadora no centrifuga.", "<f1@shop.example>"),
        (
            "王小明 <xiaoming@example.cn>",
            "我买的吹风机用了三次就坏了，要求退货。",
            "<f2@shop.example>",
        ),
    ]
    for reply_to, text, message_id in forms:
        form = mail(
            text,
            sender=relay,
            name="Shop",
            subject="Contact form",
            message_id=message_id,
            headers={"Reply-To": reply_to},
        )
        await send(mailbot.smtp_port, form, sender=relay)
    acks = {(await sink.next())["To"] for _ in forms}
    assert acks == {"marta@example.es", "xiaoming@example.cn"}
    customers = rows(
        mailbot,
        "SELECT c.name, c.email, i.address, m.language FROM customers c "
        "JOIN identities i ON i.customer_id = c.id JOIN complaints m ON m.customer_id = c.id "
        "ORDER BY c.id",
    )
    assert customers == [
        {"name": "Marta García", "email": "marta@example.es", "address": "marta@example.es",
         "language": "es"},
        {"name": "王小明", "email": "xiaoming@example.cn", "address": "xiaoming@example.cn",
         "language": "zh-Hans"},
    ]  # fmt: skip
    assert relay not in str(rows(mailbot, "SELECT address FROM outbox"))


@pytest.mark.parametrize(
    "reply_to",
    [
        pytest.param(BOT, id="the-bot"),
        pytest.param(f"Quejas <{ALIAS.upper()}>", id="an-alias"),
        pytest.param("kettles-request@example.org", id="a-list-request-address"),
        pytest.param("kettles@lists.example.org", id="a-lists-domain"),
        pytest.param("kettles@example.org", id="the-lists-post-address"),
        pytest.param("no-reply@example.org", id="a-no-reply-address"),
    ],
)
async def test_a_reply_to_that_could_loop_is_disregarded(
    mailbot: Any, sink: Sink, reply_to: str
) -> None:
    sent = mail(
        "El hervidor pierde agua por la base.",
        sender="ana@customer.test",
        headers={"Reply-To": reply_to, "List-Post": "<mailto:kettles@example.org>"},
    )
    await send(mailbot.smtp_port, sent)
    ack = await sink.next()
    assert ack["To"] == "ana@customer.test"
    assert rows(mailbot, "SELECT address FROM outbox") == [{"address": "ana@customer.test"}]
    assert rows(mailbot, "SELECT reply_to FROM messages WHERE direction = 'in'") == [
        {"reply_to": ""}
    ]


@pytest.mark.parametrize(
    "reply_to",
    ['"Ana <<<', "not an address", "=?utf-8?q?broken?= <@>", "ana@", "<>"],
)
async def test_an_unreadable_reply_to_falls_back_to_the_from(
    mailbot: Any, sink: Sink, reply_to: str
) -> None:
    raw = (
        "From: Ana <ana@customer.test>\r\nTo: complaints@example.com\r\n"
        f"Reply-To: {reply_to}\r\nSubject: Tetera\r\nMessage-ID: <bad@customer.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "La tetera que compré gotea por la base.\r\n"
    ).encode()
    await send(mailbot.smtp_port, raw)
    assert (await sink.next())["To"] == "ana@customer.test"


async def test_a_form_mail_without_a_usable_reply_to_is_kept_and_not_answered(
    mailbot: Any, sink: Sink
) -> None:
    form = mail(
        "Name: Ana\nMessage: my kettle leaks since the first day.",
        sender="no-reply@shop.example",
        name="Shop",
        subject="Contact form",
        headers={"Reply-To": BOT},
    )
    await send(mailbot.smtp_port, form, sender="no-reply@shop.example")
    [complaint] = rows(mailbot, "SELECT number, department FROM complaints")
    assert rows(mailbot, "SELECT id FROM outbox") == []
    [withheld] = rows(mailbot, "SELECT detail FROM events WHERE kind = 'reply_withheld'")
    assert "no-reply" in withheld["detail"]
    accounts = mailbot.app.state.services.accounts
    agent = await accounts.create("Lola", "agent", [complaint["department"]], "horse battery 1")
    _, secret = await accounts.issue_token(agent.id or 0, "tests")
    async with httpx.AsyncClient(
        base_url=mailbot.served.url, headers={"Authorization": f"Bearer {secret}"}
    ) as client:
        url = f"/api/complaints/{complaint['number']}/reply"
        refused = await client.post(url, json={"text": "Refunded."})
    assert refused.status_code == 409, refused.text
    assert rows(mailbot, "SELECT id FROM outbox") == []

    desk = Desk(mailbot, ManualClock(START))
    await desk.account("Supervisor", "supervisor", [complaint["department"]], PASSWORD)
    client, _, _ = await console_login(desk, "Supervisor", PASSWORD)
    for language, words in [("en", "no-reply sender"), ("es", "remitente «no-reply»")]:
        page = await client.get(
            f"/console/complaints/{complaint['number']}", headers={"Accept-Language": language}
        )
        assert 'id="cannot-reply"' in page.text
        assert words in html.unescape(page.text)
    for opened in desk.clients:
        await opened.aclose()


def test_of_several_reply_to_addresses_the_first_usable_one_is_read() -> None:
    raw = (
        b"From: Ana <ana@customer.test>\r\n"
        b"Reply-To: =?utf-8?q?Ana_Mar=C3=ADa?= <Ana.Maria@example.es>, other@example.es\r\n"
        b"Subject: x\r\n\r\nhola\r\n"
    )
    mail = parse_mail(raw)
    assert (mail.reply_to_name, mail.reply_to_address) == ("Ana María", "ana.maria@example.es")
    assert parse_mail(raw.replace(b"Reply-To: ", b"Reply-To: <<, ")).reply_to_address == (
        "ana.maria@example.es"
    )
    assert parse_mail(b"From: ana@customer.test\r\n\r\nhola\r\n").reply_to_address == ""


@pytest.mark.parametrize(("text", "language"), TEXTS[:2])
async def test_a_reply_from_the_reply_to_address_continues_the_complaint(
    mailbot: Any, sink: Sink, text: str, language: str
) -> None:
    """Raúl asked for answers at home and answers from there: the same complaint, and the
    address joins his other one (only a reply to the bot's signed mail to it does that)."""
    first = mail(
        text,
        sender="raul@work.example",
        message_id="<h1@work.example>",
        headers={"Reply-To": "raul.personal@example.es"},
    )
    await send(mailbot.smtp_port, first, sender="raul@work.example")
    ack = await sink.next()
    reply = mail(
        "Adjunto el número de serie: SN-1234.",
        sender="raul.personal@example.es",
        subject=f"Re: {ack['Subject']}",
        message_id="<h2@example.es>",
        in_reply_to=ack["Message-ID"],
    )
    await send(mailbot.smtp_port, reply, sender="raul.personal@example.es")
    confirmation = await sink.next()
    assert confirmation["To"] == "raul.personal@example.es"
    assert confirmation["In-Reply-To"] == "<h2@example.es>"
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 1
    owners = rows(mailbot, "SELECT customer_id, address FROM identities ORDER BY id")
    assert [row["address"] for row in owners] == ["raul@work.example", "raul.personal@example.es"]
    assert len({row["customer_id"] for row in owners}) == 1
    [complaint] = rows(mailbot, "SELECT number, department FROM complaints")
    await agent_replies(mailbot, complaint["number"], complaint["department"], "Gracias.")
    later = await mail_saying(sink, "Gracias.")
    assert (later["To"], later["In-Reply-To"]) == ("raul.personal@example.es", "<h2@example.es>")

    # someone else replying to the same acknowledgement is not adopted
    other = mail(
        "Yo también tengo un problema con la lavadora.",
        sender="eve@example.org",
        subject=f"Re: {ack['Subject']}",
        message_id="<h3@example.org>",
        in_reply_to=ack["Message-ID"],
    )
    await send(mailbot.smtp_port, other, sender="eve@example.org")
    assert (await sink.next())["To"] == "eve@example.org"
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 2
    assert len(rows(mailbot, "SELECT id FROM customers")) == 2


async def test_a_form_mail_lifts_no_suppression_of_the_address_it_names(
    mailbot: Any, sink: Sink
) -> None:
    """A form's Reply-To is what someone typed: unlike a person's own mail, it does not show
    that the address works, so an address suppressed after bounces stays suppressed."""
    engine = sa.create_engine(mailbot.store_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO suppressions (channel, address, bounces, suppressed, last_reason,"
                " updated_at) VALUES ('email', 'gone@example.es', 3, 1, '550', '2026-01-01')"
            )
        )
    engine.dispose()
    form = mail(
        "La lavadora no centrifuga.",
        sender="noreply@shop.example",
        subject="Contact form",
        headers={"Reply-To": "gone@example.es"},
    )
    await send(mailbot.smtp_port, form, sender="noreply@shop.example")
    person = mail("El hervidor pierde agua.", sender="ana@customer.test")
    await send(mailbot.smtp_port, person)
    assert (await sink.next())["To"] == "ana@customer.test"
    assert rows(mailbot, "SELECT suppressed FROM suppressions") == [{"suppressed": 1}]
    failed = rows(mailbot, "SELECT address, status FROM outbox WHERE address = 'gone@example.es'")
    assert failed == [{"address": "gone@example.es", "status": "failed"}]


async def test_the_reply_to_address_is_exported_and_erased_with_the_customer(
    mailbot: Any, sink: Sink
) -> None:
    sent = mail(
        "我在你们网店买的吹风机用了三次就坏了，要求退货。",
        sender="raul@work.example",
        headers={"Reply-To": "raul.personal@example.es"},
    )
    await send(mailbot.smtp_port, sent, sender="raul@work.example")
    assert (await sink.next())["To"] == "raul.personal@example.es"
    [customer] = rows(mailbot, "SELECT id FROM customers")
    desk = Desk(mailbot, ManualClock(START))
    admin = await desk.account("Root", role="admin", departments=())
    export = f"/api/customers/{customer['id']}/export"
    document = (await admin.get(export)).json()
    assert [m["reply_to"] for m in document["messages"] if m["direction"] == "in"] == [
        "raul.personal@example.es"
    ]
    assert [d["address"] for d in document["deliveries"]] == ["raul.personal@example.es"]

    erase = f"/api/customers/{customer['id']}/erase"
    done = await admin.post(erase, json={"confirm": str(customer["id"])})
    assert done.status_code == 200, done.text
    document = (await admin.get(export)).json()
    assert "raul" not in json.dumps(document)
    assert [d["address"] for d in document["deliveries"]] == [
        f"erased-{document['identities'][0]['id']}"
    ]
    for opened in desk.clients:
        await opened.aclose()
