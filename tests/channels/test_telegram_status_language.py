"""The Telegram /status speaks by the rule a bare status question typed as text is answered by
(`intake.status_questions.answer_language`), minus the text: the customer's /language choice,
else their Telegram app's language, else the language of the complaint such a question would
be kept on (the open one last active); every time in that language's zone. A customer with
complaints in two languages gets one language, as they do when they type "¿Hay alguna
novedad?"; through the real bot against tests/telegram_api.py."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from complaints.clock import ManualClock
from complaints.workflow import FINISHED
from tests.channels import test_telegram
from tests.channels.test_telegram import CUSTOMER, GROUP, rows, say, telegram_settings, to, until
from tests.conftest import START
from tests.intake.test_status_answer_language import (
    IN_LANGUAGE,
    TIME_FORMATS,
    ZONE_NAMES,
    ZONES,
    assert_wholly_in,
)
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture

WAIT = 20
"""Seconds any one expected message may take."""

ENGLISH = "I was charged twice on this month's bill."
CHINESE = "我家的宽带已经断网三天了，打客服电话也没人接。"


async def open_two(
    fake: FakeTelegram, bot: Any, clock: ManualClock, texts: tuple[str, str], app: str
) -> None:
    """Two open complaints of the customer, in the languages of `texts`, the second after
    /new; written from a Telegram app in language `app`."""
    for n, text in enumerate(texts):
        if n:
            await say(fake, "/new", language=app)
            await to(fake, CUSTOMER)
        clock.advance(timedelta(minutes=20))
        await say(fake, text, language=app)
        async with asyncio.timeout(WAIT):
            while True:  # up to its acknowledgement, which names its number
                text = (await to(fake, CUSTOMER))["text"]
                numbers = rows(bot, "SELECT number FROM complaints ORDER BY id")
                if len(numbers) > n and numbers[n]["number"] in text:
                    break
    clock.advance(timedelta(minutes=20))


def complaints_of(bot: Any) -> list[dict[str, Any]]:
    return rows(bot, "SELECT number, status, first_response_due, language FROM complaints")


def assert_status_in(text: str, language: str, complaints: list[dict[str, Any]]) -> None:
    """/status's answer lists each of `complaints` in `language` alone, the times of the open
    ones in that language's zone and named by it."""
    answers_by = IN_LANGUAGE[language][1]
    for other, phrases in IN_LANGUAGE.items():
        if other != language:
            assert not any(phrase in text for phrase in phrases), (other, text)
    zone = ZoneInfo(ZONES.get(language, "UTC"))
    for row in complaints:
        line = next(line for line in text.splitlines() if row["number"] in line)
        assert line.startswith(f"{row['number']} - "), line
        if row["status"] in FINISHED:
            continue  # nothing promised
        assert answers_by in line, line
        due = datetime.fromisoformat(str(row["first_response_due"])).replace(tzinfo=UTC)
        assert due.astimezone(zone).strftime(TIME_FORMATS[language]) in line, (line, zone)
    assert set(re.findall(r"[(（]([^()（）]+)[)）]", text)) == {ZONE_NAMES[language]}, text


def apart(line: str) -> tuple[str, str]:
    """A status line's number and what it promises, without the status between them, which
    may have moved from new to acknowledged meanwhile (the outbox records the delivery)."""
    number, _, rest = line.partition(" - ")
    return number, rest.partition(". ")[2]


async def status(fake: FakeTelegram, app: str) -> str:
    """/status's answer (its lines start with a number); other messages are passed over."""
    await say(fake, "/status", language=app)
    async with asyncio.timeout(WAIT):
        while not (text := str((await to(fake, CUSTOMER))["text"])).startswith("C-"):
            pass
        return text


async def test_status_speaks_the_app_language_over_complaints_in_two_others(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """A Spanish Telegram app, an English and a Chinese complaint: /status is wholly Spanish,
    in Madrid's time, and lists what the typed "¿Hay alguna novedad?" lists, line for line."""
    clock = ManualClock(START)
    settings = {**telegram_settings(fake), "bot": {"customer_timezones": ZONES}}
    bot = await start_bot(settings, clock)
    await open_two(fake, bot, clock, (ENGLISH, CHINESE), app="es")
    complaints = complaints_of(bot)
    assert {row["language"] for row in complaints} == {"en", "zh-Hans"}
    by_command = await status(fake, "es")
    assert_status_in(by_command, "es", complaints)
    await say(fake, "¿Hay alguna novedad?", language="es")
    async with asyncio.timeout(WAIT):
        typed = str((await until(fake, CUSTOMER, IN_LANGUAGE["es"][0]))["text"])
    assert_wholly_in(typed, "es", complaints_of(bot))
    listed = [line for line in typed.splitlines() if line.startswith("C-")]
    assert [apart(line) for line in listed] == [apart(line) for line in by_command.splitlines()]


async def test_without_an_app_language_status_speaks_the_open_complaints_not_the_newests(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """An app in a language the bot does not speak, a Chinese complaint then an English one,
    which the desk resolves: /status is wholly in simplified Chinese, in Shanghai's time (the
    language of the open complaint a typed question would be kept on), not the newest's.
    The customer's /language choice then wins over both."""
    clock = ManualClock(START)
    settings = {**telegram_settings(fake), "bot": {"customer_timezones": ZONES}}
    bot = await start_bot(settings, clock)
    await open_two(fake, bot, clock, (CHINESE, ENGLISH), app="fr")
    newer = rows(bot, "SELECT number FROM complaints ORDER BY id")[1]["number"]
    group = {"chat": GROUP, "chat_type": "supergroup"}
    await say(fake, f"/resolve {newer} refunded the second charge", **group)
    async with asyncio.timeout(WAIT):
        await until(fake, CUSTOMER, newer)
    assert_status_in(await status(fake, "fr"), "zh-Hans", complaints_of(bot))
    await say(fake, "/language", language="fr")
    menu = await to(fake, CUSTOMER)
    test_telegram.choose_from(fake, menu, "lang:en")
    async with asyncio.timeout(WAIT):
        await until(fake, CUSTOMER, "English")
    assert_status_in(await status(fake, "fr"), "en", complaints_of(bot))
