"""What real customers' mail does to intake, end to end over SMTP on 127.0.0.1: a video over the
attachment limit beside the text, headers in a local 8-bit charset without a label, and a
person's reply to the bot's acknowledgement (answered) against an autoresponder's (not)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.channels.test_email import body, rows
from tests.mailpeers import Sink, mail, send


@pytest.fixture
async def mailbot(start_bot: Any, sink: Sink) -> Any:
    bot = await start_bot({"email": {"relay": {"port": sink.port}, "max_replies_per_hour": 3}})
    bot.smtp_port = bot.app.state.services.channels["email"].smtp_port
    return bot


# ---- an attachment over [intake] max_attachment_bytes ---------------------------------------


async def test_a_video_over_the_limit_is_dropped_and_the_complaint_kept_with_its_text(
    mailbot: Any, sink: Sink
) -> None:
    sent = mail(
        "La pantalla del televisor parpadea desde ayer; le envío una foto y un vídeo.",
        message_id="<v1@c.test>",
    )
    sent.add_attachment(
        b"\xff\xd8" + b"p" * 2000, maintype="image", subtype="jpeg", filename="tv.jpg"
    )
    sent.add_attachment(b"v" * 5_242_890, maintype="video", subtype="mp4", filename="flicker.mp4")
    await send(mailbot.smtp_port, sent)

    ack = await sink.next(within=60)
    assert rows(mailbot, "SELECT id FROM dead_letters") == []
    complaint = rows(mailbot, "SELECT number, language FROM complaints")[0]
    assert complaint["language"] == "es"
    stored = rows(mailbot, "SELECT filename FROM attachments")
    assert stored == [{"filename": "tv.jpg"}]
    text = body(ack)
    assert complaint["number"] in text
    assert "No pudimos guardar estos adjuntos: flicker.mp4" in text and "5 MB" in text
    assert text.index("flicker.mp4") < text.index("Atentamente")  # before the signature
    dropped = rows(mailbot, "SELECT detail FROM events WHERE kind = 'attachments_dropped'")
    detail = json.loads(dropped[0]["detail"])
    assert detail == {"files": ["flicker.mp4 (5 MB)"], "limit": "5 MB", "max_files": 10}


async def test_a_follow_up_with_too_many_files_keeps_the_first_ones_and_says_so(
    start_bot: Any, sink: Sink
) -> None:
    bot = await start_bot(
        {"email": {"relay": {"port": sink.port}}, "intake": {"max_attachments": 1}}
    )
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The fridge is not cooling.", message_id="<f1@c.test>"))
    ack = await sink.next()
    reply = mail("Two photos.", message_id="<f2@c.test>", in_reply_to=ack["Message-ID"])
    for name in ("a.jpg", "b.jpg"):
        reply.add_attachment(b"x" * 100, maintype="image", subtype="jpeg", filename=name)
    await send(port, reply)
    confirmation = await sink.next()
    assert "We could not keep these attachments: b.jpg" in body(confirmation)
    assert rows(bot, "SELECT filename FROM attachments") == [{"filename": "a.jpg"}]
    assert len(rows(bot, "SELECT id FROM complaints")) == 1


async def test_a_mail_with_nothing_that_fits_stays_a_dead_letter(mailbot: Any, sink: Sink) -> None:
    sent = mail("", message_id="<n1@c.test>", subject="")  # a subject would be its text
    sent.add_attachment(b"v" * 5_242_890, maintype="video", subtype="mp4", filename="flicker.mp4")
    await send(mailbot.smtp_port, sent)
    letters = rows(mailbot, "SELECT status, reason FROM dead_letters")
    assert letters[0]["status"] == "kept" and "flicker.mp4" in letters[0]["reason"]
    assert rows(mailbot, "SELECT id FROM complaints") == []
    assert (await sink.next())["Subject"] == "We could not register your e-mail"


# ---- raw 8-bit headers without a charset label ------------------------------------------


def raw_mail(subject: bytes, name: bytes, body: bytes, charset: bytes = b"") -> bytes:
    content_type = b"Content-Type: text/plain; charset=%s\r\n" % charset if charset else b""
    return (
        b"From: " + name + b" <maria@c.test>\r\nTo: complaints@example.com\r\n"
        b"Subject: " + subject + b"\r\nMessage-ID: <" + str(hash(subject)).encode() + b"@c.test>"
        b"\r\nMIME-Version: 1.0\r\n" + content_type + b"\r\n" + body + b"\r\n"
    )


@pytest.mark.parametrize(
    ("subject", "name", "text", "charset"),
    [
        pytest.param("Factura errónea", "María", "La factura está mal.", "iso-8859-1", id="latin1"),
        pytest.param("Factura errónea", "María", "La factura está mal.", "", id="latin1-nolabel"),
        pytest.param("Informação errada", "João", "Olá, a fatura está errada.", "", id="pt"),
        pytest.param("投诉：电水壶漏水", "王喆", "电水壶漏水了。", "", id="gbk-nolabel"),
        pytest.param("iPhone 15 屏幕坏了", "李伟", "屏幕坏了。", "", id="gbk-mixed"),
        pytest.param("冷氣漏水", "陳大文", "冷氣一直漏水。", "", id="big5-nolabel"),
    ],
)
async def test_raw_8bit_headers_decode_in_the_senders_charset(
    mailbot: Any, sink: Sink, subject: str, name: str, text: str, charset: str
) -> None:
    codec = {"王": "gbk", "李": "gbk", "陳": "big5"}.get(name[0], "latin-1")
    raw = raw_mail(
        subject.encode(codec),
        name.encode(codec),
        text.encode(charset or codec),
        charset.encode(),
    )
    await send(mailbot.smtp_port, raw, sender="maria@c.test")
    await sink.next()
    assert rows(mailbot, "SELECT subject FROM complaints") == [{"subject": subject}]
    assert rows(mailbot, "SELECT display_name FROM identities") == [{"display_name": name}]


# ---- replies to the bot's own mail ------------------------------------------------------


async def test_a_persons_reply_to_the_acknowledgement_gets_the_follow_up_confirmation(
    mailbot: Any, sink: Sink
) -> None:
    await send(mailbot.smtp_port, mail("My fridge is not cooling.", message_id="<r1@c.test>"))
    ack = await sink.next()
    number = rows(mailbot, "SELECT number FROM complaints")[0]["number"]
    reply = mail(
        "Here is my order number: SO-1234.",
        message_id="<r2@c.test>",
        subject=f"Re: {ack['Subject']}",
        in_reply_to=ack["Message-ID"],
        references=f"<r1@c.test> {ack['Message-ID']}",
    )
    await send(mailbot.smtp_port, reply)
    confirmation = await sink.next()
    assert confirmation["In-Reply-To"] == "<r2@c.test>"
    assert f"added your message to complaint {number}" in body(confirmation)
    assert rows(mailbot, "SELECT id FROM events WHERE kind = 'reply_withheld'") == []
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 1


@pytest.mark.parametrize(
    "marker",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"List-Id": "<shop.example>"},
    ],
)
async def test_an_autoresponders_reply_to_the_acknowledgement_gets_nothing(
    mailbot: Any, sink: Sink, marker: dict[str, str]
) -> None:
    await send(mailbot.smtp_port, mail("My fridge is not cooling.", message_id="<m1@c.test>"))
    ack = await sink.next()
    auto = mail(
        "I am out of the office.",
        message_id="<m2@c.test>",
        in_reply_to=ack["Message-ID"],
        headers=marker,
    )
    await send(mailbot.smtp_port, auto)
    withheld = rows(mailbot, "SELECT detail FROM events WHERE kind = 'reply_withheld'")
    assert "machine mail" in withheld[0]["detail"]
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 2
    assert sink.messages.empty()


async def test_a_loop_with_an_unmarked_autoresponder_is_cut_by_the_hourly_limit(
    mailbot: Any, sink: Sink
) -> None:
    """The other side answers every mail it gets, threaded, with no marker at all and a new
    ticket number each time: it gets `max_replies_per_hour` (3) mails from the bot, then no
    more."""
    first = mail("Ticket 0 received.", sender="bot@shop.test", message_id="<g0@shop.test>")
    await send(mailbot.smtp_port, first, sender="bot@shop.test")
    sql = "SELECT id FROM outbox WHERE address = 'bot@shop.test'"
    for round_ in range(1, 10):
        if len(rows(mailbot, sql)) < round_:  # committed before the 250: nothing more queued
            break
        ours = await sink.next()
        answer = mail(
            f"Ticket {round_} received.",
            sender="bot@shop.test",
            message_id=f"<g{round_}@shop.test>",
            in_reply_to=ours["Message-ID"],
        )
        await send(mailbot.smtp_port, answer, sender="bot@shop.test")
    assert len(rows(mailbot, sql)) == 3
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 4
    withheld = rows(mailbot, "SELECT detail FROM events WHERE kind = 'reply_withheld'")
    assert len(withheld) == 1 and "limit 3" in withheld[0]["detail"]


async def test_an_unmarked_autoresponder_repeating_itself_gets_one_mail(
    mailbot: Any, sink: Sink
) -> None:
    """The commonest careless autoresponder sends the same words each time: its second mail
    is no person's, and gets no answer, so the loop ends after one exchange."""
    text = "Ticket received, thank you."
    first = mail(text, sender="bot@shop.test", message_id="<r0@shop.test>")
    await send(mailbot.smtp_port, first, sender="bot@shop.test")
    ours = await sink.next()
    again = mail(
        text, sender="bot@shop.test", message_id="<r1@shop.test>", in_reply_to=ours["Message-ID"]
    )
    await send(mailbot.smtp_port, again, sender="bot@shop.test")  # 250: stored before it
    assert len(rows(mailbot, "SELECT id FROM outbox WHERE address = 'bot@shop.test'")) == 1
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 2
    withheld = rows(mailbot, "SELECT detail FROM events WHERE kind = 'reply_withheld'")
    assert len(withheld) == 1 and "own words again" in withheld[0]["detail"]


async def test_the_same_complaint_mailed_twice_is_one_complaint_answered_once(
    mailbot: Any, sink: Sink
) -> None:
    """A customer who sends the same words again as a new mail (not a reply: they were unsure
    the first went through) has one complaint: the second mail joins it, unanswered, instead
    of opening a second complaint that nobody acknowledges."""
    text = "Mi pedido SO-552211 llegó con la caja rota y el microondas no enciende."
    await send(mailbot.smtp_port, mail(text, sender="ana@c.test", message_id="<t1@c.test>"))
    ack = await sink.next()
    await send(mailbot.smtp_port, mail(text, sender="ana@c.test", message_id="<t2@c.test>"))

    complaints = rows(mailbot, "SELECT id, number FROM complaints")
    assert len(complaints) == 1 and complaints[0]["number"] in body(ack)
    received = rows(mailbot, "SELECT complaint_id FROM messages WHERE direction = 'in'")
    assert received == [{"complaint_id": complaints[0]["id"]}] * 2
    assert len(rows(mailbot, "SELECT id FROM outbox")) == 1
    withheld = rows(mailbot, "SELECT detail FROM events WHERE kind = 'reply_withheld'")
    assert len(withheld) == 1 and "own words again" in withheld[0]["detail"]
