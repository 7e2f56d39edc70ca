"""Asking for another handler: the commands, the request phrased naturally in four languages,
and the messages that merely mention a manager."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from complaints.languages import SUPPORTED
from intake.handler_requests import SHORT_WORDS, TAG, asks_for_handler
from outbox.settings import CustomerZones
from outbox.templates import Replies
from tests.channels.test_webhook import complaint, post
from tests.outbox.test_templates import RULES, context

COMMANDS = ["/handler", "Change handler, please.", "cambiar de gestor", "更换处理人", "更換處理人"]

REQUESTS = [
    # en
    "I want to speak to someone else",
    "Hello, nobody has answered in two weeks. I want to speak to a manager now. Ana",
    "Can I talk to a manager?",
    "I'd like another agent, please.",
    "I want another handler",
    "Could I have a different agent?",
    "Please transfer me to a supervisor.",
    "Can you escalate it to a manager",
    "Another agent please",
    "No, I want a manager",
    "No one has answered me so I want another agent",
    "ok /handler",
    # es
    "Quiero hablar con otra persona",
    "Hola, ya llevo dos semanas. Quiero hablar con un supervisor.",
    "Quisiera cambiar de gestor, por favor",
    "Quiero otro gestor",
    "Necesito que me atienda otra persona.",
    "¿Pueden pasarme con el responsable?",
    "Páseme con un supervisor, por favor.",
    # zh-Hans
    "我要换个处理人",
    "换人处理",
    "找你们主管",
    "能不能换一个处理人？",
    "可不可以换个人",
    "请换个客服",
    "我要跟你们经理谈",
    "让你们主管联系我",
    "都两个星期了，我要换人",
    # zh-Hant
    "我要換個處理人",
    "找主管",
    "請讓別人處理",
    "我要換人處理",
    # zh-Hant, Cantonese
    "我要搵你哋經理",
    "我想搵主管傾",
    "C-2026-000006 點呀？仲係冇訊號，我要搵你哋經理。",
    "我要同你哋經理講",
    "搵過第二個同事跟啦",
    "叫你哋主管打返畀我",
    "轉畀經理處理",
    "可唔可以換個人跟",
    "唔該幫我搵經理",
    # zh-Hant, Taiwanese Mandarin
    "我要找你們經理",
    "麻煩幫我轉主管",
    "請你們主管跟我聯絡",
    "我要換承辦人",
    "可以換一位專員嗎？",
    "我要跟你們的主管談",
    "可以請你們主管打給我嗎？",
    "麻煩請主管回電",
]

NOT_REQUESTS = [
    "The manager was rude to me.",
    "I tried to talk to the manager but he ignored me.",
    "I don't want to speak to a manager, I want my money back.",
    "I do not need another agent",
    "The other agent was rude",
    "I want a refund, the manager promised one",
    "I want to complain about your manager",
    "I need another one of these, the first broke.",
    "Hablé con el encargado y me dijo que no",
    "No quiero hablar con otra persona, quiero mi dinero.",
    "Tu encargado me trató fatal",
    "不用换个处理人",
    "我不想换客服",
    "我想更换个人信息",  # personal details, not a person
    "找经理也没用",
    "跟经理说过了，没有用",
    "我跟经理说过了",
    "你们经理态度很差",
    "客服态度很差，我要投诉你们经理",
    "为什么又换人",
    "經理處理得很差",
    "唔使搵經理",
    "我唔想搵主管",
    "你哋經理態度好差",
    "我搵過經理都冇用",
    "你們主管叫我等",
    "承辦人態度很差",
    # A long complaint that asks for a manager somewhere is a complaint in its own right.
    "I bought a washing machine three weeks ago and it has been leaking from the first day. "
    "I called twice, an engineer came and said the pump was broken, and then nobody came "
    "back. I want to speak to a manager about compensation for the damaged floor.",
    "三个星期前我买了一台洗衣机，第一天就开始漏水。我打了两次电话，师傅来了说水泵坏了，"
    "然后就再也没有人来过。地板都泡坏了，我要找你们主管谈赔偿的问题，请尽快处理。",
]


@pytest.mark.parametrize("text", COMMANDS)
def test_the_commands_still_work(text: str) -> None:
    assert asks_for_handler(text)
    assert asks_for_handler(text + " " + "because nobody answers me at all. " * 20)


@pytest.mark.parametrize("text", REQUESTS)
def test_a_request_phrased_naturally_in_a_short_message(text: str) -> None:
    assert asks_for_handler(text)


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_a_mention_a_negation_or_a_long_complaint_is_no_request(text: str) -> None:
    assert not asks_for_handler(text)


def test_short_is_counted_in_words_and_half_chinese_characters() -> None:
    padding = "we waited " * ((SHORT_WORDS - 6) // 2)
    assert asks_for_handler(f"{padding} I want another agent")
    assert not asks_for_handler(f"{padding} and waited and waited. I want another agent")
    assert asks_for_handler("等" * (2 * SHORT_WORDS - 8) + "，我要换个处理人")
    assert not asks_for_handler("等" * (2 * SHORT_WORDS) + "，我要换个处理人")


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize("channel", ["telegram", "email", "webhook"])
def test_the_acknowledgement_tells_how_to_ask_and_its_phrase_works(
    language: str, channel: str
) -> None:
    """Every customer may ask in words; only Telegram's are told of the /handler command."""
    replies = Replies(None, lambda: RULES, CustomerZones(ZoneInfo("UTC")), "ACME")
    text = replies.render("acknowledgement", replace(context(language), channel=channel))
    assert ("/handler" in text) == (channel == "telegram"), text
    quoted = re.findall(r"[\"«“「]([^\"»”」]+)[\"»”」]", text)
    assert quoted, text
    assert all(asks_for_handler(phrase) for phrase in quoted), quoted


@pytest.mark.parametrize(
    "text",
    [
        "我要搵你哋經理",
        "我想搵主管傾",
        "{number} 點呀？仲係冇訊號，我要搵你哋經理。",
        "我要找你們經理",
    ],
)
async def test_a_cantonese_or_taiwanese_request_by_webhook_reaches_the_desk(
    start_bot: Any, text: str
) -> None:
    """End to end on the shipped settings (no senior agent): the tag, the event, and the
    customer told that another person will be assigned (in traditional Chinese)."""
    bot = await start_bot()
    opened = (await post(bot, complaint("h-1", "我部電話由星期一開始冇晒訊號，成日斷線。"))).json()
    number = opened["complaint"]
    body = complaint("h-2", text.format(number=number))
    if "{number}" not in text:
        body["complaint"] = number
    asked = await post(bot, body)
    assert asked.status_code == 202, asked.text
    assert asked.json()["complaint"] == number
    assert "已記錄您更換處理人的請求" in asked.json()["acknowledgement"], asked.json()
    [stored] = _rows(bot, "SELECT tags FROM complaints")
    assert TAG in json.loads(stored["tags"])
    assert len(_rows(bot, "SELECT id FROM events WHERE kind = 'handler_requested'")) == 1


def _rows(bot: Any, query: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        found = [dict(row) for row in connection.execute(sa.text(query)).mappings()]
    engine.dispose()
    return found
