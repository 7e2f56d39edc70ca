"""What the Telegram chat does with what is not a plain new message: edits (a customer's is more
of the complaint, an agent's is not sent twice), the survey's one answer. Through the real bot
(python-telegram-bot against tests/telegram_api.py), as tests/channels/test_telegram.py does."""

from __future__ import annotations

import re
import time
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler

from complaints.clock import ManualClock
from complaints.languages import SUPPORTED
from outbox import texts
from tests.channels import test_telegram
from tests.channels.test_telegram import (
    AGENT,
    CUSTOMER,
    GROUP,
    _resolve_and_score_one,
    handle,
    reply_in_group,
    rows,
    say,
    telegram_settings,
    to,
    until,
)
from tests.conftest import START
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture


def edited(fake: FakeTelegram, update: dict, text: str) -> None:
    """Queue the update Telegram sends when the message of `update` is edited to `text`."""
    message = {**update["message"], "text": text, "edit_date": int(time.time()) + 1}
    fake.push_update({"edited_message": message})


async def test_a_customers_edit_is_recorded_as_edited_and_regrades_the_complaint(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: the edit had the original's dedupe key and was dropped silently."""
    bot = await start_bot(telegram_settings(fake))
    first = await say(fake, "The kettle I bought leaks and the handle is cracked, quality is bad.")
    await to(fake, CUSTOMER)  # acknowledgement
    assert "Which product" in (await to(fake, CUSTOMER))["text"]
    edited(fake, first, "The kettle leaks, the handle is cracked; it is sparking near the socket")
    assert "added your message" in (await to(fake, CUSTOMER))["text"]
    [complaint] = rows(bot, "SELECT grade FROM complaints")
    assert complaint["grade"] == "urgent"
    stored = [r["text"] for r in rows(bot, "SELECT text FROM messages WHERE direction = 'in'")]
    assert len(stored) == 2 and stored[1].startswith("(edited) The kettle leaks")


async def test_an_agents_edited_reply_is_not_sent_again_and_the_agent_is_told(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: the edit went to the customer as a second letter."""
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    post = await to(fake, GROUP)
    reply = await reply_in_group(fake, post, "We will refund the second charge on Monday.")
    await until(fake, CUSTOMER, "refund")
    await until(fake, GROUP, "by Telegram")
    edited(fake, reply, "We will refund the second charge on Tuesday.")
    told = await until(fake, GROUP, "Edits are not delivered")
    assert "send a new reply" in told["text"]
    assert len(rows(bot, "SELECT id FROM events WHERE kind = 'agent_replied'")) == 1
    assert not [text for text in fake.sent_texts(CUSTOMER) if "Tuesday" in text]


async def test_an_edited_note_adds_no_second_note_and_the_agent_is_told_in_their_language(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: the edited /note ran again (a second note)."""
    bot = await start_bot(telegram_settings(fake))
    await bot.app.state.services.accounts.create(
        "Rosa Díaz", "agent", ["billing"], telegram_user_id=AGENT + 1, language="es"
    )
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    note = fake.message_update(
        chat_id=GROUP,
        user_id=AGENT + 1,
        chat_type="supergroup",
        text=f"/note {number} called the bank",
    )
    fake.push_update(note)
    await until(fake, GROUP, "nota interna")
    edited(fake, note, f"/note {number} called the bank twice")
    await until(fake, GROUP, "no se ejecutan de nuevo")
    assert len(rows(bot, "SELECT id FROM events WHERE kind = 'note'")) == 1


async def test_a_low_score_by_button_gets_only_the_reopening_notice(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: "recorded", "thanks, add a comment" and the reopening notice, all three."""
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    number = await _resolve_and_score_one(fake, bot, clock, "I was charged twice on my bill.")
    answered = [call for call in fake.calls if call["method"] == "answerCallbackQuery"]
    assert "text" not in answered[-1]["params"]
    await bot.app.state.services.dispatcher.dispatch_due()
    reopened = texts.say("en", "reopened_by_team", number=number)
    assert (await until(fake, CUSTOMER, "reopened"))["text"] == reopened
    thanks = texts.say("en", "survey_thanks")
    assert thanks not in fake.sent_texts(CUSTOMER)


async def test_a_customer_who_blocked_the_bot_is_reported_to_the_group_once(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: the failures were only an event and an ERROR log line."""
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    channel = bot.app.state.services.channels["telegram"]
    dispatcher = bot.app.state.services.dispatcher
    fake.blocked_chats.add(CUSTOMER)
    update = fake.message_update(
        chat_id=CUSTOMER, user_id=CUSTOMER, text="I was charged twice on this month's bill."
    )
    await handle(channel, update)
    await dispatcher.dispatch_due()  # acknowledgement and question fail, the group post leaves
    await dispatcher.dispatch_due()  # the desk's notice
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    told = [text for text in fake.sent_texts(GROUP) if "could not be delivered" in text]
    assert len(told) == 1 and told[0].startswith(number) and "blocked" in told[0]
    assert len(rows(bot, "SELECT id FROM events WHERE kind = 'undelivered_told'")) == 1
    assert await dispatcher.dispatch_due() == 0


def media_update(fake: FakeTelegram, chat: int, **content: Any) -> dict:
    """A message of `chat` carrying `content` (a video, a sticker…) instead of a text."""
    update = fake.message_update(chat_id=chat, user_id=chat, text="x", language_code="es")
    del update["message"]["text"]
    update["message"].update(content)
    return update


async def test_a_video_is_kept_and_a_sticker_is_answered_in_the_customers_language(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: neither was stored nor answered."""
    bot = await start_bot(telegram_settings(fake))
    fake.add_file("vid-1", b"\x00\x00\x00\x18ftypmp42" + bytes(300))
    video = {"file_id": "vid-1", "file_unique_id": "u-vid-1", "width": 640, "height": 480}
    video |= {"duration": 8, "mime_type": "video/mp4", "file_size": 312}
    caption = "Miren el vídeo: la nevera nueva gotea agua por todas partes y no enfría nada."
    fake.push_update(media_update(fake, CUSTOMER, video=video, caption=caption))
    assert "número de su reclamación" in (await to(fake, CUSTOMER))["text"]
    [stored] = rows(bot, "SELECT filename, content_type FROM attachments")
    assert stored["filename"].startswith("video-") and stored["content_type"] == "video/mp4"
    assert "nevera nueva gotea" in rows(bot, "SELECT text FROM messages")[0]["text"]
    sticker = {"file_id": "st-1", "file_unique_id": "u-st-1", "width": 512, "height": 512}
    sticker |= {"is_animated": False, "is_video": False, "type": "regular", "emoji": "😡"}
    fake.push_update(media_update(fake, CUSTOMER, sticker=sticker))
    answer = await until(fake, CUSTOMER, "no puedo guardar")
    assert "Escriba con palabras" in answer["text"]
    assert len(rows(bot, "SELECT id FROM messages WHERE direction = 'in'")) == 1


async def test_an_agents_photo_reply_is_answered_not_dropped(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: ignored without a word."""
    await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    post = await to(fake, GROUP)
    fake.add_file("gph-1", b"\xff\xd8\xff" + bytes(50))
    await reply_in_group(
        fake, post, "", photo_file_id="gph-1", caption="This is the spare part we will fit."
    )
    told = await until(fake, GROUP, "Files are not sent")
    assert "Write your reply as text" in told["text"]


async def test_help_unknown_commands_and_the_menu_in_each_language(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: no answer to /help, /ayuda or /foo, and no setMyCommands."""
    await start_bot(telegram_settings(fake))
    assert [c["command"] for c in fake.menus[("all_private_chats", "es")]][-1] == "help"
    assert fake.menus[("all_private_chats", "zh")][0]["description"] == "查看您的投诉"
    assert fake.menus[("all_private_chats", "")][0]["description"] == "Your complaints"
    await say(fake, "/ayuda", language="es")
    assert "/handler - pedir" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "/foo", language="zh-hant")
    assert "傳送 /help" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "/help", chat=GROUP, chat_type="supergroup")
    assert "/grade C-… general, important, urgent" in (await to(fake, GROUP))["text"]
    await say(fake, "/frobnicate", chat=GROUP, chat_type="supergroup")
    assert "Send /help to see the commands" in (await to(fake, GROUP))["text"]
    await say(fake, "/frobnicate@other_bot", chat=GROUP, chat_type="supergroup")
    await say(fake, "/help", chat=GROUP, chat_type="supergroup")
    assert "Reply to a post" in (await to(fake, GROUP))["text"]  # nothing for the other bot


async def test_help_names_every_command_a_customer_can_send_in_every_language(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """/help against the commands the running bot answers in a private chat: each is named
    in every language (one name is enough for several with the same answer, as /ayuda and
    /help); /start is left out, it opens the chat and is the greeting itself."""
    bot = await start_bot(telegram_settings(fake))
    channel = bot.app.state.services.channels["telegram"]
    names_by_answer: dict[object, set[str]] = {}
    for group in channel.application.handlers.values():
        for handler in group:
            if not isinstance(handler, CommandHandler):
                continue
            for command in handler.commands:
                update = fake.message_update(chat_id=CUSTOMER, user_id=CUSTOMER, text=f"/{command}")
                if handler.check_update(Update.de_json(update, channel.bot)):
                    names_by_answer.setdefault(handler.callback, set()).add(command)
    customers = [names for names in names_by_answer.values() if names != {"start"}]
    assert {"status", "handler", "help", "ayuda"} <= set().union(*customers)
    for code in ("en", "es", "zh-hans", "zh-hant"):
        await say(fake, "/help", language=code)
        shown = (await to(fake, CUSTOMER))["text"]
        missing = [names for names in customers if not any(f"/{n}" in shown for n in names)]
        assert not missing, f"{code}: {missing} not in {shown!r}"


async def test_grade_takes_the_agents_own_words_and_a_number_in_lower_case(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: "紧急" was refused with a list that named it, "c-…" got the usage."""
    bot = await start_bot(telegram_settings(fake))
    await bot.app.state.services.accounts.create(
        "Wang Fang", "agent", ["billing"], telegram_user_id=AGENT + 2, language="zh-Hans"
    )
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    agent = {"chat": GROUP, "chat_type": "supergroup"}
    fake.push_update(
        fake.message_update(
            chat_id=GROUP, user_id=AGENT + 2, chat_type="supergroup", text=f"/grade {number} 紧急"
        )
    )
    assert number in (await to(fake, GROUP))["text"]
    assert rows(bot, "SELECT grade FROM complaints") == [{"grade": "urgent"}]
    await say(fake, f"/take {number.lower()}", **agent)
    assert "Usage" not in (await to(fake, GROUP))["text"]
    assert rows(bot, "SELECT assignee FROM complaints") == [{"assignee": "Li Wei"}]


async def test_start_tells_a_new_customer_to_write_and_how_to_follow_and_find_the_commands(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: the greeting did not mention /help. Each customer's own chat, in their
    Telegram language."""
    await start_bot(telegram_settings(fake))
    for offset, (code, write) in enumerate(
        (
            ("en", "Tell me in your own words"),
            ("es", "Cuénteme con sus palabras"),
            ("zh-hans", "请用您自己的话告诉我"),
            ("zh-hant", "請用您自己的話告訴我"),
        )
    ):
        chat = CUSTOMER + 10 + offset
        await say(fake, "/start", chat=chat, language=code)
        greeting = (await to(fake, chat))["text"]
        assert write in greeting and "/status" in greeting and "/help" in greeting, greeting


def test_the_greeting_names_the_same_commands_in_every_language() -> None:
    """Failed before: /handler only in English. The full list is /help's; the greeting points
    to it and to /status."""
    named = {
        language: set(re.findall(r"/[a-z]+", texts.say(language, "welcome", hello="", company="A")))
        for language in SUPPORTED
    }
    assert all(commands == {"/status", "/help"} for commands in named.values()), named


async def test_without_e_mail_help_leaves_out_link_as_the_menu_does(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """/link mails a code: with no e-mail channel neither /help nor the "/" menu offers it."""
    settings = telegram_settings(fake)
    settings["email"]["smtp_server"] = {"enabled": False}
    await start_bot(settings)
    for code in ("en", "es", "zh-hans", "zh-hant"):
        await say(fake, "/help", language=code)
        shown = (await to(fake, CUSTOMER))["text"]
        assert "/status" in shown and "/handler" in shown and "/help" in shown, shown
        assert "/link" not in shown, f"{code}: {shown!r}"
    assert fake.menus and all(
        "link" not in [entry["command"] for entry in menu] for menu in fake.menus.values()
    )
