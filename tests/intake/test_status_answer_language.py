"""The answer to a bare "any news?" from a customer with open complaints in two languages is one
message to one person: wholly in the language of the question they just asked, every time in
that language's zone (`[bot] customer_timezones`), whichever complaint the question is kept
on. A tester had a Spanish question answered wholly in English by webhook (the English
complaint was the last active), with the Spanish complaint's time in UTC, and by mail the
mirror. Through the real bot: the webhook over HTTP, e-mail through its SMTP intake."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from complaints.clock import ManualClock
from outbox.names import status_name
from tests.channels.test_email import body, rows
from tests.channels.test_webhook import complaint, post
from tests.conftest import START
from tests.mailpeers import Sink, mail, send

ZONES = {"es": "Europe/Madrid", "zh-Hans": "Asia/Shanghai"}
"""`[bot] customer_timezones` of the tests; English reads `[bot] timezone`, UTC."""

IN_LANGUAGE = {
    "en": ("Where your open complaints stand", "A person will answer you by"),
    "es": ("Así están sus reclamaciones abiertas", "Una persona le responderá antes del"),
    "zh-Hans": ("您目前未结的投诉进展如下", "工作人员将在"),
    "zh-Hant": ("您目前未結案的投訴進度如下", "專人將於"),
}
"""Per language, the answer's heading and the start of its "a person answers by" sentence."""

ZONE_NAMES = {
    "en": "Coordinated Universal Time",
    "es": "hora estándar de Europa central",
    "zh-Hans": "中国标准时间",
}
"""How each language names its own zone on 2 March 2026 (no summer time yet)."""

TIME_FORMATS = {"en": "%d %b %Y %H:%M", "es": "%d/%m/%Y a las %H:%M", "zh-Hans": "%H:%M"}

SPANISH = "Me cobraron dos veces la factura de noviembre."
ENGLISH = "The technician never came to install my fibre."
CHINESE = "我家的宽带已经断网三天了，打客服电话也没人接。"

SCENARIOS = [
    pytest.param((SPANISH, ENGLISH), "¿Hay alguna novedad?", "es", id="es-question-kept-on-en"),
    pytest.param(
        (SPANISH, ENGLISH), "Hola, ¿hay alguna novedad?", "es", id="es-greeting-kept-on-en"
    ),
    pytest.param((ENGLISH, SPANISH), "Any news about my complaint?", "en", id="en-kept-on-es"),
    pytest.param((CHINESE, SPANISH), "我的投诉有消息了吗？", "zh-Hans", id="zh-kept-on-es"),
    pytest.param((ENGLISH, SPANISH), "Any news?", "en", id="bare-en-kept-on-es"),
    pytest.param((SPANISH, ENGLISH), "Alguna novedad?", "es", id="bare-es-kept-on-en"),
]


def assert_wholly_in(text: str, language: str, open_: list[dict[str, Any]]) -> None:
    """`text` lists each of `open_` (rows of complaints) in `language` alone, with their times
    in `language`'s zone and named by it; no sentence or zone name of another language."""
    heading, answers_by = IN_LANGUAGE[language]
    assert heading in text, text
    for other, phrases in IN_LANGUAGE.items():
        if other != language:
            assert not any(phrase in text for phrase in phrases), (other, text)
    zone = ZoneInfo(ZONES.get(language, "UTC"))
    for row in open_:
        line = next(line for line in text.splitlines() if row["number"] in line)
        assert line.startswith(f"{row['number']} - {status_name(language, row['status'])}"), line
        assert answers_by in line, line
        due = datetime.fromisoformat(str(row["first_response_due"])).replace(tzinfo=UTC)
        assert due.astimezone(zone).strftime(TIME_FORMATS[language]) in line, (line, zone)
    named = set(re.findall(r"[(（]([^()（）]+)[)）]", text))
    assert named == {ZONE_NAMES[language]}, text


def _open(bot: Any) -> list[dict[str, Any]]:
    return rows(bot, "SELECT number, status, first_response_due FROM complaints ORDER BY id")


@pytest.mark.parametrize(("complaints", "question", "language"), SCENARIOS)
async def test_a_webhook_status_question_is_answered_wholly_in_its_language(
    start_bot: Any, complaints: tuple[str, str], question: str, language: str
) -> None:
    clock = ManualClock(START)
    bot = await start_bot({"bot": {"customer_timezones": ZONES}}, clock)
    for n, text in enumerate(complaints):
        assert (await post(bot, complaint(f"s-{n}", text))).status_code == 202
        clock.advance(timedelta(minutes=20))
    asked = await post(bot, complaint("s-question", question))
    assert asked.status_code == 202
    answer = asked.json()
    assert answer["language"] == language
    assert_wholly_in(answer["acknowledgement"], language, _open(bot))
    queued = rows(bot, "SELECT payload FROM outbox WHERE kind = 'followup'")
    assert [p["payload"] for p in queued] == []  # the webhook answers in its response
    told = rows(bot, "SELECT language, text FROM messages WHERE direction = 'out' ORDER BY id")
    assert told[-1] == {"language": language, "text": answer["acknowledgement"]}


@pytest.fixture
async def mailbot(start_bot: Any, sink: Sink) -> Any:
    clock = ManualClock(START)
    overrides = {"email": {"relay": {"port": sink.port}}, "bot": {"customer_timezones": ZONES}}
    bot = await start_bot(overrides, clock)
    bot.smtp_port = bot.app.state.services.channels["email"].smtp_port
    bot.clock = clock
    return bot


@pytest.mark.parametrize(("complaints", "question", "language"), SCENARIOS)
async def test_a_mailed_status_question_is_answered_wholly_in_its_language(
    mailbot: Any, sink: Sink, complaints: tuple[str, str], question: str, language: str
) -> None:
    for n, text in enumerate(complaints):
        await send(mailbot.smtp_port, mail(text, subject=f"{n + 1}", message_id=f"<s{n}@c.test>"))
        await sink.next()
        mailbot.clock.advance(timedelta(minutes=20))
    await send(mailbot.smtp_port, mail(question, subject="?", message_id="<ask@c.test>"))
    answer = await sink.next()
    assert len(rows(mailbot, "SELECT id FROM complaints")) == 2
    assert answer["Content-Language"] == language
    assert_wholly_in(body(answer), language, _open(mailbot))


async def test_with_one_open_complaint_the_follow_up_is_in_the_questions_language(
    start_bot: Any,
) -> None:
    """The same rule with nothing to list: the follow-up saying where the one complaint stands
    is the answer to the question, so it is in the question's language and zone too; the
    complaint keeps its own language."""
    clock = ManualClock(START)
    bot = await start_bot({"bot": {"customer_timezones": ZONES}}, clock)
    await post(bot, complaint("one-0", ENGLISH))
    clock.advance(timedelta(minutes=20))
    answer = (await post(bot, complaint("one-1", "¿Hay alguna novedad?"))).json()
    assert answer["language"] == "es"
    text = answer["acknowledgement"]
    assert "Situación actual" in text and IN_LANGUAGE["es"][1] in text
    assert "Where it stands" not in text and IN_LANGUAGE["en"][1] not in text
    assert set(re.findall(r"\(([^()]+)\)", text)) == {ZONE_NAMES["es"]}
    assert rows(bot, "SELECT language FROM complaints") == [{"language": "en"}]
