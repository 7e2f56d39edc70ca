"""A mail's Subject, end to end over SMTP on 127.0.0.1: a complaint written only in the subject
is a complaint (routed, acknowledged and stored with the subject as its text); a subject of
prefixes and complaint references alone says nothing; and what the bot answers to a mail it
keeps stays on the customer's thread ("Re: <their subject>")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from channels.email.parse import parse_mail
from channels.email.subjects import as_text
from intake.opening import routing_input
from tests.channels.test_email import body, rows
from tests.mailpeers import Sink, mail, send


async def test_a_complaint_written_only_in_the_subject_is_registered(
    mailbot: Any, sink: Sink
) -> None:
    subject = "Mi router no funciona desde el lunes"
    await send(mailbot.smtp_port, mail("", subject=subject, message_id="<s1@c.test>"))
    ack = await sink.next()
    assert rows(mailbot, "SELECT id FROM dead_letters") == []
    complaint = rows(mailbot, "SELECT number, language, department, tags FROM complaints")[0]
    assert complaint["language"] == "es"
    assert complaint["department"] == "network"  # the router read the subject's words
    assert "needs-triage" not in json.loads(complaint["tags"] or "[]")
    stored = rows(mailbot, "SELECT subject, text FROM messages WHERE direction = 'in'")
    assert stored == [{"subject": subject, "text": subject}]
    assert ack["Subject"] == f"[{complaint['number']}] Re: {subject}"
    assert ack["In-Reply-To"] == "<s1@c.test>"
    assert complaint["number"] in body(ack) and "número de su reclamación" in body(ack)


async def test_the_subject_made_text_is_read_and_shown_once(mailbot: Any) -> None:
    """The router and the department's group post read the subject besides the text: for a
    mail whose text is its subject, that would be the same words twice."""
    channel = mailbot.app.state.services.channels["email"]
    raw = mail("", subject="Fwd: Mi router no funciona").as_bytes()
    made = channel.inbound(parse_mail(raw), raw)
    assert (made.text, made.text_is_subject) == ("Mi router no funciona", True)
    assert routing_input(made).subject == made.subject_besides_text == ""
    raw = mail("No tengo internet.", subject="Mi router no funciona").as_bytes()
    written = channel.inbound(parse_mail(raw), raw)
    assert written.text_is_subject is False
    assert routing_input(written).subject == "Mi router no funciona"


@pytest.mark.parametrize(
    ("subject", "told"),
    [
        pytest.param("RE:", "We could not register your e-mail", id="re"),
        pytest.param("Fwd:", "We could not register your e-mail", id="fwd"),
        pytest.param("RV:", "We could not register your e-mail", id="rv"),
        pytest.param("回复：", "我们无法登记您的邮件", id="zh-reply"),
        pytest.param("答复:", "我们无法登记您的邮件", id="zh-answer"),
        pytest.param("Re: [C-2026-000999]", "Re: [C-2026-000999]", id="reference"),
    ],
)
async def test_a_subject_of_prefixes_and_references_alone_says_nothing(
    mailbot: Any, sink: Sink, subject: str, told: str
) -> None:
    await send(mailbot.smtp_port, mail("", subject=subject, message_id="<e1@c.test>"))
    notice = await sink.next()
    assert rows(mailbot, "SELECT id FROM complaints") == []
    assert [letter["status"] for letter in rows(mailbot, "SELECT status FROM dead_letters")] == [
        "kept"
    ]
    assert notice["Subject"] == told
    assert notice["In-Reply-To"] == "<e1@c.test>"


async def test_an_empty_reply_to_the_acknowledgement_is_refused_on_its_thread(
    mailbot: Any, sink: Sink
) -> None:
    """The reply's subject is the bot's own ("Re: [C-…] Re: Broken kettle"): nothing new, so
    it stays refused as empty, as before; the notice answers in the same conversation, and
    says nothing was added to the complaint (tests/channels/test_email_empty_replies.py)."""
    await send(mailbot.smtp_port, mail("My kettle leaks.", subject="Broken kettle"))
    ack = await sink.next()
    reply = mail(
        "",
        subject=f"Re: {ack['Subject']}",
        message_id="<e2@c.test>",
        in_reply_to=ack["Message-ID"],
    )
    await send(mailbot.smtp_port, reply)
    notice = await sink.next()
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 1
    assert [letter["status"] for letter in rows(mailbot, "SELECT status FROM dead_letters")] == [
        "kept"
    ]
    assert notice["Subject"] == ack["Subject"]
    assert notice["In-Reply-To"] == "<e2@c.test>"
    assert "without any text, so nothing was added to complaint" in body(notice)


async def test_an_empty_reply_with_a_photo_joins_its_complaint_as_before(
    mailbot: Any, sink: Sink
) -> None:
    """A photo is something: the reply joins the complaint, its text stays empty (the
    subject is the bot's own) and the confirmation stays in the conversation."""
    await send(mailbot.smtp_port, mail("My kettle leaks.", subject="Broken kettle"))
    ack = await sink.next()
    reply = mail(
        "", subject=f"Re: {ack['Subject']}", message_id="<p2@c.test>", in_reply_to=ack["Message-ID"]
    )
    reply.add_attachment(
        b"\xff\xd8" + b"p" * 200, maintype="image", subtype="jpeg", filename="k.jpg"
    )
    await send(mailbot.smtp_port, reply)
    confirmation = await sink.next()
    assert confirmation["Subject"] == ack["Subject"]
    assert confirmation["In-Reply-To"] == "<p2@c.test>"
    stored = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in' ORDER BY id")
    assert [row["text"] for row in stored] == ["My kettle leaks.", ""]
    assert rows(mailbot, "SELECT filename FROM attachments") == [{"filename": "k.jpg"}]
    assert rows(mailbot, "SELECT id FROM dead_letters") == []


async def test_the_kept_notice_keeps_the_customers_subject(start_bot: Any, sink: Sink) -> None:
    limits = {"email": {"relay": {"port": sink.port}}, "intake": {"max_attachment_bytes": 100}}
    bot = await start_bot(limits)
    port = bot.app.state.services.channels["email"].smtp_port
    sent = mail("", subject="Fwd: ", message_id="<k1@c.test>")
    sent.add_attachment(b"x" * 500, maintype="image", subtype="jpeg", filename="foto.jpg")
    await send(port, sent)
    first = await sink.next()
    assert first["Subject"] == "We could not register your e-mail"  # nothing of theirs to keep
    forwarded = mail("", sender="bo@c.test", subject="RE: Foto [C-2026-000123]")
    forwarded.add_attachment(b"x" * 500, maintype="image", subtype="jpeg", filename="foto.jpg")
    await send(port, forwarded, sender="bo@c.test")
    assert (await sink.next())["Subject"] == "Re: Foto [C-2026-000123]"


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Mi router no funciona desde el lunes", "Mi router no funciona desde el lunes"),
        ("Fwd: 电水壶漏水", "电水壶漏水"),
        ("Re: my order never came", "my order never came"),
        ("[C-2026-000123] it smokes now", "[C-2026-000123] it smokes now"),
        ("RE: RE: [C-2026-000123]", ""),
        ("Re: [c-2026-123]", ""),
        ("Re: [C-2026-000123] Re: Broken kettle", ""),
        ("回复： 答复：", ""),
        ("  ", ""),
    ],
)
def test_what_a_subject_says_as_text(subject: str, text: str) -> None:
    assert as_text(subject) == text
