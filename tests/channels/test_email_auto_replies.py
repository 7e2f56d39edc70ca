"""Auto-replies that carry no Auto-Submitted or X-Autoreply header, end to end over SMTP on
127.0.0.1: their subject says what they are ("Out of Office:", "Respuesta automática:",
"自动回复:", "自動回覆:"), so they are recorded on the complaint, never answered, reopen
nothing and use none of the sender's hourly answers; a person's subject that merely contains
such words is a person's mail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from channels.email.parse import parse_mail
from tests.channels.test_email import rows
from tests.mailpeers import Sink, mail, send


@pytest.fixture
async def mailbot(start_bot: Any, sink: Sink) -> Any:
    bot = await start_bot({"email": {"relay": {"port": sink.port}, "max_replies_per_hour": 2}})
    bot.smtp_port = bot.app.state.services.channels["email"].smtp_port
    return bot


async def test_an_out_of_office_reply_reopens_nothing_and_is_not_answered(
    mailbot: Any, sink: Sink
) -> None:
    await send(mailbot.smtp_port, mail("Broken kettle.", message_id="<o1@c.test>"))
    ack = await sink.next()
    engine = sa.create_engine(mailbot.store_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE complaints SET status = 'resolved'"))
    engine.dispose()
    auto = mail(
        "I am out of the office until 14 December.",
        subject=f"Out of Office: {ack['Subject']}",
        message_id="<o2@c.test>",
        in_reply_to=ack["Message-ID"],
    )
    await send(mailbot.smtp_port, auto)
    assert rows(mailbot, "SELECT status FROM complaints") == [{"status": "resolved"}]
    kinds = rows(mailbot, "SELECT kind FROM messages WHERE direction = 'in' ORDER BY id")
    assert [row["kind"] for row in kinds] == ["complaint", "automated"]
    assert len(rows(mailbot, "SELECT id FROM outbox")) == 1
    assert sink.messages.empty()


@pytest.mark.parametrize(
    "subject",
    [
        "自动回复: {subject}",
        "自动回复：{subject}",
        "自動回覆: {subject}",
        "Respuesta automática: {subject}",
        "Automatic reply: {subject}",
    ],
)
async def test_auto_replies_use_none_of_the_hourly_answers(
    mailbot: Any, sink: Sink, subject: str
) -> None:
    """The limit is 2: the acknowledgement and the person's real answer, after two
    autoresponder mails, are both sent."""
    await send(mailbot.smtp_port, mail("Mi pedido SO-1 llegó roto.", message_id="<p1@c.test>"))
    ack = await sink.next()
    for n in (2, 3):
        auto = mail(
            f"Estoy fuera hasta el lunes. ({n})",
            subject=subject.format(subject=ack["Subject"]),
            message_id=f"<p{n}@c.test>",
            in_reply_to=ack["Message-ID"],
        )
        await send(mailbot.smtp_port, auto)
    person = mail(
        "Les envío el número de serie: SN-77.",
        subject=f"Re: {ack['Subject']}",
        message_id="<p4@c.test>",
        in_reply_to=ack["Message-ID"],
    )
    await send(mailbot.smtp_port, person)
    confirmation = await sink.next()
    assert confirmation["In-Reply-To"] == "<p4@c.test>"
    kinds = rows(mailbot, "SELECT kind FROM messages WHERE direction = 'in' ORDER BY id")
    assert [row["kind"] for row in kinds] == ["complaint", "automated", "automated", "follow-up"]
    withheld = rows(mailbot, "SELECT detail FROM events WHERE kind = 'reply_withheld'")
    assert all("machine mail" in row["detail"] for row in withheld)


async def test_a_persons_subject_about_an_automatic_reply_is_answered(
    mailbot: Any, sink: Sink
) -> None:
    await send(mailbot.smtp_port, mail("My kettle leaks.", message_id="<s1@c.test>"))
    ack = await sink.next()
    person = mail(
        "Your automatic reply did not help, the kettle still leaks.",
        subject="Re: Automatic reply did not help",
        message_id="<s2@c.test>",
        in_reply_to=ack["Message-ID"],
    )
    await send(mailbot.smtp_port, person)
    assert (await sink.next())["In-Reply-To"] == "<s2@c.test>"


AUTO = [
    "Out of Office: Broken kettle",
    "Out of Office AutoReply: Broken kettle",
    "Automatic reply: Broken kettle",
    "Auto: Broken kettle",
    "Autoreply: Broken kettle",
    "AutoReply: Broken kettle",
    "Auto-Reply: Broken kettle",
    "Respuesta automática: Hervidor roto",
    "Respuesta automatica: Hervidor roto",
    "Fuera de la oficina: Hervidor roto",
    "Respuesta automática de fuera de la oficina: Hervidor roto",
    "自动回复: 电水壶漏水",
    "自动回复：电水壶漏水",
    "自动答复: 电水壶漏水",
    "自動回覆: 電水壺漏水",
    "自動回覆：電水壺漏水",
    "自動答覆: 電水壺漏水",
    "=?utf-8?b?6Ieq5Yqo5Zue5aSNOiDnlLXmsLTlo7bmvI/msLQ=?=",  # 自动回复: 电水壶漏水, encoded
]
PERSONS = [
    "Re: Automatic reply did not help",
    "Automatic reply did not help",
    "Out of office hours nobody answers the phone",
    "RE: Out of Office: Broken kettle",  # a person answering an out-of-office notice
    "我的自动回复设置不了",
    "Fuera de la oficina nadie contesta",
]


@pytest.mark.parametrize("subject", AUTO)
def test_auto_reply_subjects_are_machine_mail(subject: str) -> None:
    raw = f"From: a@c.test\r\nSubject: {subject}\r\n\r\nAway.\r\n".encode()
    assert parse_mail(raw).automated.startswith("Subject: ")


@pytest.mark.parametrize("subject", PERSONS)
def test_a_persons_subject_is_not_machine_mail(subject: str) -> None:
    raw = f"From: a@c.test\r\nSubject: {subject}\r\n\r\nHello.\r\n".encode()
    assert parse_mail(raw).automated == ""


@pytest.mark.parametrize(
    ("subject", "marker"),
    [
        pytest.param("Out of Office: {subject}", {}, id="subject"),
        pytest.param("{subject}", {"Auto-Submitted": "auto-replied"}, id="header"),
    ],
)
async def test_the_next_mail_answers_the_customers_last_mail_not_the_autoresponders(
    mailbot: Any, sink: Sink, subject: str, marker: dict[str, str]
) -> None:
    await send(mailbot.smtp_port, mail("My kettle leaks.", message_id="<t1@c.test>"))
    ack = await sink.next()
    auto = mail(
        "I am away.",
        subject=subject.format(subject=ack["Subject"]),
        message_id="<t2@c.test>",
        in_reply_to=ack["Message-ID"],
        headers=marker,
    )
    await send(mailbot.smtp_port, auto)
    [complaint] = rows(mailbot, "SELECT number, department FROM complaints")
    accounts = mailbot.app.state.services.accounts
    agent = await accounts.create("Ana", "agent", [complaint["department"]], "horse battery 1")
    _, secret = await accounts.issue_token(agent.id or 0, "tests")
    async with httpx.AsyncClient(
        base_url=mailbot.served.url, headers={"Authorization": f"Bearer {secret}"}
    ) as client:
        answer = {"text": "We will send a new kettle."}
        replied = await client.post(f"/api/complaints/{complaint['number']}/reply", json=answer)
        assert replied.status_code == 200, replied.text
    mails = [await sink.next()]
    while "new kettle" not in mails[-1].get_body(("plain",)).get_content():  # type: ignore[union-attr]
        assert len(mails) < 3  # an assignment notice may come first
        mails.append(await sink.next())
    assert [sent["In-Reply-To"] for sent in mails] == ["<t1@c.test>"] * len(mails)
