"""The e-mail channel end to end: the bot's SMTP server, smtplib as the customer's mail server,
and an aiosmtpd sink as the relay, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import smtplib
import sqlite3
import ssl
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.policy import SMTP
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import trustme

from channels.email.smtp_server import return_path
from complaints.clock import ManualClock
from tests.conftest import START, table_counts
from tests.dovecot import Dovecot, dovecot_server
from tests.mailpeers import Sink, mail, send


def rows(bot: Any, sql: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        found = [dict(row) for row in connection.execute(sa.text(sql)).mappings()]
    engine.dispose()
    return found


def body(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body((subtype,))
    assert part is not None
    return part.get_content()


LANGUAGES = [
    pytest.param(
        "我在你们网店买的吹风机用了三次就坏了，要求退货。", "zh-Hans", "投诉编号", id="zh-Hans"
    ),
    pytest.param(
        "我在門市買的冷氣安裝後一直漏水，師傅也沒有處理好。", "zh-Hant", "投訴編號", id="zh-Hant"
    ),
    pytest.param(
        "Hola, la lavadora que compré hace un mes hace un ruido terrible y no centrifuga.",
        "es",
        "número de su reclamación",
        id="es",
    ),
    pytest.param(
        "Hello, the laptop I bought last week will not turn on anymore.",
        "en",
        "complaint number",
        id="en",
    ),
]


@pytest.mark.parametrize(("text", "language", "phrase"), LANGUAGES)
async def test_a_mailed_complaint_is_acknowledged_by_mail_in_its_language(
    mailbot: Any, sink: Sink, text: str, language: str, phrase: str
) -> None:
    sent = mail(text, subject="Problema / 问题", message_id="<first-1@customer.test>")
    await send(mailbot.smtp_port, sent)
    ack = await sink.next()
    complaint = rows(mailbot, "SELECT number, language, status FROM complaints")[0]
    assert complaint["language"] == language
    assert ack["To"] == "ana@customer.test"
    assert "complaints@example.com" in ack["From"]
    assert ack["Subject"].startswith(f"[{complaint['number']}]")
    assert ack["In-Reply-To"] == "<first-1@customer.test>"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["Content-Language"] == language
    assert ack["Message-ID"].endswith("@example.com>")
    assert phrase in body(ack) and complaint["number"] in body(ack)
    assert complaint["number"] in body(ack, "html")


@pytest.mark.parametrize(("text", "language", "phrase"), [LANGUAGES[1], LANGUAGES[2]])
async def test_outlooks_content_language_does_not_beat_the_text(
    mailbot: Any, sink: Sink, text: str, language: str, phrase: str
) -> None:
    sent = mail(text)
    sent["Content-Language"] = "en-US"  # after set_content, which drops Content-* headers
    await send(mailbot.smtp_port, sent)
    ack = await sink.next()
    assert rows(mailbot, "SELECT language FROM complaints") == [{"language": language}]
    assert ack["Content-Language"] == language
    assert phrase in body(ack)


async def test_a_reply_to_the_acknowledgement_threads_and_is_confirmed(
    mailbot: Any, sink: Sink
) -> None:
    await send(mailbot.smtp_port, mail("My fridge is not cooling.", message_id="<a1@c.test>"))
    ack = await sink.next()
    await send(
        mailbot.smtp_port,
        mail(
            "Here is my order number: SO-1234.",
            message_id="<a2@c.test>",
            in_reply_to=ack["Message-ID"],
            references=f"<a1@c.test> {ack['Message-ID']}",
        ),
    )
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 1
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 2
    kinds = [row["kind"] for row in rows(mailbot, "SELECT kind FROM events ORDER BY id")]
    assert "reply_withheld" not in kinds
    assert (await sink.next())["In-Reply-To"] == "<a2@c.test>"


async def test_outlook_style_references_and_the_subject_number_thread(
    mailbot: Any, sink: Sink
) -> None:
    await send(mailbot.smtp_port, mail("The TV remote is missing.", message_id="<b1@c.test>"))
    ack = await sink.next()
    number = rows(mailbot, "SELECT number FROM complaints")[0]["number"]
    await send(
        mailbot.smtp_port,
        mail("Still waiting.", message_id="<b2@c.test>", references="<b1@c.test>"),
    )
    await send(
        mailbot.smtp_port,
        mail("Any news?", message_id="<b3@c.test>", subject=f"RE: [{number}] Re: Complaint"),
    )
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 1
    followups = [await sink.next(), await sink.next()]
    assert all(message["Subject"] == ack["Subject"] for message in followups)


async def test_a_forged_or_foreign_reference_opens_a_new_complaint(
    mailbot: Any, sink: Sink
) -> None:
    await send(mailbot.smtp_port, mail("Broken phone.", message_id="<c1@c.test>"))
    ack = await sink.next()
    number = rows(mailbot, "SELECT number FROM complaints")[0]["number"]
    forged = ack["Message-ID"].replace(ack["Message-ID"].split(".")[3], "0" * 20)
    await send(
        mailbot.smtp_port,
        mail(
            "Injected text",
            sender="mallory@evil.test",
            message_id="<m1@evil.test>",
            in_reply_to=ack["Message-ID"],
            subject=f"[{number}] hello",
        ),
        sender="mallory@evil.test",
    )
    await send(mailbot.smtp_port, mail("Forged", message_id="<c2@c.test>", in_reply_to=forged))
    numbers = [row["number"] for row in rows(mailbot, "SELECT number FROM complaints")]
    assert len(numbers) == 3


async def test_mail_for_another_address_is_refused_with_550(mailbot: Any) -> None:
    before = table_counts(mailbot.store_url)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await send(
            mailbot.smtp_port,
            mail("Hello", to="sales@example.com"),
            recipients=["sales@example.com"],
        )
    code, reason = refused.value.recipients["sales@example.com"]
    assert code == 550 and b"complaints@example.com" in reason
    assert table_counts(mailbot.store_url) == before


async def test_mail_over_the_size_limit_is_refused_with_552(start_bot: Any, sink: Sink) -> None:
    bot = await start_bot({"email": {"relay": {"port": sink.port}, "max_message_bytes": 2048}})
    port = bot.app.state.services.channels["email"].smtp_port
    before = table_counts(bot.store_url)
    with pytest.raises(smtplib.SMTPException) as refused:
        await send(port, mail("x" * 5000))
    assert "552" in str(refused.value)
    assert table_counts(bot.store_url) == before


async def test_the_store_unavailable_answers_451_and_a_retry_succeeds(
    mailbot: Any, sink: Sink
) -> None:
    before = table_counts(mailbot.store_url)
    locker = sqlite3.connect(sa.engine.make_url(mailbot.store_url).database, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await send(mailbot.smtp_port, mail("Delivery late.", message_id="<d1@c.test>"))
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert refused.value.smtp_code == 451
    assert table_counts(mailbot.store_url) == before
    await send(mailbot.smtp_port, mail("Delivery late.", message_id="<d1@c.test>"))
    assert (await sink.next())["In-Reply-To"] == "<d1@c.test>"


async def test_the_same_message_twice_is_one_complaint_and_one_acknowledgement(
    mailbot: Any, sink: Sink
) -> None:
    message = mail("Wrong size delivered.", message_id="<e1@c.test>")
    await send(mailbot.smtp_port, message)
    await sink.next()
    await send(mailbot.smtp_port, message)
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 1
    assert len(rows(mailbot, "SELECT id FROM outbox")) == 1


async def test_a_reused_message_id_on_another_mail_is_a_complaint_of_its_own(
    mailbot: Any, sink: Sink
) -> None:
    """Message-IDs should be unique, but some mailers reuse one (a shop's form mailer, a
    printer): a different mail under an id already seen must not vanish as a "duplicate"."""
    first = mail("Wrong size delivered.", message_id="<form@shop.test>")
    other = mail(
        "My fridge stopped cooling.",
        message_id="<form@shop.test>",
        sender="luis@customer.test",
        name="Luis",
    )
    await send(mailbot.smtp_port, first)
    await sink.next()
    await send(mailbot.smtp_port, other, sender="luis@customer.test")
    second_ack = await sink.next()
    assert second_ack["To"] == "luis@customer.test"
    await send(mailbot.smtp_port, other, sender="luis@customer.test")  # its own resend
    await send(mailbot.smtp_port, first)
    complaints = rows(
        mailbot,
        "SELECT m.text FROM complaints c JOIN messages m ON m.complaint_id = c.id"
        " WHERE m.direction = 'in' ORDER BY c.id",
    )
    assert [row["text"].strip() for row in complaints] == [
        "Wrong size delivered.",
        "My fridge stopped cooling.",
    ]
    assert len(rows(mailbot, "SELECT id FROM outbox")) == 2


async def test_an_auto_reply_is_recorded_on_its_complaint_but_never_answered(
    mailbot: Any, sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await send(mailbot.smtp_port, mail("Damaged sofa.", message_id="<f1@c.test>"))
    ack = await sink.next()
    await send(
        mailbot.smtp_port,
        mail(
            "I am out of the office until Monday.",
            message_id="<f2@c.test>",
            in_reply_to=ack["Message-ID"],
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    await send(
        mailbot.smtp_port,
        mail(
            "Out of office.",
            message_id="<f3@c.test>",
            sender="someone@else.test",
            headers={"Precedence": "bulk"},
        ),
        sender="someone@else.test",
    )
    messages = rows(mailbot, "SELECT kind FROM messages WHERE direction = 'in' ORDER BY id")
    assert [row["kind"] for row in messages] == ["complaint", "automated"]
    ignored = rows(mailbot, "SELECT id, status, reason FROM dead_letters")
    assert [row["status"] for row in ignored] == ["ignored"]
    assert "machine mail" in ignored[0]["reason"]
    assert len(sink.received) == 1
    # machine mail ignored is no problem to warn of: an INFO line, not a WARNING
    kept = [r for r in caplog.records if "dead letter" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in kept] == [
        ("INFO", f"email input kept as dead letter {ignored[0]['id']} (ignored)")
    ]


async def test_no_more_than_the_hourly_limit_of_replies_go_to_one_sender(
    start_bot: Any, sink: Sink
) -> None:
    bot = await start_bot({"email": {"relay": {"port": sink.port}, "max_replies_per_hour": 2}})
    port = bot.app.state.services.channels["email"].smtp_port
    for n in range(3):
        await send(port, mail(f"Problem number {n} with my order.", message_id=f"<h{n}@c.test>"))
    assert len(rows(bot, "SELECT id FROM complaints")) == 3
    withheld = rows(bot, "SELECT detail FROM events WHERE kind = 'reply_withheld'")
    assert len(withheld) == 1 and "limit 2" in withheld[0]["detail"]
    await sink.next()
    await sink.next()
    assert sink.messages.empty()


async def test_a_relay_that_defers_is_retried_and_one_that_refuses_fails_the_reply(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    bot = await start_bot({"email": {"relay": {"port": sink.port}}}, clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    dispatcher = bot.app.state.services.dispatcher
    sink.reply = "451 4.3.0 Try later"
    await send(port, mail("Overcharged.", message_id="<i1@c.test>"))
    assert await dispatcher.dispatch_due() == 1
    outbox = rows(bot, "SELECT status, last_error FROM outbox")
    assert outbox[0]["status"] == "pending" and "451" in outbox[0]["last_error"]
    sink.reply = "554 5.7.1 Relaying denied"
    clock.advance(timedelta(minutes=1))
    assert await dispatcher.dispatch_due() == 1
    outbox = rows(bot, "SELECT status, last_error FROM outbox")
    assert outbox[0]["status"] == "failed" and "554" in outbox[0]["last_error"]
    failed = rows(bot, "SELECT detail FROM events WHERE kind = 'delivery_failed'")
    assert "554" in failed[0]["detail"]


def bounce_for(message_id: str, recipient: str = "ana@customer.test") -> bytes:
    """A standard delivery-status notification, as a receiving server's MAILER-DAEMON sends."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\r\n"
        "To: complaints@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{abs(hash(message_id))}@mx.customer.test>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mailbox does not exist.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: complaints@example.com\r\nTo: {recipient}\r\nMessage-ID: {message_id}\r\n"
        "--B--\r\n"
    ).encode()


async def test_a_bounce_fails_the_reply_and_suppresses_the_address_until_it_writes_again(
    start_bot: Any, sink: Sink
) -> None:
    overrides = {"email": {"relay": {"port": sink.port}, "bounces_before_suppression": 1}}
    bot = await start_bot(overrides, ManualClock(START), background=False)
    port, dispatcher = (
        bot.app.state.services.channels["email"].smtp_port,
        bot.app.state.services.dispatcher,
    )
    await send(port, mail("The blender's lid cracked.", message_id="<j1@c.test>"))
    await dispatcher.dispatch_due()
    first_ack = await sink.next()
    await send(
        port, mail("And the jug leaks too.", message_id="<j2@c.test>", subject="Another problem")
    )
    await send(port, bounce_for(first_ack["Message-ID"]), sender="")
    statuses = [row["status"] for row in rows(bot, "SELECT status FROM outbox ORDER BY id")]
    assert statuses == ["failed", "pending"]
    assert rows(bot, "SELECT suppressed FROM suppressions")[0]["suppressed"]

    await dispatcher.dispatch_due()  # the second acknowledgement is not sent
    assert sink.messages.empty()
    assert [row["status"] for row in rows(bot, "SELECT status FROM outbox ORDER BY id")] == [
        "failed",
        "failed",
    ]
    reasons = [
        row["detail"]
        for row in rows(bot, "SELECT detail FROM events WHERE kind = 'delivery_failed' ORDER BY id")
    ]
    assert "5.1.1" in reasons[0] and "suppressed" in reasons[1]

    await send(port, mail("Is anyone there?", message_id="<j3@c.test>", subject="Hello?"))
    await dispatcher.dispatch_due()
    assert "Hello?" in (await sink.next())["Subject"]
    assert not rows(bot, "SELECT suppressed FROM suppressions")[0]["suppressed"]


async def test_a_bounce_for_unknown_mail_is_kept_as_ignored(mailbot: Any) -> None:
    await send(mailbot.smtp_port, bounce_for("<nothing@example.com>"), sender="")
    letters = rows(mailbot, "SELECT status, reason FROM dead_letters")
    assert letters == [{"status": "ignored", "reason": "a bounce for no message the bot signed"}]


async def test_unparseable_mail_is_kept_whole_and_reprocessed_once_the_cause_is_fixed(
    start_bot: Any, sink: Sink
) -> None:
    limits = {"email": {"relay": {"port": sink.port}}, "intake": {"max_attachment_bytes": 100}}
    bot = await start_bot(limits)
    port = bot.app.state.services.channels["email"].smtp_port
    message = mail("", message_id="<k1@c.test>", subject="")  # only a photo over the limit
    message.add_attachment(
        b"\xff\xd8" + b"x" * 500, maintype="image", subtype="jpeg", filename="damage.jpg"
    )
    raw = message.as_bytes(policy=SMTP)  # CRLF line ends, as on the wire
    await send(port, raw)
    await send(port, b"this is not an e-mail at all")
    letters = rows(bot, "SELECT id, status, reason, raw FROM dead_letters ORDER BY id")
    assert [letter["status"] for letter in letters] == ["kept", "kept"]
    assert letters[0]["reason"] == "attachment 'damage.jpg' is 502 B; the limit is 100 B"
    assert letters[0]["raw"] == b"Return-Path: <ana@customer.test>\r\n" + raw  # as delivered
    assert rows(bot, "SELECT id FROM complaints") == []
    await bot.stop()

    bot = await start_bot({**limits, "intake": {"max_attachment_bytes": 10_000}})
    results = await bot.app.state.services.dead_letters.reprocess(
        {"email": bot.app.state.services.channels["email"].process}
    )
    assert [result.ok for result in results] == [True, False]
    assert len(rows(bot, "SELECT id FROM complaints")) == 1
    assert [r["status"] for r in rows(bot, "SELECT status FROM dead_letters ORDER BY id")] == [
        "reprocessed",
        "kept",
    ]
    assert (await sink.next())["In-Reply-To"] == "<k1@c.test>"


CORPUS = sorted((Path(__file__).parent / "mail_corpus").glob("*.eml"))


async def test_every_corpus_message_becomes_a_complaint_or_a_recorded_reason(
    mailbot: Any,
) -> None:
    """The whole corpus through the bot's SMTP server: nothing crashes it, nothing is lost."""
    assert len(CORPUS) >= 40
    for path in CORPUS:
        raw = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        await send(mailbot.smtp_port, raw, sender="relay@corpus.test")
    received = rows(mailbot, "SELECT text FROM messages WHERE direction = 'in'")
    letters = rows(mailbot, "SELECT status, reason FROM dead_letters")
    assert len(received) + len(letters) == len(CORPUS)
    assert all("\ufffd" not in row["text"] for row in received)
    assert all(letter["reason"] for letter in letters)
    assert {letter["status"] for letter in letters} <= {"kept", "ignored"}
    async with httpx.AsyncClient(base_url=mailbot.url) as client:
        assert (await client.get("/health")).status_code == 200


async def test_a_reply_to_a_resolved_complaint_reopens_it(mailbot: Any, sink: Sink) -> None:
    await send(mailbot.smtp_port, mail("The heater is broken.", message_id="<l1@c.test>"))
    ack = await sink.next()
    engine = sa.create_engine(mailbot.store_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE complaints SET status = 'resolved'"))
    engine.dispose()
    await send(
        mailbot.smtp_port,
        mail("It broke again.", message_id="<l2@c.test>", references=ack["Message-ID"]),
    )
    assert rows(mailbot, "SELECT status FROM complaints") == [{"status": "reopened"}]


DEADLINES = (
    "SELECT grade, category, department, first_response_due, resolution_due, escalate_due "
    "FROM complaints"
)


async def test_a_reply_that_reports_a_hazard_raises_the_grade_of_the_open_complaint(
    mailbot: Any, sink: Sink
) -> None:
    """Seen in a walkthrough: the reply joined the complaint, and it stayed general."""
    text = "Hola, la lavadora que compré hace un mes hace un ruido terrible y no centrifuga."
    await send(mailbot.smtp_port, mail(text, message_id="<h1@c.test>"))
    ack = await sink.next()
    [before] = rows(mailbot, DEADLINES)
    assert before["grade"] == "general"
    await send(
        mailbot.smtp_port,
        mail(
            "ahora además sale humo del motor",
            message_id="<h2@c.test>",
            in_reply_to=ack["Message-ID"],
            references=f"<h1@c.test> {ack['Message-ID']}",
        ),
    )
    [after] = rows(mailbot, DEADLINES)
    assert after["grade"] == "urgent"
    assert (after["category"], after["department"]) == (before["category"], before["department"])
    assert after["first_response_due"] < before["first_response_due"]
    assert after["resolution_due"] < before["resolution_due"]
    assert after["escalate_due"] == after["first_response_due"]  # no person has answered yet
    [regraded] = rows(mailbot, "SELECT actor, detail FROM events WHERE kind = 'regraded'")
    detail = json.loads(regraded["detail"])
    assert regraded["actor"] == "router" and (detail["from"], detail["to"]) == ("general", "urgent")
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 2


async def test_a_from_header_encoded_whole_is_read_as_its_sender(mailbot: Any, sink: Sink) -> None:
    """Python's compat32 `MIMEText` encodes a non-ASCII `Name <address>` whole, in one word."""
    sent = MIMEText("我买的路由器用了两天就坏了。", "plain", "utf-8")
    sent["From"] = "王伟 <wang@example.com>"
    sent["To"] = "complaints@example.com"
    sent["Subject"] = "路由器坏了"
    raw = sent.as_bytes()
    assert b"\nFrom: =?utf-8?b?546L5LyfIDx3YW5nQGV4YW1wbGUuY29tPg==?=\n" in raw
    await send(mailbot.smtp_port, raw.replace(b"\n", b"\r\n"), sender="bounces@relay.test")
    ack = await sink.next()
    assert ack["To"].addresses[0].addr_spec == "wang@example.com"
    assert "王伟" in body(ack)
    assert rows(mailbot, "SELECT reason FROM dead_letters") == []


async def test_mail_whose_from_names_nobody_is_answered_at_its_envelope_sender(
    mailbot: Any, sink: Sink
) -> None:
    raw = b"From: Ana\r\nTo: complaints@example.com\r\nSubject: Kettle\r\n\r\nIt smokes.\r\n"
    await send(mailbot.smtp_port, raw, sender="ana@customer.test")
    assert (await sink.next())["To"] == "ana@customer.test"
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 1
    await send(mailbot.smtp_port, raw.replace(b"It smokes", b"Still"), sender="")
    letters = rows(mailbot, "SELECT status, reason FROM dead_letters")
    assert letters == [{"status": "kept", "reason": "cannot be parsed: no usable From address"}]
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 1


def test_an_envelope_sender_with_a_line_break_writes_no_trace_line() -> None:
    assert return_path("ana@customer.test") == b"Return-Path: <ana@customer.test>\r\n"
    assert return_path("") == return_path(None) == b"Return-Path: <>\r\n"
    assert return_path("a\rX-Injected: yes@x.test") == b""


async def test_starttls_and_auth_when_configured(
    start_bot: Any, sink: Sink, tmp_path: Path
) -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    bot = await start_bot(
        {
            "email": {
                "relay": {"port": sink.port},
                "smtp_server": {
                    "tls_cert": str(cert),
                    "tls_key": str(key),
                    "auth_username": "mta",
                    "auth_password": "s3cret-passw0rd",
                },
            }
        }
    )
    port = bot.app.state.services.channels["email"].smtp_port
    context = ssl.create_default_context()
    authority.configure_trust(context)
    message = mail("Wrong invoice amount.", message_id="<n1@c.test>")

    def deliver(password: str | None) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.starttls(context=context)
            if password is not None:
                client.login("mta", password)
            client.send_message(message)

    with pytest.raises(smtplib.SMTPSenderRefused) as unauthenticated:
        await asyncio.to_thread(deliver, None)
    assert unauthenticated.value.smtp_code == 530
    with pytest.raises(smtplib.SMTPAuthenticationError):
        await asyncio.to_thread(deliver, "wrong")
    assert rows(bot, "SELECT id FROM complaints") == []
    await asyncio.to_thread(deliver, "s3cret-passw0rd")
    assert (await sink.next())["In-Reply-To"] == "<n1@c.test>"


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_server()


async def test_mail_from_an_imap_mailbox_is_handled_once_and_flagged_after_commit(
    start_bot: Any, sink: Sink, dovecot: Dovecot
) -> None:
    bot = await start_bot(
        {
            "email": {
                "relay": {"port": sink.port},
                "smtp_server": {"enabled": False},
                "imap": {
                    "enabled": True,
                    "host": "127.0.0.1",
                    "port": dovecot.port,
                    "ssl": False,
                    "username": dovecot.username,
                    "password": dovecot.password,
                },
            }
        }
    )
    poller = bot.app.state.services.channels["email"].poller
    async with asyncio.timeout(10):
        await poller.idling.wait()  # appended before IDLE, mail would wait for the next pass
    message = mail("我订的洗衣机送来时外壳凹了一大块，要求换货。", message_id="<imap-1@c.test>")
    await asyncio.to_thread(dovecot.append, message.as_bytes(policy=SMTP))
    ack = await sink.next(within=30)
    assert ack["In-Reply-To"] == "<imap-1@c.test>"
    assert "投诉编号" in body(ack)
    assert await poller.poll_once() == 0  # nothing unseen is left
    flags = await asyncio.to_thread(dovecot.flags_of_all)
    assert flags == {"<imap-1@c.test>": frozenset({"\\Seen"})}
    assert len(rows(bot, "SELECT id FROM complaints")) == 1
