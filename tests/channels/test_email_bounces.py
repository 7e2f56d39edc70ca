"""Bounces and machine mail at the e-mail channel's edge: only reports about mail the bot
signed count, each delivery once; an address's own mail lifts its suppression; a null envelope
sender is machine mail."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from complaints.clock import ManualClock
from tests.channels.test_email import bounce_for, rows
from tests.conftest import START
from tests.mailpeers import Sink, mail, send


async def _bot(start_bot: Any, sink: Sink, threshold: int) -> tuple[Any, int, Any]:
    overrides = {"email": {"relay": {"port": sink.port}, "bounces_before_suppression": threshold}}
    bot = await start_bot(overrides, ManualClock(START), background=False)
    services = bot.app.state.services
    return bot, services.channels["email"].smtp_port, services.dispatcher


async def test_forged_bounces_about_mail_the_bot_never_sent_suppress_nobody(
    start_bot: Any, sink: Sink
) -> None:
    bot, port, _ = await _bot(start_bot, sink, 3)
    forged = [
        "<C-20261206-0001.7.a.0123456789abcdef0123@example.com>",  # our shape, wrong signature
        "<anything@example.com>",
        "<other@mx.elsewhere.test>",
    ]
    for message_id in forged:
        await send(port, bounce_for(message_id, recipient="victim@customer.test"), sender="")
    assert rows(bot, "SELECT * FROM suppressions") == []
    letters = rows(bot, "SELECT status, reason FROM dead_letters")
    assert letters == [
        {"status": "ignored", "reason": "a bounce for no message the bot signed"}
    ] * len(forged)


async def test_a_bounce_counts_once_and_only_against_the_address_the_mail_went_to(
    start_bot: Any, sink: Sink
) -> None:
    bot, port, dispatcher = await _bot(start_bot, sink, 2)
    await send(port, mail("The kettle leaks.", message_id="<b1@c.test>"))
    await dispatcher.dispatch_due()
    ack = await sink.next()
    # The same report three times, then one naming someone else about the same mail.
    for _ in range(3):
        await send(port, bounce_for(ack["Message-ID"]), sender="")
    await send(port, bounce_for(ack["Message-ID"], recipient="victim@other.test"), sender="")
    found = rows(bot, "SELECT address, bounces, suppressed FROM suppressions")
    assert found == [{"address": "ana@customer.test", "bounces": 1, "suppressed": 0}]
    failed = rows(bot, "SELECT id FROM events WHERE kind = 'delivery_failed'")
    assert len(failed) == 1


async def test_a_suppressed_address_writing_for_the_first_time_lifts_the_suppression(
    start_bot: Any, sink: Sink
) -> None:
    """An address suppressed before (by the forged reports earlier versions counted) that
    never wrote to the bot: its own first mail is answered."""
    bot, port, dispatcher = await _bot(start_bot, sink, 3)
    _suppress(bot, "victim@customer.test")
    await send(
        port,
        mail("My parcel never arrived.", sender="victim@customer.test", message_id="<v1@c.test>"),
        sender="victim@customer.test",
    )
    await dispatcher.dispatch_due()
    ack = await sink.next()
    assert ack["To"] == "victim@customer.test"
    assert rows(bot, "SELECT bounces, suppressed FROM suppressions") == [
        {"bounces": 0, "suppressed": 0}
    ]


async def test_mail_with_a_null_envelope_sender_is_recorded_but_never_answered(
    start_bot: Any, sink: Sink
) -> None:
    bot, port, dispatcher = await _bot(start_bot, sink, 3)
    await send(port, mail("The oven door is broken.", message_id="<n1@c.test>"))
    await dispatcher.dispatch_due()
    ack = await sink.next()
    # MAIL FROM:<> on an ordinary-looking message about the complaint, and about nothing.
    await send(
        port,
        mail("Your message was read.", message_id="<n2@c.test>", in_reply_to=ack["Message-ID"]),
        sender="",
    )
    await send(port, mail("Hello, my order never arrived.", message_id="<n3@c.test>"), sender="")
    await dispatcher.dispatch_due()
    inbound = rows(bot, "SELECT kind FROM messages WHERE direction = 'in' ORDER BY id")
    assert [row["kind"] for row in inbound] == ["complaint", "automated"]
    assert len(rows(bot, "SELECT id FROM complaints")) == 1
    letters = rows(bot, "SELECT status, reason FROM dead_letters")
    assert [letter["status"] for letter in letters] == ["ignored"]
    assert "null sender" in letters[0]["reason"]
    assert len(rows(bot, "SELECT id FROM outbox")) == 1
    assert sink.messages.empty()


def _suppress(bot: Any, address: str) -> None:
    engine = sa.create_engine(bot.store_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO suppressions (channel, address, bounces, suppressed, last_reason, "
                "updated_at) VALUES ('email', :address, 3, 1, 'bounced: 5.1.1', :now)"
            ),
            {"address": address, "now": START},
        )
    engine.dispose()


LAVADORA = "Hola, le envío la foto de la lavadora rota que compré el mes pasado"


async def test_a_person_whose_mail_is_kept_is_told_once_in_their_language(
    start_bot: Any, sink: Sink
) -> None:
    limits = {"email": {"relay": {"port": sink.port}}, "intake": {"max_attachment_bytes": 100}}
    bot = await start_bot(limits)
    port = bot.app.state.services.channels["email"].smtp_port
    spanish = mail(  # nothing usable: no text (a reply's subject is not), a photo over the limit
        "",
        message_id="<d1@c.test>",
        subject=f"RE: [C-2026-000999] {LAVADORA}",
        headers={"Content-Language": "en-US"},
    )
    spanish.add_attachment(b"x" * 500, maintype="image", subtype="jpeg", filename="foto.jpg")
    await send(port, spanish)
    notice = await sink.next()
    assert notice["To"] == "ana@customer.test"
    assert notice["Subject"] == f"Re: [C-2026-000999] {LAVADORA}"  # on their thread
    assert notice["In-Reply-To"] == "<d1@c.test>" and notice["Auto-Submitted"]
    text = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "adjuntos" in text and "100 B" in text

    # The same sender again the same day, and machine mail: kept, nobody told.
    again = mail("", message_id="<d2@c.test>", subject="Re: [C-2026-000999] Otra vez la foto")
    again.add_attachment(b"x" * 500, maintype="image", subtype="jpeg", filename="foto.jpg")
    await send(port, again)
    robot = mail(
        "", message_id="<d3@c.test>", sender="robot@c.test", headers={"Precedence": "bulk"}
    )
    robot.add_attachment(b"x" * 500, maintype="image", subtype="jpeg", filename="x.jpg")
    await send(port, robot, sender="robot@c.test")
    # An empty mail from someone else, in Chinese by its subject.
    await send(
        port,
        mail(
            "",
            sender="bo@c.test",
            message_id="<d4@c.test>",
            subject="回复：[C-2026-000998] 我的投诉",
        ),
        sender="bo@c.test",
    )
    told = await sink.next()
    assert told["To"] == "bo@c.test" and "没有任何文字" in told.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert len(sink.received) == 2
    letters = rows(bot, "SELECT status FROM dead_letters ORDER BY id")
    # Machine mail about no complaint is ignored, as it is without the attachment.
    assert [letter["status"] for letter in letters] == ["kept", "kept", "ignored", "kept"]


def test_the_texts_about_refused_input_exist_in_every_language() -> None:
    from complaints.languages import SUPPORTED
    from outbox.texts import TEXTS

    keys = ["file_too_large", "attachments_not_kept", "mail_kept_subject"]
    keys += ["mail_kept.empty", "mail_kept.attachments"]
    assert all(key in TEXTS[language] for language in SUPPORTED for key in keys)
