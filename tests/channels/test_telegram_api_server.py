"""The test Bot API server (tests/telegram_api.py), proved with the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from tests.conftest import Served, serve
from tests.telegram_api import FakeTelegram, Upload

TOKEN = "123456:TEST-TOKEN"
CHAT = 4242
PROMPT = 1.0  # seconds: what "at once" means on a loaded two-core machine


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, Served]]:
    fake = FakeTelegram()
    served = await serve(fake.app())
    yield fake, served
    fake.close()
    if not served.task.done():
        await served.stop()


def make_bot(served: Served, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=f"{served.url}/bot", base_file_url=f"{served.url}/file/bot")


def make_application(served: Served, token: str = TOKEN, *, updater: bool = False) -> Any:
    builder = (
        Application.builder()
        .token(token)
        .base_url(f"{served.url}/bot")
        .base_file_url(f"{served.url}/file/bot")
    )
    if not updater:
        builder = builder.updater(None)
    return builder.build()


async def test_initialize_reads_get_me(telegram: tuple[FakeTelegram, Served]) -> None:
    _, served = telegram
    async with make_bot(served) as bot:
        assert (bot.id, bot.username) == (123456, "complaints_bot")
        me = await bot.get_me()
        assert me.is_bot and me.first_name == "Complaints"


async def test_a_wrong_token_fails_at_initialize(telegram: tuple[FakeTelegram, Served]) -> None:
    fake, served = telegram
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with make_bot(served, "999:WRONG-TOKEN"):
            pass

    application = make_application(served, "999:WRONG-TOKEN")
    with pytest.raises(InvalidToken):
        await application.initialize()
    # Application.shutdown() returns early when initialize() failed, leaving the bot's two
    # httpx clients open: close them through the bot.
    await application.bot.shutdown()
    assert fake.calls == []  # refused before any method ran


async def test_get_updates_returns_a_pushed_update_and_the_offset_confirms_it(
    telegram: tuple[FakeTelegram, Served],
) -> None:
    fake, served = telegram
    first = fake.push_update(fake.message_update(chat_id=CHAT, user_id=CHAT, text="hello"))
    second = fake.push_update(
        {"message": fake.message_update(chat_id=CHAT, user_id=CHAT)["message"]}
    )
    assert second > first
    async with make_bot(served) as bot:
        updates = await bot.get_updates(timeout=0)
        assert [update.update_id for update in updates] == [first, second]
        assert updates[0].message is not None and updates[0].message.text == "hello"

        assert [u.update_id for u in await bot.get_updates(offset=first, timeout=0)] == [
            first,
            second,
        ]
        assert [u.update_id for u in await bot.get_updates(offset=second, timeout=0)] == [second]
        assert await bot.get_updates(offset=second + 1, timeout=0) == ()
        # confirmed means forgotten: an older offset brings nothing back
        assert await bot.get_updates(offset=first, timeout=0) == ()
    assert fake.offsets == [0, first, second, second + 1, first]
    assert fake.pending_updates == []


async def test_a_long_poll_returns_as_soon_as_an_update_is_pushed(
    telegram: tuple[FakeTelegram, Served],
) -> None:
    fake, served = telegram
    loop = asyncio.get_running_loop()
    async with make_bot(served) as bot:
        poll = asyncio.create_task(bot.get_updates(offset=5, timeout=30))
        assert await fake.next_poll() == 5
        pushed_at = loop.time()
        update_id = fake.push_update(fake.message_update(chat_id=CHAT, user_id=CHAT, text="hi"))
        async with asyncio.timeout(PROMPT):
            updates = await poll
        assert loop.time() - pushed_at < PROMPT
        assert [update.update_id for update in updates] == [update_id]


async def test_a_second_poll_ends_the_first_with_409(
    telegram: tuple[FakeTelegram, Served],
) -> None:
    # two bot instances, as with two processes (one Bot's getUpdates pool holds one connection)
    fake, served = telegram
    async with make_bot(served) as old, make_bot(served) as new:
        first = asyncio.create_task(old.get_updates(timeout=30))
        await fake.next_poll()
        second = asyncio.create_task(new.get_updates(timeout=30))
        await fake.next_poll()
        async with asyncio.timeout(PROMPT):
            with pytest.raises(Conflict, match="terminated by other getUpdates request"):
                await first
        fake.close()
        async with asyncio.timeout(PROMPT):
            assert await second == ()


async def test_send_message_records_the_text_and_the_inline_keyboard(
    telegram: tuple[FakeTelegram, Served],
) -> None:
    fake, served = telegram
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Schließen", callback_data="close:7"),
                InlineKeyboardButton("Status", url="https://example.com/c/7"),
            ]
        ]
    )
    async with make_bot(served) as bot:
        message = await bot.send_message(
            CHAT, "Beschwerde Nr. 7 erhalten ✅", reply_markup=keyboard
        )
        sent = await fake.next_sent()
        assert sent["chat_id"] == CHAT
        assert sent["text"] == "Beschwerde Nr. 7 erhalten ✅"
        assert sent["reply_markup"] == {
            "inline_keyboard": [
                [
                    {"text": "Schließen", "callback_data": "close:7"},
                    {"text": "Status", "url": "https://example.com/c/7"},
                ]
            ]
        }
        assert message.message_id == sent["result"]["message_id"] == 1
        assert message.reply_markup == keyboard
        assert message.from_user is not None and message.from_user.id == bot.id

        # strings stay strings even when they look like JSON; message ids count per chat
        again = await bot.send_message(CHAT, "123", disable_notification=True)
        other = await bot.send_message(CHAT + 1, "true")
        assert (await fake.next_sent())["text"] == "123"
        assert (await fake.next_sent())["text"] == "true"
        assert fake.sent[1]["disable_notification"] is True
        assert (again.message_id, other.message_id) == (2, 1)
        assert fake.sent_texts(CHAT) == ["Beschwerde Nr. 7 erhalten ✅", "123"]


async def test_telegram_refuses_what_it_refuses(telegram: tuple[FakeTelegram, Served]) -> None:
    fake, served = telegram
    async with make_bot(served) as bot:
        ok = await bot.send_message(CHAT, "<b>Nr. 7</b> &lt;urgent&gt;", parse_mode="HTML")
        assert ok.text == "Nr. 7 <urgent>"
        with pytest.raises(
            BadRequest, match=r'(?i)unsupported start tag "urgent" at byte offset 2'
        ):
            await bot.send_message(CHAT, "a <urgent> b", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
            await bot.send_message(CHAT, "<b>open", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(CHAT, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(CHAT, " ")
        await bot.send_message(CHAT, "😀" * 2048)  # 4096 UTF-16 units: the limit exactly
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(CHAT, "😀" * 2049)
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": CHAT})
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await bot.answer_callback_query("12345")
    statuses = [(call["method"], call["status"]) for call in fake.calls]
    assert statuses == [
        ("getMe", 200),
        *[("sendMessage", status) for status in (200, 400, 400, 400, 400, 200, 400)],
        ("answerCallbackQuery", 400),  # the unknown method never reached a handler
    ]


async def test_edits_follow_telegram(telegram: tuple[FakeTelegram, Served]) -> None:
    fake, served = telegram
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Close", callback_data="close:7")]])
    async with make_bot(served) as bot:
        message = await bot.send_message(CHAT, "Complaint 7", reply_markup=keyboard)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "Complaint 7", CHAT, message.message_id, reply_markup=keyboard
            )
        edited = await bot.edit_message_text("Complaint 7: closed", CHAT, message.message_id)
        assert not isinstance(edited, bool)
        assert edited.text == "Complaint 7: closed"
        assert edited.reply_markup is None  # an edit without reply_markup drops the keyboard
        assert edited.edit_date is not None
        again = await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=keyboard)
        assert not isinstance(again, bool) and again.reply_markup == keyboard
    assert [entry["method"] for entry in fake.sent] == [
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
    ]


async def test_get_file_and_download_to_memory_return_the_content(
    telegram: tuple[FakeTelegram, Served],
) -> None:
    fake, served = telegram
    content = bytes(range(256)) * 40 + b"\r\n--boundary--\r\n"
    fake.add_file("doc-1", content, "documents/Rechnung März 7.pdf")
    update = fake.message_update(
        chat_id=CHAT, user_id=CHAT, document=("doc-1", "Rechnung März.pdf"), caption="/start x"
    )
    async with make_bot(served) as bot:
        message = Update.de_json(update, bot).message
        assert message is not None and message.document is not None
        assert message.document.mime_type == "application/pdf"
        assert message.document.file_size == len(content)
        assert message.caption_entities[0].type == "bot_command"
        file = await message.document.get_file()
        assert file.file_path == f"{served.url}/file/bot{TOKEN}/documents/Rechnung März 7.pdf"
        buffer = io.BytesIO()
        await file.download_to_memory(buffer)
        assert buffer.getvalue() == content
        assert bytes(await file.download_as_bytearray()) == content
        assert (await fake.next_sent("getFile"))["file_id"] == "doc-1"
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("nope")


async def test_uploads_arrive_as_sent(telegram: tuple[FakeTelegram, Served]) -> None:
    fake, served = telegram
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    async with make_bot(served) as bot:
        photo_message = await bot.send_photo(CHAT, picture, caption="Beleg 1", filename="b.png")
        document_message = await bot.send_document(
            CHAT, b"a,b\r\n1,2\r\n", filename='Bericht "7".csv', caption="123"
        )
        photo = await fake.next_sent("sendPhoto")
        document = await fake.next_sent("sendDocument")
        assert photo["photo"] == Upload("b.png", "image/png", picture)
        assert photo["caption"] == "Beleg 1" and photo["chat_id"] == CHAT
        assert document["document"] == Upload('Bericht "7".csv', "text/csv", b"a,b\r\n1,2\r\n")
        assert document["caption"] == "123"
        # what the bot sent can be fetched back, like on Telegram
        largest = await photo_message.photo[-1].get_file()
        assert bytes(await largest.download_as_bytearray()) == picture
        assert document_message.document is not None
        assert document_message.document.file_name == 'Bericht "7".csv'
        # resending by file_id is not an upload; a user's file id works too, a made-up one not
        await bot.send_photo(CHAT, photo_message.photo[-1].file_id)
        assert (await fake.next_sent("sendPhoto"))["photo"] == photo_message.photo[-1].file_id
        fake.message_update(chat_id=CHAT, user_id=CHAT, document=("user-doc", "scan.pdf"))
        forwarded = await bot.send_document(CHAT + 1, "user-doc", caption="Complaint 7")
        assert forwarded.document is not None and forwarded.document.file_name == "scan.pdf"
        with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
            await bot.send_photo(CHAT, "made-up")


async def test_fail_next_429_raises_retry_after(
    telegram: tuple[FakeTelegram, Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, served = telegram
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)  # the bot opts in when it is imported
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    async with make_bot(served) as bot:
        # RetryAfter reads its own retry_after while being built: without PTB_TIMEDELTA that
        # warns (an error under filterwarnings = error) and the value is an int ...
        with pytest.warns(PTBDeprecationWarning), pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "first")
        with pytest.warns(PTBDeprecationWarning, match="retry_after"):
            assert caught.value.retry_after == 7
        # ... with PTB_TIMEDELTA=true it is a timedelta, and nothing warns
        monkeypatch.setenv("PTB_TIMEDELTA", "true")
        assert caught.value.retry_after == timedelta(seconds=7)
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        with pytest.raises(RetryAfter) as again:
            await bot.send_message(CHAT, "first")
        assert again.value.retry_after == timedelta(seconds=3)
        fake.fail_next("sendMessage", 400, "Bad Request: chat not found", times=2)
        for _ in range(2):
            with pytest.raises(BadRequest, match=r"(?i)chat not found"):
                await bot.send_message(CHAT, "second")
        await bot.send_message(CHAT, "third")
    sends = [call for call in fake.calls if call["method"] == "sendMessage"]
    assert [(call["status"], call["params"]["text"]) for call in sends] == [
        (429, "first"),
        (429, "first"),
        (400, "second"),
        (400, "second"),
        (200, "third"),
    ]
    assert fake.sent_texts() == ["third"]


async def test_a_blocked_chat_raises_forbidden(telegram: tuple[FakeTelegram, Served]) -> None:
    fake, served = telegram
    fake.blocked_chats.add(CHAT)
    async with make_bot(served) as bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(CHAT, "Your complaint 7")
        with pytest.raises(Forbidden):
            await bot.send_photo(CHAT, b"\x89PNG")
        await bot.send_message(CHAT + 1, "someone else")
    assert (await fake.next_call("sendMessage"))["status"] == 403
    assert fake.sent_texts() == ["someone else"]


async def test_application_handlers_receive_the_fake_updates(
    telegram: tuple[FakeTelegram, Served],
) -> None:
    fake, served = telegram
    seen: list[tuple[str, Any]] = []

    async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        seen.append(("start", context.args))
        await update.message.reply_text("Welcome! Describe your complaint.")

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.from_user is not None
        replied = message.reply_to_message
        seen.append(
            (
                "text",
                (
                    message.text,
                    message.from_user.language_code,
                    replied.text if replied else None,
                    replied.from_user.id if replied and replied.from_user else None,
                ),
            )
        )

    async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        kind = "photo" if message.photo else "voice" if message.voice else "document"
        seen.append((kind, message.caption))

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        seen.append(("button", (query.data, query.message.message_id)))
        await query.answer("Closed")
        await query.edit_message_text("Complaint 7: closed")

    application = make_application(served)
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(
        MessageHandler(filters.PHOTO | filters.VOICE | filters.Document.ALL, on_media)
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^close:"))

    async def feed(data: dict[str, Any]) -> None:
        await application.process_update(Update.de_json(data, application.bot))

    async with application:
        await feed(fake.message_update(chat_id=CHAT, user_id=CHAT, text="/start ref-9 x"))
        welcome = await fake.next_sent()
        assert welcome["text"] == "Welcome! Describe your complaint."
        assert welcome["chat_id"] == CHAT
        await feed(
            fake.message_update(
                chat_id=CHAT,
                user_id=CHAT,
                text="Mi pedido llegó roto",
                language_code="es",
                reply_to_message_id=welcome["result"]["message_id"],
            )
        )
        group = -1001234567890
        await feed(
            fake.message_update(
                chat_id=group,
                user_id=CHAT,
                text="/start@complaints_bot",
                chat_type="supergroup",
                chat_title="Shop support",
            )
        )
        await feed(fake.message_update(chat_id=group, user_id=CHAT, text="/start@other_bot"))
        await feed(
            fake.message_update(chat_id=CHAT, user_id=CHAT, photo_file_id="p-1", caption="Foto")
        )
        await feed(fake.message_update(chat_id=CHAT, user_id=CHAT, voice_file_id="v-1"))
        await feed(fake.message_update(chat_id=CHAT, user_id=CHAT, document=("d-1", "scan.pdf")))

        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Close", callback_data="close:7")]])
        ack = await application.bot.send_message(CHAT, "Complaint 7", reply_markup=keyboard)
        await feed(
            fake.callback_update(
                chat_id=CHAT, user_id=CHAT, data="close:7", message_id=ack.message_id
            )
        )
        answered = await fake.next_sent("answerCallbackQuery")
        edited = await fake.next_sent("editMessageText")

    assert seen == [
        ("start", ["ref-9", "x"]),
        ("text", ("Mi pedido llegó roto", "es", "Welcome! Describe your complaint.", 123456)),
        ("start", []),
        ("photo", "Foto"),
        ("voice", None),
        ("document", None),
        ("button", ("close:7", ack.message_id)),
    ]
    assert answered["text"] == "Closed"
    assert edited["message_id"] == ack.message_id
    assert "reply_markup" not in edited["result"]


async def test_an_updater_polls_advances_the_offset_and_stops_promptly(
    telegram: tuple[FakeTelegram, Served],
) -> None:
    fake, served = telegram
    received: asyncio.Queue[str] = asyncio.Queue()

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await received.put(update.message.text)

    application = make_application(served, updater=True)
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    first = fake.push_update(fake.message_update(chat_id=CHAT, user_id=CHAT, text="one"))
    await application.initialize()
    await application.start()
    await application.updater.start_polling(timeout=timedelta(seconds=30))
    try:
        async with asyncio.timeout(10):
            assert await received.get() == "one"
            while await fake.next_poll() != first + 1:
                pass
            second = fake.push_update(fake.message_update(chat_id=CHAT, user_id=CHAT, text="two"))
            assert await received.get() == "two"
            while await fake.next_poll() != second + 1:
                pass
    finally:
        loop = asyncio.get_running_loop()
        stopping = loop.time()
        async with asyncio.timeout(5):
            # Updater.stop() cancels its waiting request; the server notices the disconnect
            # and ends the poll, so uvicorn need not wait out the 30 s.
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            await served.stop()
        took = loop.time() - stopping
    assert took < 2 * PROMPT, took
    assert fake.pending_updates == []
    assert fake.offsets[-1] == second + 1


async def test_close_releases_a_waiting_poll_so_shutdown_is_prompt(
    telegram: tuple[FakeTelegram, Served],
) -> None:
    fake, served = telegram
    loop = asyncio.get_running_loop()
    async with make_bot(served) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await fake.next_poll()
        stopping = loop.time()
        fake.close()
        async with asyncio.timeout(5):
            await served.stop()
            assert await poll == ()
        took = loop.time() - stopping
    assert took < PROMPT, took


async def test_webhook_commands_and_plain_requests(telegram: tuple[FakeTelegram, Served]) -> None:
    fake, served = telegram
    async with make_bot(served) as bot:
        await bot.set_webhook("https://bot.example.com/telegram", secret_token="s3cr3t-123")
        assert fake.webhook is not None
        assert fake.webhook["url"] == "https://bot.example.com/telegram"
        assert fake.webhook["secret_token"] == "s3cr3t-123"
        fake.push_update(fake.message_update(chat_id=CHAT, user_id=CHAT, text="x"))
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == ("https://bot.example.com/telegram", 1)
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        await bot.delete_webhook(drop_pending_updates=True)
        assert fake.webhook is None
        assert await bot.get_updates(timeout=0) == ()

        await bot.set_my_commands([("start", "Start"), ("status", "Complaint status")])
        assert [command.command for command in await bot.get_my_commands()] == ["start", "status"]
        await bot.delete_my_commands()
        assert fake.commands == []
        assert await bot.close() is True
        assert await bot.log_out() is True

    api = f"{served.url}/bot{TOKEN}"
    async with httpx.AsyncClient(timeout=10) as client:
        query = await client.get(f"{api}/sendMessage", params={"chat_id": CHAT, "text": "q"})
        as_json = await client.post(
            f"{api}/sendmessage", json={"chat_id": CHAT, "text": "j", "reply_markup": {"a": 1}}
        )
        missing = await client.post(f"{api}/nothing")
        wrong = await client.post(f"{served.url}/bot1:X/getMe")
    assert query.json()["result"]["text"] == "q"
    assert as_json.json()["ok"] is True
    assert fake.sent[-1]["reply_markup"] == {"a": 1}
    assert (missing.status_code, missing.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert (wrong.status_code, json.loads(wrong.content)["description"]) == (401, "Unauthorized")
