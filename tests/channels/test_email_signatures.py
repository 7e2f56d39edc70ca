"""Signatures and bottom-posted replies end to end over SMTP on 127.0.0.1: a signature holds the
customer's contact details, so it is kept in the stored message (staff see it) and a clear phone
number in it fills the customer's phone when they have none; the router still reads the body
only. A reply written under the quote keeps only the new words."""

from __future__ import annotations

from email.mime.text import MIMEText
from typing import Any

import pytest

from channels.email.parse import parse_mail
from tests.channels.test_email import rows
from tests.mailpeers import Sink, mail, send

PABLO = (
    "La televisión que compré se apaga sola cada diez minutos. Por favor llámenme.\n\n"
    "-- \nPablo Ruiz\nTel. 612 345 678\nCalle Mayor 5, Madrid\n"
)


async def test_a_first_mails_signature_is_kept_and_fills_the_phone(
    mailbot: Any, sink: Sink
) -> None:
    sent = mail(PABLO, sender="pablo@c.test", message_id="<g1@c.test>")
    await send(mailbot.smtp_port, sent, sender="pablo@c.test")
    await sink.next()
    await send(mailbot.smtp_port, sent, sender="pablo@c.test")  # delivered twice: one message
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in'")
    assert len(stored) == 1
    assert stored[0]["text"] == PABLO.strip()
    assert rows(mailbot, "SELECT phone FROM customers") == [{"phone": "612 345 678"}]
    assert rows(mailbot, "SELECT language FROM complaints") == [{"language": "es"}]
    assert len(rows(mailbot, "SELECT id FROM outbox")) == 1


async def test_a_gb2312_html_signature_fills_the_phone(mailbot: Any, sink: Sink) -> None:
    html = "<p>我买的空调不制冷，请派人维修。</p><p>--<br>刘洋<br>手机：13700001234</p>"
    sent = MIMEText(html, "html", "gb2312")
    sent["From"], sent["To"] = "刘洋 <liu@c.test>", "complaints@example.com"
    sent["Subject"], sent["Message-ID"] = "空调不制冷", "<g2@c.test>"
    await send(mailbot.smtp_port, sent.as_bytes(), sender="liu@c.test")
    await sink.next()
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in'")[0]["text"]
    assert "我买的空调不制冷" in stored and "手机：13700001234" in stored
    assert rows(mailbot, "SELECT phone FROM customers") == [{"phone": "13700001234"}]


async def test_a_signature_never_replaces_a_phone_the_customer_has(
    mailbot: Any, sink: Sink
) -> None:
    await send(mailbot.smtp_port, mail(PABLO, message_id="<g3@c.test>"))
    await sink.next()
    other = "El mando tampoco funciona.\n\n-- \nPablo\nMóvil: +34 699 000 111\n"
    await send(mailbot.smtp_port, mail(other, subject="Mando", message_id="<g4@c.test>"))
    await sink.next()
    assert rows(mailbot, "SELECT phone FROM customers") == [{"phone": "612 345 678"}]


async def test_a_bottom_posted_reply_keeps_only_the_new_words(mailbot: Any, sink: Sink) -> None:
    await send(mailbot.smtp_port, mail("My fridge is not cooling.", message_id="<b1@c.test>"))
    ack = await sink.next()
    quoted = "\n".join(f"> {line}" for line in ack.get_body(("plain",)).get_content().split("\n"))
    text = f"On Mon, 2 Mar 2026 at 10:00, Complaints <complaints@example.com> wrote:\n{quoted}\n\n"
    text += "The order number is SO-1234."
    reply = mail(text, subject=f"Re: {ack['Subject']}", message_id="<b2@c.test>")
    reply["In-Reply-To"] = ack["Message-ID"]
    await send(mailbot.smtp_port, reply)
    await sink.next()
    texts = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in' ORDER BY id")
    assert texts[1]["text"] == "The order number is SO-1234."


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("我在門市買的冷氣一直漏水，請派人處理。\n\n陳小姐\n電話：0912-345-678", "0912-345-678"),
        ("La lavadora pierde agua desde ayer.\nMóvil: 612 345 678\n", "612 345 678"),
        ("My router drops the line every hour.\n\nPhone: +44 20 7946 0958", "+44 20 7946 0958"),
        # not the last line: a number the complaint is about, not how to reach the customer
        ("Teléfono: 912 345 678\nEsta línea no tiene tono desde el lunes.", ""),
        ("The fax line is down.\nFax: 020 7946 0000", ""),
    ],
)
def test_a_labelled_phone_on_the_last_line_of_the_mail_is_read(text: str, phone: str) -> None:
    """Without a `-- ` line many customers end with their name and number: the number counts
    when the mail's last line is nothing but a labelled phone."""
    assert parse_mail(mail(text).as_bytes()).phone == phone


def test_a_forwarded_mails_last_line_is_not_the_senders_phone() -> None:
    text = (
        "Mire lo que me prometió la tienda.\n\n---------- Forwarded message ---------\n"
        "From: Tienda <shop@t.test>\nSubject: Su pedido\n\nLe llamaremos.\nTeléfono: 912 000 111"
    )
    assert parse_mail(mail(text).as_bytes()).phone == ""


async def test_a_closing_phone_line_fills_the_customers_phone(mailbot: Any, sink: Sink) -> None:
    text = "我在門市買的冷氣一直漏水，請派人處理。\n\n陳小姐\n電話：0912-345-678"
    await send(mailbot.smtp_port, mail(text, message_id="<p1@c.test>"))
    await sink.next()
    assert rows(mailbot, "SELECT phone FROM customers") == [{"phone": "0912-345-678"}]
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in'")
    assert stored == [{"text": text}]
