"""A mail without threading headers joins the sender's complaint it names, however the number
was typed: full-width (as Chinese input methods type it), lower case, against Chinese words,
or only in the quoted acknowledgement under a reply whose client dropped In-Reply-To and
References. Another customer's number, typed or quoted, joins nothing. Over SMTP on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from tests.channels.test_email import body, rows
from tests.mailpeers import Sink, mail, send

_FULL_WIDTH = str.maketrans("C-0123456789", "Ｃ－０１２３４５６７８９")


async def _first_complaint(bot: Any, sink: Sink, sender: str = "ana@customer.test") -> str:
    first = mail("充电器插上以后手机完全充不进电。", sender=sender, subject="充不进电")
    await send(bot.smtp_port, first, sender=sender)
    await sink.next()
    numbers = rows(bot, "SELECT number FROM complaints ORDER BY id")
    return str(numbers[-1]["number"])


def _five_digits(number: str) -> str:
    """The number as the walkthrough's customer typed it: one leading zero short."""
    year, serial = number.rsplit("-", 1)
    return f"{year}-{serial[1:]}"


@pytest.mark.parametrize(
    "subject",
    [
        pytest.param(lambda n: f"關於投訴{n.translate(_FULL_WIDTH)}", id="full-width"),
        pytest.param(lambda n: f"關於投訴{_five_digits(n).translate(_FULL_WIDTH)}", id="short"),
        pytest.param(lambda n: f"关于投诉{n.lower()}的问题", id="lower-case-in-chinese"),
    ],
)
async def test_a_number_typed_in_the_subject_joins_the_senders_complaint(
    mailbot: Any, sink: Sink, subject: Any
) -> None:
    number = await _first_complaint(mailbot, sink)
    again = mail("还是没有人联系我。", subject=subject(number))
    await send(mailbot.smtp_port, again)
    answer = await sink.next()
    assert rows(mailbot, "SELECT number FROM complaints") == [{"number": number}]
    assert number in answer["Subject"] and number in body(answer)
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 2


QUOTED_REPLY = (
    "我又试了一次，还是充不进电，指示灯也不亮了。\n\n"
    "在 2026年12月7日 22:33，Customer care <complaints@example.com> 写道：\n"
    "> 王先生，您好：\n>\n> 您的投诉编号是 {number} …\n"
)


def _gbk_reply(text: str, sender: str) -> bytes:
    return (
        (
            f"From: 王先生 <{sender}>\r\nTo: complaints@example.com\r\n"
            "Subject: 还是不行\r\nMessage-ID: <gbk-2@customer.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode("gbk")
        + text.replace("\n", "\r\n").encode("gbk")
        + b"\r\n"
    )


async def test_a_reply_without_threading_headers_joins_the_complaint_its_quote_names(
    mailbot: Any, sink: Sink
) -> None:
    number = await _first_complaint(mailbot, sink)
    raw = _gbk_reply(QUOTED_REPLY.format(number=number), "ana@customer.test")
    await send(mailbot.smtp_port, raw)
    answer = await sink.next()
    assert rows(mailbot, "SELECT number FROM complaints") == [{"number": number}]
    assert number in answer["Subject"]
    assert rows(mailbot, "SELECT id FROM events WHERE kind = 'repeat'") == []
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in' ORDER BY id")
    assert stored[-1]["text"].startswith("我又试了一次") and "> " not in stored[-1]["text"]


async def test_another_customers_number_joins_nothing_typed_or_quoted(
    mailbot: Any, sink: Sink
) -> None:
    theirs = await _first_complaint(mailbot, sink, sender="li@other.test")
    await send(mailbot.smtp_port, _gbk_reply(QUOTED_REPLY.format(number=theirs), "ana@c.test"))
    await sink.next()
    typed = mail("还是没有人联系我。", sender="ana@c.test", subject=theirs.translate(_FULL_WIDTH))
    await send(mailbot.smtp_port, typed, sender="ana@c.test")
    await sink.next()
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 3


async def test_a_status_question_by_mail_with_two_open_complaints_opens_nothing(
    mailbot: Any, sink: Sink
) -> None:
    first = await _first_complaint(mailbot, sink)
    await send(mailbot.smtp_port, mail("发票上的运费收了两次。", subject="发票"))
    await sink.next()
    second = str(rows(mailbot, "SELECT number FROM complaints ORDER BY id")[-1]["number"])
    await send(mailbot.smtp_port, mail("你好，我的投诉有消息了吗？", subject="请问"))
    answer = body(await sink.next())
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 2
    assert "您目前未结的投诉进展如下" in answer and first in answer and second in answer
    assert rows(mailbot, "SELECT id FROM outbox WHERE kind = 'acknowledgement'")[2:] == []
