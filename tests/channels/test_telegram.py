"""The Telegram channel end to end: the real python-telegram-bot Application of the bot against
the Bot API server written for the tests (tests/telegram_api.py), on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from telegram import Update

import bot as bot_module
from complaints.clock import ManualClock
from outbox import texts
from tests.conftest import SECRET, START, CallbackReceiver, serve, signed
from tests.mailpeers import Sink, mail, send
from tests.telegram_api import FakeTelegram

TOKEN = "123456:TEST-TOKEN-0123456789abcdef"
GROUP = -1001234567890
AGENT = 777
CUSTOMER = 4242


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    api = FakeTelegram(token=TOKEN)
    served = await serve(api.app())
    api.url = served.url  # type: ignore[attr-defined]
    yield api
    api.close()
    await served.stop()


def telegram_settings(fake: FakeTelegram, sink: Sink | None = None, **telegram: Any) -> dict:
    url = fake.url  # type: ignore[attr-defined]
    return {
        "telegram": {
            "enabled": True,
            "token": TOKEN,
            "base_url": f"{url}/bot",
            "base_file_url": f"{url}/file/bot",
            "poll_timeout": 5,
            **telegram,
        },
        "departments": {"billing": {"telegram_chat_id": GROUP}},
        "agents": [{"name": "Li Wei", "telegram_user_id": AGENT, "departments": ["billing"]}],
        "email": {"relay": {"port": sink.port if sink else 1}},
    }


async def handle(channel: Any, update: dict) -> bool:
    """Process one update the way the poll loop does, and wait until it is done."""
    return bool(await channel.process(Update.de_json(update, channel.bot)))


async def until(fake: FakeTelegram, chat: int, fragment: str) -> dict:
    """The next message to `chat` containing `fragment`; others before it are passed over."""
    sent = await to(fake, chat)
    while fragment not in sent["text"]:
        sent = await to(fake, chat)
    return sent


def rows(bot: Any, sql: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        found = [dict(row) for row in connection.execute(sa.text(sql)).mappings()]
    engine.dispose()
    return found


async def say(
    fake: FakeTelegram, text: str, *, chat: int = CUSTOMER, language: str = "en", **extra: Any
) -> dict:
    update = fake.message_update(
        chat_id=chat,
        user_id=chat if chat > 0 else AGENT,
        text=text,
        language_code=language,
        **extra,
    )
    fake.push_update(update)
    return update


async def reply_in_group(fake: FakeTelegram, post: dict, text: str, **extra: Any) -> dict:
    """An agent answers in the department's group with a Telegram Reply to the bot's `post`
    there (a new complaint's post, a notice); `extra` as for `say` (a photo and its caption)."""
    return await say(
        fake,
        text,
        chat=GROUP,
        chat_type="supergroup",
        reply_to_message_id=post["result"]["message_id"],
        **extra,
    )


def choose_from(fake: FakeTelegram, menu: dict, data: str) -> None:
    """The customer presses the button `data` of the bot's `menu` (a /language choice)."""
    fake.push_update(
        fake.callback_update(
            chat_id=CUSTOMER,
            user_id=CUSTOMER,
            data=data,
            message_id=menu["result"]["message_id"],
        )
    )


async def to(fake: FakeTelegram, chat: int) -> dict:
    """The next message the bot sent to `chat` that this test has not looked at yet, waiting
    for it; messages to other chats stay for their own turn."""
    seen = fake.__dict__.setdefault("seen_per_chat", defaultdict(int))
    while True:
        messages = [
            entry
            for entry in fake.sent
            if entry["method"] == "sendMessage" and entry["chat_id"] == chat
        ]
        if len(messages) > seen[chat]:
            seen[chat] += 1
            return messages[seen[chat] - 1]
        await fake.next_sent()


LANGUAGES = [
    pytest.param(
        "我的手机话费账单多扣了五十元，请退还。", "zh-CN", "zh-Hans", "投诉编号", id="zh-Hans"
    ),
    pytest.param(
        "這個月的帳單重複扣款了兩次，請盡快退款。", "zh-TW", "zh-Hant", "投訴編號", id="zh-Hant"
    ),
    pytest.param(
        "Me han cobrado dos veces la factura de este mes.",
        "es",
        "es",
        "número de su reclamación",
        id="es",
    ),
    pytest.param(
        "I was charged twice on this month's bill.", "en", "en", "complaint number", id="en"
    ),
]


@pytest.mark.parametrize(("text", "code", "language", "phrase"), LANGUAGES)
async def test_a_complaint_in_each_language_is_acknowledged_and_guided(
    fake: FakeTelegram, start_bot: Any, text: str, code: str, language: str, phrase: str
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, text, language=code)
    ack = await to(fake, CUSTOMER)
    number = rows(bot, "SELECT number, language FROM complaints")[0]
    assert number["language"] == language
    assert number["number"] in ack["text"] and phrase in ack["text"]
    question = await to(fake, CUSTOMER)
    buttons = question["reply_markup"]["inline_keyboard"]
    assert buttons[0][0]["callback_data"] == "skip:order_number"
    post = await to(fake, GROUP)
    assert number["number"] in post["text"]


async def test_chinese_text_from_an_english_telegram_app_is_answered_and_routed_in_chinese(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "收到的手机屏幕碎了，请尽快处理。", language="en")
    ack = await to(fake, CUSTOMER)
    found = rows(bot, "SELECT number, language, category FROM complaints")[0]
    assert found["language"] == "zh-Hans"
    assert found["category"] == "delivery_damage"  # a rule for Chinese text only
    assert "投诉编号" in ack["text"] and found["number"] in ack["text"]


async def test_guided_intake_fills_answers_and_moves_on_when_skipped(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "The kettle I bought leaks and the handle is cracked, quality is terrible.")
    await to(fake, CUSTOMER)  # acknowledgement
    first = await to(fake, CUSTOMER)
    assert "Which product" in first["text"]
    await say(fake, "Electric kettle")  # no model in it (one would be taken: no question)
    second = await to(fake, CUSTOMER)
    assert "model" in second["text"]
    fake.push_update(
        fake.callback_update(
            chat_id=CUSTOMER,
            user_id=CUSTOMER,
            data="skip:model",
            message_id=second["result"]["message_id"],
        )
    )
    third = await to(fake, CUSTOMER)
    assert "When did you buy" in third["text"]
    await say(fake, "02/03/2026")
    fourth = await to(fake, CUSTOMER)
    assert "order" in fourth["text"]
    complaint = rows(bot, "SELECT product, model, purchase_date FROM complaints")[0]
    assert complaint == {
        "product": "Electric kettle",
        "model": "",
        "purchase_date": "2026-03-02",
    }
    assert len(rows(bot, "SELECT id FROM complaints")) == 1


async def test_a_photo_is_downloaded_and_stored(fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot(telegram_settings(fake))
    photo = b"\xff\xd8\xff" + bytes(range(200))
    fake.add_file("photo-1", photo)
    fake.push_update(
        fake.message_update(
            chat_id=CUSTOMER,
            user_id=CUSTOMER,
            photo_file_id="photo-1",
            caption="The screen arrived cracked.",
        )
    )
    await to(fake, CUSTOMER)
    stored = rows(bot, "SELECT filename, content_type, data FROM attachments")
    assert stored[0]["data"] == photo and stored[0]["content_type"] == "image/jpeg"


async def test_a_photo_without_caption_is_named_by_when_it_was_sent(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Not "photo-7.jpg": an agent reads the kind and the time (the desk's [bot] timezone),
    in a name safe on any disk (no ':' or '/')."""
    settings = telegram_settings(fake)
    bot = await start_bot({**settings, "bot": {"timezone": "Asia/Shanghai"}})
    fake.add_file("photo-1", b"\xff\xd8\xff" + bytes(range(200)))
    update = fake.message_update(chat_id=CUSTOMER, user_id=CUSTOMER, photo_file_id="photo-1")
    update["message"]["date"] = 1796720707  # 2026-12-08 09:05:07 UTC
    fake.push_update(update)
    await to(fake, CUSTOMER)
    [stored] = rows(bot, "SELECT filename FROM attachments")
    assert stored["filename"] == "photo-2026-12-08-17.05.07.jpg"  # 17:05 in Shanghai


async def test_a_document_name_loses_its_directory_part(fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot(telegram_settings(fake))
    fake.add_file("doc-1", b"%PDF-1.7")
    fake.push_update(
        fake.message_update(
            chat_id=CUSTOMER,
            user_id=CUSTOMER,
            document=("doc-1", "../../etc/bill.pdf"),
            caption="I was charged twice for this bill.",
        )
    )
    await to(fake, CUSTOMER)
    stored = rows(bot, "SELECT filename, data FROM attachments")
    assert stored == [{"filename": "bill.pdf", "data": b"%PDF-1.7"}]


async def test_a_file_over_the_limit_is_refused_politely_and_a_caption_is_still_taken(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot({**telegram_settings(fake), "intake": {"max_attachment_bytes": 2048}})
    fake.add_file("doc-1", b"%PDF-1.7" + b"x" * 5000)
    fake.push_update(
        fake.message_update(chat_id=CUSTOMER, user_id=CUSTOMER, document=("doc-1", "bill.pdf"))
    )
    refused = await until(fake, CUSTOMER, "too large")
    assert "bill.pdf" in refused["text"] and "2 KB" in refused["text"]
    assert rows(bot, "SELECT id FROM complaints") == []

    fake.push_update(
        fake.message_update(
            chat_id=CUSTOMER,
            user_id=CUSTOMER,
            language_code="es",
            document=("doc-1", "factura.pdf"),
            caption="Me han cobrado dos veces la factura de este mes.",
        )
    )
    # the acknowledgement comes first and says, in the customer's language, what was not kept
    taken = await to(fake, CUSTOMER)
    (complaint,) = rows(bot, "SELECT id, number FROM complaints")
    assert complaint["number"] in taken["text"] and "número de su reclamación" in taken["text"]
    assert "No pudimos guardar estos adjuntos: factura.pdf" in taken["text"]
    assert "2 KB" in taken["text"]
    assert rows(bot, "SELECT id FROM attachments") == []
    assert "cobrado dos veces" in rows(bot, "SELECT text FROM messages")[0]["text"]
    (dropped,) = rows(bot, "SELECT detail FROM events WHERE kind = 'attachments_dropped'")
    assert "factura.pdf" in dropped["detail"]  # the desk sees a file was sent and not kept
    await to(fake, CUSTOMER)  # the first guided question: no refusal before or after
    assert not [m for m in fake.sent if "demasiado grande" in m.get("text", "")]


async def test_status_lists_the_customers_complaints(fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, CUSTOMER)
    await to(fake, CUSTOMER)
    await say(fake, "/status")
    status = await to(fake, CUSTOMER)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    assert number in status["text"] and "A person will answer you by" in status["text"]
    # "new" until the outbox has recorded the acknowledgement as delivered, then "acknowledged"
    assert " - new." in status["text"] or " - acknowledged." in status["text"]


async def test_a_duplicate_update_creates_nothing(fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot(telegram_settings(fake))
    update = fake.message_update(
        chat_id=CUSTOMER, user_id=CUSTOMER, text="I was charged twice on this month's bill."
    )
    fake.push_update(update)
    await to(fake, CUSTOMER)
    again = json.loads(json.dumps(update))
    del again["update_id"]
    fake.push_update(again)
    await say(fake, "/status")
    status = await until(fake, CUSTOMER, "A person will answer you by")
    assert status["text"].count("C-") == 1
    assert len(rows(bot, "SELECT id FROM messages WHERE direction = 'in'")) == 1


async def test_an_agent_reply_in_the_group_reaches_a_telegram_customer(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    post = await to(fake, GROUP)
    await reply_in_group(fake, post, "We have refunded the second charge today.")
    await until(fake, CUSTOMER, "refunded")
    confirmation = await to(fake, GROUP)
    assert "queued for the customer by Telegram" in confirmation["text"]
    events = [row["kind"] for row in rows(bot, "SELECT kind FROM events")]
    assert "agent_replied" in events


async def test_an_agent_reply_reaches_webhook_and_email_customers(
    fake: FakeTelegram, sink: Sink, start_bot: Any
) -> None:
    receiver = CallbackReceiver()
    callback = await serve(receiver.app())
    settings = telegram_settings(fake, sink)
    settings["webhook"] = {
        "sources": {"shop": {"secret": SECRET, "callback_url": f"{callback.url}/callback"}}
    }
    bot = await start_bot(settings)
    raw, headers = signed(
        {
            "id": "w-1",
            "customer": {"id": "c-9", "name": "Ana"},
            "text": "I was charged twice on this month's bill.",
        }
    )
    async with httpx.AsyncClient(base_url=bot.url) as client:
        assert (await client.post("/webhook/shop", content=raw, headers=headers)).status_code == 202
    await asyncio.wait_for(receiver.arrivals.get(), timeout=30)  # the acknowledgement
    webhook_post = await to(fake, GROUP)
    await send(
        bot.app.state.services.channels["email"].smtp_port,
        mail("I was charged twice on this month's bill, please refund.", message_id="<t1@c.test>"),
    )
    await sink.next()  # the acknowledgement by mail
    mail_post = await to(fake, GROUP)
    for post, reply in ((webhook_post, "Refund issued."), (mail_post, "Invoice corrected.")):
        await reply_in_group(fake, post, reply)
    delivered = await asyncio.wait_for(receiver.arrivals.get(), timeout=30)
    assert delivered["kind"] == "reply"
    # framed as a letter, signed by the agent who answered
    assert (
        delivered["text"] == "Dear Ana,\n\nRefund issued.\n\nKind regards,\nLi Wei\nCustomer care"
    )
    by_mail = await sink.next()
    text = by_mail.get_body(("plain",)).get_content()
    assert "Dear Ana,\n\nInvoice corrected.\n\nKind regards,\nLi Wei\n" in text.replace(
        "\r\n", "\n"
    )
    assert by_mail["In-Reply-To"] == "<t1@c.test>" and by_mail["Auto-Submitted"] is None
    await callback.stop()


async def test_group_commands_act_for_agents_and_refuse_others(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    fake.push_update(
        fake.message_update(
            chat_id=GROUP, user_id=999, chat_type="supergroup", text=f"/take {number}"
        )
    )
    refusal = await to(fake, GROUP)
    assert "only registered agents" in refusal["text"]
    for command in (
        f"/take {number}",
        f"/propose {number} a refund of the second charge",
        f"/note {number} checked the ledger",
        f"/grade {number} urgent",
        f"/resolve {number} refunded",
    ):
        await say(fake, command, chat=GROUP, chat_type="supergroup")
        assert number in (await to(fake, GROUP))["text"]
    complaint = rows(bot, "SELECT status, assignee, grade, resolution_summary FROM complaints")
    assert complaint == [
        {
            "status": "resolved",
            "assignee": "Li Wei",
            "grade": "urgent",
            "resolution_summary": "refunded",
        }
    ]
    kinds = [row["kind"] for row in rows(bot, "SELECT kind FROM events")]
    assert {"assigned", "note", "grade_corrected", "solution_proposed"} <= set(kinds)
    told = await until(fake, CUSTOMER, "we propose")
    assert "a refund of the second charge" in told["text"]
    # a letter like the resolution; the customer answers by writing, so no buttons
    assert told["text"].startswith("Dear ") and "reply to this message" in told["text"]
    assert told["text"].endswith("Kind regards,\nCustomer care") and "reply_markup" not in told
    told = await until(fake, CUSTOMER, "resolved")
    assert number in told["text"] and "refunded." in told["text"]
    assert told["text"].startswith("Dear ") and "just reply to this message" in told["text"]
    assert told["text"].endswith("Kind regards,\nCustomer care")
    assert all(
        sent["chat_id"] != CUSTOMER or "ledger" not in sent.get("text", "") for sent in fake.sent
    )


async def test_propose_in_the_group_takes_a_complaint_nobody_took_as_the_api_does(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """An agent of the department proposes without /take first: the complaint becomes theirs
    (tests.web.test_action_repeats proposes over the API and the console's route alike)."""
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    await say(
        fake, f"/propose {number} a refund of the second charge", chat=GROUP, chat_type="supergroup"
    )
    answer = (await to(fake, GROUP))["text"]
    assert answer == f"{number}: proposed; the customer is told"
    assert rows(bot, "SELECT status, assignee FROM complaints") == [
        {"status": "solution_proposed", "assignee": "Li Wei"}
    ]
    assigned = rows(bot, "SELECT actor FROM events WHERE kind = 'assigned'")
    assert assigned == [{"actor": "agent:Li Wei"}]
    told = await until(fake, CUSTOMER, "we propose")
    assert "a refund of the second charge" in told["text"]


async def test_rate_limits_are_honoured_and_a_blocked_user_fails_the_message(
    fake: FakeTelegram, start_bot: Any
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    channel, dispatcher = (
        bot.app.state.services.channels["telegram"],
        bot.app.state.services.dispatcher,
    )
    await handle(
        channel,
        fake.message_update(
            chat_id=CUSTOMER, user_id=CUSTOMER, text="I was charged twice on this month's bill."
        ),
    )
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)
    assert await dispatcher.dispatch_due() == 3  # acknowledgement, question, group post
    deferred = [
        row
        for row in rows(bot, "SELECT status, last_error FROM outbox")
        if row["status"] == "pending"
    ]
    assert len(deferred) == 1 and "wait 30 s" in deferred[0]["last_error"]
    clock.advance(timedelta(seconds=29))  # the backoff alone would allow a retry after 5 s
    assert await dispatcher.dispatch_due() == 0
    clock.advance(timedelta(seconds=1))
    assert await dispatcher.dispatch_due() == 1
    assert {row["status"] for row in rows(bot, "SELECT status FROM outbox")} == {"sent"}

    fake.blocked_chats.add(CUSTOMER + 1)
    await handle(
        channel,
        fake.message_update(
            chat_id=CUSTOMER + 1, user_id=CUSTOMER + 1, text="You overcharged me on my bill."
        ),
    )
    await dispatcher.dispatch_due()
    failed = [
        row
        for row in rows(bot, "SELECT address, status, last_error FROM outbox")
        if row["address"] == str(CUSTOMER + 1)
    ]
    assert failed and all(row["status"] == "failed" for row in failed)
    assert "blocked" in failed[0]["last_error"]
    assert await dispatcher.dispatch_due() == 1  # the group is told, once
    assert await dispatcher.dispatch_due() == 0  # no endless retry


async def test_webhook_mode_checks_the_secret_token(fake: FakeTelegram, start_bot: Any) -> None:
    secret = "telegram-secret-0123456789"
    bot = await start_bot(
        telegram_settings(
            fake,
            mode="webhook",
            webhook_secret=secret,
            webhook_url="https://bot.example.com/telegram/webhook",
        )
    )
    assert fake.webhook is not None and fake.webhook["secret_token"] == secret
    update = fake.message_update(
        chat_id=CUSTOMER, user_id=CUSTOMER, text="I was charged twice on this month's bill."
    )
    async with httpx.AsyncClient(base_url=bot.url) as client:
        wrong = await client.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
        )
        assert wrong.status_code == 401
        assert rows(bot, "SELECT id FROM complaints") == []
        right = await client.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        )
    assert right.status_code == 200
    assert len(rows(bot, "SELECT id FROM complaints")) == 1


async def test_the_survey_buttons_record_one_answer_and_a_comment(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, CUSTOMER)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    from store import queries
    from store.models import Complaint

    clock_now = bot.app.state.services.dispatcher.clock.now()

    def send_survey(s: Any) -> None:  # as the survey sweep does: a round opens
        complaint = queries.complaint_by_number(s, number)
        bot.app.state.services.sweeps.due.after_survey_sent(complaint, clock_now)
        queries.queue_message(
            s, complaint, "telegram", str(CUSTOMER), "survey", "How satisfied are you?", clock_now
        )

    await bot.app.state.services.database.write(send_survey)
    bot.app.state.services.dispatcher.wake()
    survey = await until(fake, CUSTOMER, "satisfied")
    keys = [button["callback_data"] for button in survey["reply_markup"]["inline_keyboard"][0]]
    assert keys == [f"survey:{number}:{score}" for score in range(1, 6)]
    message_id = survey["result"]["message_id"]
    for data in (keys[3], keys[0]):  # a second tap changes nothing
        fake.push_update(
            fake.callback_update(
                chat_id=CUSTOMER, user_id=CUSTOMER, data=data, message_id=message_id
            )
        )
        await fake.next_call("answerCallbackQuery")
    await say(fake, "Quick and polite, thanks.")
    await until(fake, CUSTOMER, "Thank you for your comment")
    stored = await bot.app.state.services.database.read(
        lambda s: queries.complaint_by_number(s, number)
    )
    assert isinstance(stored, Complaint)
    assert (stored.survey_score, stored.survey_comment) == (4, "Quick and polite, thanks.")


async def test_link_merges_chat_and_email_after_the_code(
    fake: FakeTelegram, sink: Sink, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake, sink))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, CUSTOMER)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    await say(fake, "/link ana@customer.test")
    code_mail = await sink.next()
    found = re.search(r"\b(\d{6})\b", code_mail.get_body(("plain",)).get_content())
    assert found is not None
    code = found.group(1)
    await say(fake, "000000" if code != "000000" else "111111")
    await until(fake, CUSTOMER, "not right")
    assert len(rows(bot, "SELECT id FROM identities")) == 1
    await say(fake, code)
    await until(fake, CUSTOMER, "now belong")
    await send(
        bot.app.state.services.channels["email"].smtp_port,
        mail("More details by mail.", message_id="<l9@c.test>", subject=f"[{number}] details"),
    )
    assert len(rows(bot, "SELECT id FROM complaints")) == 1
    assert len(rows(bot, "SELECT DISTINCT customer_id FROM identities")) == 1


async def test_an_update_whose_intake_failed_is_delivered_again(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Webhook mode shows it over HTTP: 503 until intake commits (Telegram redelivers); in
    polling mode the same `process` result keeps the offset from moving past the update."""
    secret = "telegram-secret-0123456789"
    bot = await start_bot(
        telegram_settings(
            fake,
            mode="webhook",
            webhook_secret=secret,
            webhook_url="https://bot.example.com/telegram/webhook",
        )
    )
    update = fake.message_update(
        chat_id=CUSTOMER, user_id=CUSTOMER, text="I was charged twice on this month's bill."
    )
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    locker = sqlite3.connect(sa.engine.make_url(bot.store_url).database, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        async with httpx.AsyncClient(base_url=bot.url, timeout=30) as client:
            refused = await client.post("/telegram/webhook", json=update, headers=headers)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert refused.status_code == 503
    assert rows(bot, "SELECT id FROM complaints") == []
    async with httpx.AsyncClient(base_url=bot.url) as client:
        accepted = await client.post("/telegram/webhook", json=update, headers=headers)
    assert accepted.status_code == 200
    assert len(rows(bot, "SELECT id FROM complaints")) == 1


def test_long_texts_are_split_at_the_limit() -> None:
    from channels.telegram.adapter import split

    text = ("word " * 2000).strip()
    parts = split(text, 4096)
    assert len(parts) == 3 and all(len(part) <= 4096 for part in parts)
    assert " ".join(parts) == text


@pytest.mark.parametrize(
    ("first_name", "code", "opening"),
    [
        ("PEREZ, JOSE", "en", "Hello Jose Perez! I am"),
        ("ana.martinez", "en", "Hello! I am"),
        ("🔥🔥", "es", "¡Hola! Soy"),
        ("   ", "zh-hans", "您好！我是"),
        ("jose1984", "zh-hant", "您好！我是"),
    ],
)
async def test_start_greets_by_name_only_a_name_that_reads_as_one(
    fake: FakeTelegram, start_bot: Any, first_name: str, code: str, opening: str
) -> None:
    await start_bot(telegram_settings(fake))
    await say(fake, "/start", language=code, first_name=first_name)
    assert (await to(fake, CUSTOMER))["text"].startswith(opening)


async def test_the_group_post_names_a_customer_as_staff_can_tell_them_apart(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """A name that reads as one is shown normalised; one that does not, quoted and cut."""
    await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.", first_name="PEREZ, JOSE")
    assert "\nJose Perez (telegram)\n" in (await to(fake, GROUP))["text"]
    fire = "🔥" * 64
    await say(fake, "I was charged twice on this month's bill.", chat=CUSTOMER + 1, first_name=fire)
    assert f'\n"{"🔥" * 39}…" (telegram)\n' in (await to(fake, GROUP))["text"]


async def test_start_greets_in_the_users_language_and_language_can_be_changed(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "/start", language="zh-hant")
    assert "投訴助理" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "/language", language="zh-hant")
    menu = await to(fake, CUSTOMER)
    choices = [row[0]["callback_data"] for row in menu["reply_markup"]["inline_keyboard"]]
    assert choices == ["lang:zh-Hans", "lang:zh-Hant", "lang:es", "lang:en"]
    choose_from(fake, menu, "lang:es")
    assert "español" in (await to(fake, CUSTOMER))["text"]
    # the chosen language breaks the tie of a message without language ("12345")
    await say(fake, "12345", language="zh-hant")
    ack = await to(fake, CUSTOMER)
    assert "número de su reclamación" in ack["text"]
    assert rows(bot, "SELECT language FROM complaints") == [{"language": "es"}]


async def test_a_second_message_joins_the_open_complaint_and_new_starts_another(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, CUSTOMER)  # the acknowledgement
    for field in ("order_number", "desired_outcome"):  # skip the guided questions
        question = await to(fake, CUSTOMER)
        assert f"skip:{field}" in json.dumps(question["reply_markup"])
        fake.push_update(
            fake.callback_update(
                chat_id=CUSTOMER,
                user_id=CUSTOMER,
                data=f"skip:{field}",
                message_id=question["result"]["message_id"],
            )
        )
    assert "all we need" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "Also the roaming fee is wrong.")
    assert "added your message" in (await to(fake, CUSTOMER))["text"]
    assert len(rows(bot, "SELECT id FROM complaints")) == 1
    await say(fake, "/new")
    assert "new, separate complaint" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "The shop assistant in Mall Road was rude to me.")
    assert "complaint number" in (await to(fake, CUSTOMER))["text"]
    assert len(rows(bot, "SELECT id FROM complaints")) == 2


async def test_link_merges_an_existing_email_customer_into_one(
    fake: FakeTelegram, sink: Sink, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake, sink))
    await send(
        bot.app.state.services.channels["email"].smtp_port,
        mail("My bill is wrong, I was charged twice.", message_id="<m0@c.test>"),
    )
    await sink.next()
    await say(fake, "The shop assistant in Mall Road was rude to me.")
    await to(fake, CUSTOMER)
    assert len(rows(bot, "SELECT DISTINCT customer_id FROM complaints")) == 2
    await say(fake, "/link ana@customer.test")
    found = re.search(r"\b(\d{6})\b", (await sink.next()).get_body(("plain",)).get_content())
    assert found is not None
    await say(fake, found.group(1))
    await until(fake, CUSTOMER, "now belong")
    assert len(rows(bot, "SELECT DISTINCT customer_id FROM complaints")) == 1
    assert len(rows(bot, "SELECT id FROM customers")) == 1
    assert "customer_linked" in [row["kind"] for row in rows(bot, "SELECT kind FROM events")]


async def test_a_wrong_token_stops_start_up_with_a_clear_reason(
    fake: FakeTelegram, tmp_path: Any
) -> None:
    from complaints.errors import ChannelError
    from config import load_settings
    from tests.conftest import write_settings

    settings = telegram_settings(fake)
    settings["telegram"]["token"] = "654321:WRONG-TOKEN-0123456789abcdef"
    app = bot_module.build_app(load_settings(write_settings(tmp_path, settings)))
    channel = app.state.services.channels["telegram"]
    with pytest.raises(ChannelError, match=r"refused \[telegram\] token"):
        await channel.start()
    app.state.services.database.close()


async def test_the_bot_starts_while_telegram_is_unreachable_and_connects_later(
    start_bot: Any, tmp_path: Any
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = FakeTelegram(token=TOKEN)
    api.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    bot = await start_bot(telegram_settings(api))  # Telegram is down: the bot still starts
    async with httpx.AsyncClient(base_url=bot.url) as client:
        assert (await client.get("/health")).status_code == 200
    served = await serve(api.app(), port)  # Telegram comes back
    try:
        await say(api, "I was charged twice on this month's bill.")
        assert "complaint number" in (await to(api, CUSTOMER))["text"]
    finally:
        await bot.stop()
        api.close()
        await served.stop()


async def _resolve_and_score_one(
    fake: FakeTelegram,
    bot: Any,
    clock: ManualClock,
    text: str,
    language_code: str = "en",
    *,
    score: int = 1,
    take: bool = True,
) -> str:
    """The customer complains in the chat, an agent takes (unless not `take`) and resolves it
    in the group, a week later the survey comes and the customer taps `score`; the
    complaint's number."""
    services = bot.app.state.services
    channel = services.channels["telegram"]
    update = fake.message_update(
        chat_id=CUSTOMER, user_id=CUSTOMER, text=text, language_code=language_code
    )
    await handle(channel, update)
    number: str = rows(bot, "SELECT number FROM complaints")[0]["number"]
    commands = [f"/take {number}"] if take else []
    for command in [*commands, f"/resolve {number} refunded"]:
        await handle(
            channel,
            fake.message_update(chat_id=GROUP, user_id=AGENT, chat_type="supergroup", text=command),
        )
    clock.advance(timedelta(days=7))
    assert (await services.sweeps.run_all())["surveys"] == 1
    await services.dispatcher.dispatch_due()
    survey = await until(fake, CUSTOMER, number)
    while "reply_markup" not in survey:
        survey = await until(fake, CUSTOMER, number)
    await handle(
        channel,
        fake.callback_update(
            chat_id=CUSTOMER,
            user_id=CUSTOMER,
            data=f"survey:{number}:{score}",
            message_id=survey["result"]["message_id"],
        ),
    )
    return number


async def test_a_bad_survey_score_reopens_the_complaint(fake: FakeTelegram, start_bot: Any) -> None:
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    await _resolve_and_score_one(fake, bot, clock, "I was charged twice on this month's bill.")
    assert rows(bot, "SELECT status, survey_score FROM complaints") == [
        {"status": "reopened", "survey_score": None}  # open again: no current score
    ]
    assert rows(bot, "SELECT detail FROM events WHERE kind = 'survey_answered'") != []
    await bot.app.state.services.dispatcher.dispatch_due()
    await until(fake, CUSTOMER, "reopened")
    # the reopening ended the round: what the customer writes next is more of the reopened
    # complaint (a follow-up the desk reads), no comment of that round
    channel = bot.app.state.services.channels["telegram"]
    said = "Still charged twice."
    await handle(channel, fake.message_update(chat_id=CUSTOMER, user_id=CUSTOMER, text=said))
    await bot.app.state.services.dispatcher.dispatch_due()
    await until(fake, CUSTOMER, "added your message")
    assert rows(bot, "SELECT status, survey_comment FROM complaints") == [
        {"status": "reopened", "survey_comment": ""}
    ]
    assert {"text": said, "kind": "follow-up"} in rows(
        bot, "SELECT text, kind FROM messages WHERE direction = 'in'"
    )
    assert (await bot.app.state.services.sweeps.run_all())["closing"] == 0


@pytest.mark.parametrize(
    ("text", "code", "language", "supervisor", "key"),
    [
        pytest.param(
            "Me han cobrado dos veces la factura de este mes.",
            "es",
            "es",
            f"telegram:{GROUP}",
            "reopened",
            id="es-supervisor",
        ),
        pytest.param(
            "這個月的帳單重複扣款了兩次，請盡快退款。",
            "zh-TW",
            "zh-Hant",
            "",
            "reopened_by_team",
            id="zh-Hant-team",
        ),
    ],
)
async def test_a_reopening_by_survey_button_says_and_records_the_reopening_text(
    fake: FakeTelegram,
    start_bot: Any,
    text: str,
    code: str,
    language: str,
    supervisor: str,
    key: str,
) -> None:
    """The chat's reopening notice is the one e-mail and webhook customers get (a supervisor
    promised only when one was told), in the customer's language, recorded by its text key."""
    settings = telegram_settings(fake)
    if supervisor:
        settings["departments"]["billing"]["supervisor"] = supervisor
    clock = ManualClock(START)
    bot = await start_bot(settings, clock, background=False)
    services = bot.app.state.services
    number = await _resolve_and_score_one(fake, bot, clock, text, code)
    [complaint] = rows(bot, "SELECT language, department FROM complaints")
    assert (complaint["language"], complaint["department"]) == (language, "billing")
    await services.dispatcher.dispatch_due()
    expected = texts.say(language, key, number=number)
    assert (await until(fake, CUSTOMER, expected))["text"] == expected
    sent = rows(bot, "SELECT kind, text FROM messages WHERE direction = 'out'")
    assert [row["kind"] for row in sent if row["text"] == expected] == [key]


async def test_an_agent_rejects_with_a_polite_explanation(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    await say(
        fake,
        f"/reject {number} the second charge was a pre-authorisation, released after 3 days.",
        chat=GROUP,
        chat_type="supergroup",
    )
    assert "rejected" in (await to(fake, GROUP))["text"]
    told = await until(fake, CUSTOMER, "cannot treat it as a complaint")
    assert "pre-authorisation" in told["text"]
    assert told["text"].startswith("Dear ") and "If you disagree, just reply" in told["text"]
    assert told["text"].endswith("Kind regards,\nCustomer care") and "reply_markup" not in told
    assert rows(bot, "SELECT status FROM complaints") == [{"status": "rejected"}]
    await say(fake, f"/resolve {number} done", chat=GROUP, chat_type="supergroup")
    assert "cannot become resolved" in (await to(fake, GROUP))["text"]


async def test_a_customer_may_ask_for_another_handler(fake: FakeTelegram, start_bot: Any) -> None:
    settings = telegram_settings(fake)
    settings["departments"]["billing"]["supervisor"] = f"telegram:{GROUP}"
    settings["agents"].append({"name": "Mei Lin", "departments": ["billing"], "senior": True})
    bot = await start_bot(settings)
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    await say(fake, f"/take {number}", chat=GROUP, chat_type="supergroup")
    await say(fake, "/handler")
    await until(fake, CUSTOMER, "Mei Lin")
    assert rows(bot, "SELECT assignee FROM complaints") == [{"assignee": "Mei Lin"}]
    notice = await until(fake, GROUP, "another handler")
    assert "Mei Lin takes over from Li Wei" in notice["text"]
    [requested] = rows(bot, "SELECT actor, detail FROM events WHERE kind = 'handler_requested'")
    assert requested["actor"] == "customer" and json.loads(requested["detail"]) == {"to": "Mei Lin"}


async def test_without_a_senior_agent_handler_is_recorded_for_the_desk_and_said_truly(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """The shipped case: no senior agent and no supervisor. Nobody is told, so the customer
    must not hear that a supervisor will call; the desk finds the request on the complaint."""
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    await say(fake, "/handler")
    answer = await until(fake, CUSTOMER, "request")
    assert "recorded your request" in answer["text"] and "supervisor" not in answer["text"]
    assert "assign another person" in answer["text"]
    [requested] = rows(bot, "SELECT actor, detail FROM events WHERE kind = 'handler_requested'")
    assert requested["actor"] == "customer" and json.loads(requested["detail"]) == {}
    [complaint] = rows(bot, "SELECT tags, assignee FROM complaints")
    assert "handler-requested" in json.loads(complaint["tags"]) and complaint["assignee"] == ""
    await say(fake, "/handler")  # asked again: noted again, tagged once
    await until(fake, CUSTOMER, "recorded your request")
    assert len(rows(bot, "SELECT id FROM events WHERE kind = 'handler_requested'")) == 2
    [complaint] = rows(bot, "SELECT tags FROM complaints")
    assert json.loads(complaint["tags"]).count("handler-requested") == 1


async def test_a_mailed_reply_reporting_a_hazard_is_told_to_the_department_group(
    fake: FakeTelegram, sink: Sink, start_bot: Any
) -> None:
    """A new complaint is posted to its department's group; a raise of its grade by the
    customer's later message (here by e-mail) is told there too, and a reply to that notice
    answers the customer."""
    bot = await start_bot(telegram_settings(fake, sink))
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("I was charged twice on this month's bill.", message_id="<g1@c.test>"))
    ack = await sink.next()
    post = await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    assert post["text"].startswith(f"{number} · general")
    hazard = "Also, the modem you sent me is now giving off smoke and sparks!"
    await send(port, mail(hazard, message_id="<g2@c.test>", references=ack["Message-ID"]))
    assert "added your message" in (await sink.next()).get_body(("plain",)).get_content()
    notice = await to(fake, GROUP)
    assert notice["text"].startswith(f"{number}: the customer's latest message raises the grade")
    assert "general -> urgent" in notice["text"] and hazard in notice["text"]
    assert rows(bot, "SELECT grade FROM complaints") == [{"grade": "urgent"}]
    await reply_in_group(fake, notice, "Please unplug it now; a technician is on the way.")
    by_mail = await sink.next()
    assert "a technician is on the way" in by_mail.get_body(("plain",)).get_content()


async def test_guided_intake_does_not_ask_for_what_the_first_message_says(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(
        fake,
        "My Philips HD9252 air fryer, bought on 2026-02-01, order A-123, is cracked, "
        "quality is terrible.",
    )
    await to(fake, CUSTOMER)  # acknowledgement
    question = await to(fake, CUSTOMER)
    assert "skip:desired_outcome" in json.dumps(question["reply_markup"])
    [complaint] = rows(
        bot, "SELECT department, product, model, purchase_date, order_number FROM complaints"
    )
    assert complaint == {
        "department": "quality",
        "product": "Philips HD9252 air fryer",
        "model": "HD9252",
        "purchase_date": "2026-02-01",
        "order_number": "A-123",
    }
    [found] = rows(bot, "SELECT detail FROM events WHERE kind = 'details_found'")
    assert json.loads(found["detail"])["fields"] == [
        "product",
        "model",
        "order_number",
        "purchase_date",
    ]


async def test_a_message_that_is_not_an_answer_is_more_of_the_complaint_and_regrades_it(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "The kettle I bought leaks and the handle is cracked, quality is terrible.")
    await to(fake, CUSTOMER)  # acknowledgement
    assert "Which product" in (await to(fake, CUSTOMER))["text"]
    assert rows(bot, "SELECT grade FROM complaints") == [{"grade": "general"}]
    await say(fake, "Wait, sparks came out when I unplugged it!")
    assert "added your message" in (await to(fake, CUSTOMER))["text"]
    assert "Which product" in (await to(fake, CUSTOMER))["text"]  # asked once more
    [complaint] = rows(bot, "SELECT product, grade, first_response_due FROM complaints")
    assert complaint["product"] == "" and complaint["grade"] == "urgent"
    [regraded] = rows(bot, "SELECT detail FROM events WHERE kind = 'regraded'")
    detail = json.loads(regraded["detail"])
    assert (detail["from"], detail["to"]) == ("general", "urgent")
    assert "safety incident" in detail["rules"]
    kinds = [r["kind"] for r in rows(bot, "SELECT kind FROM messages WHERE direction = 'in'")]
    assert len(kinds) == 2 and not any(kind.startswith("answer:") for kind in kinds)
    await say(fake, "skip")  # typed: the customer can always skip
    assert "model" in (await to(fake, CUSTOMER))["text"]
    assert rows(bot, "SELECT product FROM complaints") == [{"product": ""}]


async def test_a_free_text_purchase_date_is_refused_and_a_day_word_is_counted_from_today(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake), clock=ManualClock(START))
    await say(fake, "The kettle I bought leaks and the handle is cracked, quality is terrible.")
    await to(fake, CUSTOMER)  # acknowledgement
    await to(fake, CUSTOMER)  # which product
    await say(fake, "Electric kettle")
    assert "model" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "K-200")
    assert "When did you buy" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "last tuesday")
    refused = await to(fake, CUSTOMER)
    assert "2026-03-02" in refused["text"] and "year-month-day" in refused["text"]
    assert "skip:purchase_date" in json.dumps(refused["reply_markup"])
    assert rows(bot, "SELECT purchase_date FROM complaints") == [{"purchase_date": ""}]
    await say(fake, "yesterday")
    assert "order" in (await to(fake, CUSTOMER))["text"]
    assert rows(bot, "SELECT purchase_date FROM complaints") == [{"purchase_date": "2026-03-01"}]


async def test_a_customer_may_ask_for_another_handler_in_their_own_words(
    fake: FakeTelegram, start_bot: Any
) -> None:
    settings = telegram_settings(fake)
    settings["departments"]["billing"]["supervisor"] = f"telegram:{GROUP}"
    settings["departments"]["billing"]["ask"] = []  # no guided questions pending
    settings["agents"].append({"name": "Mei Lin", "departments": ["billing"], "senior": True})
    bot = await start_bot(settings)
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    ack = await until(fake, CUSTOMER, "/handler")
    assert "I want another handler" in ack["text"]  # the acknowledgement says how to ask
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    await say(fake, f"/take {number}", chat=GROUP, chat_type="supergroup")
    await say(fake, "Nobody answers. Can I talk to a manager, please?")
    await until(fake, CUSTOMER, "Mei Lin")
    assert rows(bot, "SELECT assignee FROM complaints") == [{"assignee": "Mei Lin"}]
    notice = await until(fake, GROUP, "another handler")
    assert "Mei Lin takes over from Li Wei" in notice["text"]
