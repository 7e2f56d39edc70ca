"""Forwarded complaints end to end over SMTP on 127.0.0.1: what a customer forwards (inline in
the styles of Gmail, Outlook and Foxmail in the four languages, or as an attached message) is
what they complain about, so it is kept in the record and routed; the quote of the bot's own
mail in a reply is still cut."""

from __future__ import annotations

from typing import Any

import pytest

from tests.channels.test_email import rows
from tests.mailpeers import Sink, mail, send

GAS = (
    "The gas heater you installed last month smells of gas when it is on. "
    "My children were dizzy yesterday."
)
GMAIL_FORWARD = f"""See below, still waiting.

---------- Forwarded message ---------
From: Ana <ana@customer.test>
Date: Mon, 23 Feb 2026 at 10:00
Subject: Gas heater
To: <complaints@example.com>

{GAS}
"""
SPARKS = "El microondas que compré echa chispas y huele a quemado cuando lo enciendo."
OUTLOOK_FORWARD_ES = f"""Os reenvío mi correo anterior.

-----Mensaje original-----
De: Ana <ana@customer.test>
Enviado el: lunes, 23 de febrero de 2026 10:00
Para: complaints@example.com
Asunto: pedido

{SPARKS}
"""


async def test_a_gmail_forward_is_kept_and_routed_on_what_was_forwarded(
    mailbot: Any, sink: Sink
) -> None:
    sent = mail(GMAIL_FORWARD, subject="Fwd: my message from last week", message_id="<w1@c.test>")
    await send(mailbot.smtp_port, sent)
    await sink.next()
    complaint = rows(mailbot, "SELECT category, grade FROM complaints")[0]
    assert (complaint["category"], complaint["grade"]) == ("safety", "urgent")
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in'")[0]["text"]
    assert stored.startswith("See below, still waiting.")
    assert "Forwarded message" in stored and GAS in stored


async def test_an_outlook_forward_in_spanish_is_kept_and_routed(mailbot: Any, sink: Sink) -> None:
    sent = mail(OUTLOOK_FORWARD_ES, subject="RV: pedido", message_id="<w2@c.test>")
    await send(mailbot.smtp_port, sent)
    await sink.next()
    complaint = rows(mailbot, "SELECT category, language FROM complaints")[0]
    assert complaint["language"] == "es" and complaint["category"] != "other"
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in'")[0]["text"]
    assert "Os reenvío mi correo anterior." in stored and SPARKS in stored


async def test_a_message_forwarded_as_attachment_is_read_and_kept_as_a_file(
    mailbot: Any, sink: Sink
) -> None:
    inner = mail(GAS, subject="Gas heater", message_id="<inner@c.test>")
    outer = mail("See the attached mail, still waiting.", subject="Fwd: Gas heater")
    outer.add_attachment(inner)  # message/rfc822
    await send(mailbot.smtp_port, outer)
    await sink.next()
    complaint = rows(mailbot, "SELECT category, grade FROM complaints")[0]
    assert (complaint["category"], complaint["grade"]) == ("safety", "urgent")
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in'")[0]["text"]
    assert "still waiting" in stored and "Gas heater" in stored and GAS in stored
    files = rows(mailbot, "SELECT filename, content_type FROM attachments")
    assert files == [{"filename": "forwarded.eml", "content_type": "message/rfc822"}]


FORWARD_MARKERS = [
    pytest.param("Fwd: x", "---------- Forwarded message ---------\nFrom: A", id="gmail-en"),
    pytest.param("Fwd: x", "Begin forwarded message:\n\nFrom: A", id="apple-en"),
    pytest.param("Fw: x", "-----Original Message-----\nFrom: A\nSent: Monday", id="outlook-en"),
    pytest.param("RV: x", "---------- Mensaje reenviado ---------\nDe: A", id="gmail-es"),
    pytest.param("RV: x", "-----Mensaje original-----\nDe: A\nEnviado el: lunes", id="outlook-es"),
    pytest.param("Fwd: x", "---------- 转发的邮件 ---------\n发件人：A", id="gmail-zh-hans"),
    pytest.param("转发：x", "------------------ 原始邮件 ------------------\n发件人: A", id="fox"),
    pytest.param("转发: x", "-----原始邮件-----\n发件人: A\n发送时间: 2026年2月23日", id="ol-zh"),
    pytest.param("Fwd: x", "---------- 轉寄的郵件 ---------\n寄件者：A", id="gmail-zh-hant"),
    pytest.param("轉寄: x", "-----原始郵件-----\n寄件者: A", id="outlook-zh-hant"),
]


@pytest.mark.parametrize(("subject", "marker"), FORWARD_MARKERS)
async def test_every_clients_forward_is_kept(
    mailbot: Any, sink: Sink, subject: str, marker: str
) -> None:
    text = f"Please look at this.\n\n{marker}\n\n{GAS}\n"
    await send(mailbot.smtp_port, mail(text, subject=subject, message_id="<w3@c.test>"))
    await sink.next()
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in'")[0]["text"]
    assert GAS in stored
    assert rows(mailbot, "SELECT grade FROM complaints") == [{"grade": "urgent"}]


QUOTES = [
    pytest.param("-----Original Message-----\nFrom: {bot}\nSent: Monday", id="outlook-en"),
    pytest.param("-----Mensaje original-----\nDe: {bot}\nEnviado el: lunes", id="outlook-es"),
    pytest.param("------------------ 原始邮件 ------------------\n发件人: {bot}", id="foxmail"),
    pytest.param("寄件者: {bot}\n寄件日期: 2026年3月2日", id="outlook-zh-hant"),
    pytest.param("On Mon, 2 Mar 2026 at 10:00, {bot} wrote:", id="gmail-en"),
]


@pytest.mark.parametrize("quote", QUOTES)
async def test_a_replys_quote_of_the_acknowledgement_is_still_cut(
    mailbot: Any, sink: Sink, quote: str
) -> None:
    await send(mailbot.smtp_port, mail("My fridge is not cooling.", message_id="<q1@c.test>"))
    ack = await sink.next()
    head = quote.format(bot=ack["From"])
    reply = mail(
        f"Here is my order number: SO-1234.\n\n{head}\n\n{ack.get_body(('plain',)).get_content()}",
        subject=f"RE: {ack['Subject']}",
        message_id="<q2@c.test>",
        in_reply_to=ack["Message-ID"],
    )
    await send(mailbot.smtp_port, reply)
    await sink.next()
    texts = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in' ORDER BY id")
    assert texts[1]["text"] == "Here is my order number: SO-1234."
