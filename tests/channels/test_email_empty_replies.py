"""A mail that says nothing (an empty body, a subject of reply prefixes or the bot's own) is
kept, not registered; what its sender is told depends on what it was: a reply on one of their
complaints hears that nothing was added to that complaint, in the complaint's language; a new
mail hears, as before, that it could not be registered as a complaint. End to end over SMTP on
127.0.0.1: smtplib as the customer's server, an aiosmtpd sink as the relay."""

from __future__ import annotations

from typing import Any

import pytest

from tests.channels.test_email import body, rows
from tests.mailpeers import Sink, mail, send

REPLIES = [
    pytest.param(
        "My kettle leaks all over the counter.",
        "Broken kettle",
        "en",
        ("nothing was added to complaint {number}", "reply to this e-mail"),
        id="en",
    ),
    pytest.param(
        "Hola, la lavadora que compré hace un mes hace un ruido terrible y no centrifuga.",
        "Lavadora",
        "es",
        ("no hemos añadido nada a la reclamación {number}", "responda a este correo"),
        id="es",
    ),
    pytest.param(
        "我在你们网店买的吹风机用了三次就坏了，要求退货。",
        "吹风机坏了",
        "zh-Hans",
        ("没有在投诉 {number} 中添加任何内容", "回复本邮件"),
        id="zh-Hans",
    ),
    pytest.param(
        "我在門市買的冷氣安裝後一直漏水，師傅也沒有處理好。",
        "冷氣漏水",
        "zh-Hant",
        ("沒有在投訴 {number} 中新增任何內容", "回覆此郵件"),
        id="zh-Hant",
    ),
]

NOT_REGISTERED = {
    "en": "so we could not register it as a complaint",
    "es": "así que no pudimos registrarlo como reclamación",
    "zh-Hans": "因此我们无法将其登记为投诉",
}


@pytest.mark.parametrize(("text", "subject", "language", "phrases"), REPLIES)
async def test_an_empty_reply_on_a_complaint_is_told_nothing_was_added_to_it(
    mailbot: Any, sink: Sink, text: str, subject: str, language: str, phrases: tuple[str, ...]
) -> None:
    await send(mailbot.smtp_port, mail(text, subject=subject, message_id="<c1@c.test>"))
    ack = await sink.next()
    complaint = rows(mailbot, "SELECT number, language FROM complaints")[0]
    assert complaint["language"] == language
    number = complaint["number"]
    reply = mail(
        "",
        subject=f"Re: {ack['Subject']}",
        message_id="<c2@c.test>",
        in_reply_to=ack["Message-ID"],
        references=f"<c1@c.test> {ack['Message-ID']}",
    )
    await send(mailbot.smtp_port, reply)
    notice = await sink.next()
    told = body(notice)
    for phrase in phrases:
        assert phrase.format(number=number) in told
    for wording in NOT_REGISTERED.values():
        assert wording not in told
    assert notice["Content-Language"] == language
    # on the complaint's conversation, as the bot's other mails about it
    assert notice["Subject"] == ack["Subject"]
    assert notice["In-Reply-To"] == "<c2@c.test>"
    assert notice["References"].split() == ["<c1@c.test>", ack["Message-ID"], "<c2@c.test>"]
    assert notice["Message-ID"].startswith(f"<{number}.")
    # nothing was added: the complaint holds the first mail alone, the empty one is kept
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 1
    assert [row["status"] for row in rows(mailbot, "SELECT status FROM dead_letters")] == ["kept"]

    # What they then write in answer to the notice is added to the complaint.
    words = mail(
        "The receipt is attached.",
        subject=f"Re: {notice['Subject']}",
        message_id="<c3@c.test>",
        in_reply_to=notice["Message-ID"],
    )
    await send(mailbot.smtp_port, words)
    confirmation = await sink.next()
    assert confirmation["Subject"] == ack["Subject"]
    stored = rows(mailbot, "SELECT complaint_id FROM messages WHERE direction = 'in'")
    assert len(stored) == 2 and len({row["complaint_id"] for row in stored}) == 1


@pytest.mark.parametrize(
    ("subject", "headers", "language"),
    [
        pytest.param("RE:", {}, "en", id="en"),
        pytest.param("RV:", {"Content-Language": "es"}, "es", id="es"),
        pytest.param("回复：", {}, "zh-Hans", id="zh-Hans"),
    ],
)
async def test_a_new_empty_mail_is_told_it_could_not_be_registered_as_a_complaint(
    mailbot: Any, sink: Sink, subject: str, headers: dict[str, str], language: str
) -> None:
    empty = mail("", subject=subject, message_id="<n1@c.test>")
    for name, value in headers.items():  # after the body: set_content drops Content-* fields
        empty[name] = value
    await send(mailbot.smtp_port, empty)
    notice = await sink.next()
    assert NOT_REGISTERED[language] in body(notice)
    assert notice["Content-Language"] == language
    assert rows(mailbot, "SELECT id FROM complaints") == []


async def test_an_empty_reply_on_another_customers_complaint_names_no_complaint(
    mailbot: Any, sink: Sink
) -> None:
    """Bo answers, empty, a mail about Ana's complaint (she forwarded it to him): the complaint
    is not his, so he is told what any new empty mail is told, and its number is not named."""
    await send(mailbot.smtp_port, mail("My kettle leaks.", subject="Broken kettle"))
    ack = await sink.next()
    number = rows(mailbot, "SELECT number FROM complaints")[0]["number"]
    await send(
        mailbot.smtp_port, mail("Hello, I have a question.", sender="bo@c.test"), sender="bo@c.test"
    )
    await sink.next()  # Bo is a customer too, with a complaint of his own
    reply = mail(
        "",
        sender="bo@c.test",
        name="Bo",
        subject=f"Re: Fwd: {ack['Subject']}",
        message_id="<b2@c.test>",
        in_reply_to=ack["Message-ID"],
    )
    await send(mailbot.smtp_port, reply, sender="bo@c.test")
    notice = await sink.next()
    assert notice["To"] == "bo@c.test"
    assert NOT_REGISTERED["en"] in body(notice)
    assert number not in body(notice)
    assert notice["Subject"] == f"Re: {ack['Subject']}"  # his subject, as a dead letter's
    assert not notice["Message-ID"].startswith(f"<{number}.")
