"""A bare "any news?" without a number, from a customer with one open complaint, continues that
complaint in every language instead of opening a second one with a full acknowledgement; with
two open complaints, or with anything more said, it is handled as before."""

from __future__ import annotations

from typing import Any

import pytest

from intake.status_questions import asks_for_news
from tests.channels.test_webhook import complaint, post, table_counts
from tests.factories import make_inbound

QUESTIONS = [
    "Any news about my complaint?",
    "Hi, any update? Thanks",
    "¿Hay alguna novedad sobre mi reclamación?",
    "Hola, ¿cómo va mi reclamación? Gracias",
    "我的投诉有消息了吗？",
    "请问处理得怎么样了？",
    "我的投訴有進展了嗎？",
    "請問進度如何？",
]


@pytest.mark.parametrize("question", QUESTIONS)
async def test_a_status_question_joins_the_one_open_complaint(
    start_bot: Any, question: str
) -> None:
    bot = await start_bot()
    first = (await post(bot, complaint("q-1", "My washing machine leaks water."))).json()
    asked = await post(bot, complaint("q-2", question))
    assert asked.status_code == 202
    assert asked.json()["complaint"] == first["complaint"]
    assert table_counts(bot.store_url)["complaints"] == 1


ASKED_IN = [
    ("Any news about my complaint?", "Where your open complaints stand"),
    ("Hola, ¿cómo va mi reclamación? Gracias", "Así están sus reclamaciones abiertas"),
    ("你好，我的投诉有消息了吗？", "您目前未结的投诉进展如下"),
    ("請問進度如何？", "您目前未結案的投訴進度如下"),
]


@pytest.mark.parametrize(("question", "heading"), ASKED_IN)
async def test_with_two_open_complaints_a_status_question_is_told_how_each_stands(
    start_bot: Any, question: str, heading: str
) -> None:
    """Asking "which one?" would cost the customer a round trip for an answer the desk already
    has: they are told each open complaint's number, status and next due time, and nothing
    is opened (a walkthrough's question went to the data protection office as a new case)."""
    bot = await start_bot()
    first = await post(bot, complaint("q-1", question_pair(question)[0]))
    second = await post(bot, complaint("q-2", question_pair(question)[1]))
    asked = await post(bot, complaint("q-3", question))
    assert asked.status_code == 202
    assert table_counts(bot.store_url)["complaints"] == 2
    answer = asked.json()
    assert answer["complaint"] == second.json()["complaint"]
    text = answer["acknowledgement"]
    assert heading in text
    for number in (first.json()["complaint"], second.json()["complaint"]):
        assert number in text


def question_pair(question: str) -> tuple[str, str]:
    """Two complaints in the question's language."""
    if question.startswith("Any"):
        return "My washing machine leaks water.", "The invoice charges me twice for delivery."
    if question.startswith("Hola"):
        return "Mi lavadora pierde agua.", "La factura me cobra dos veces el envío."
    if question.startswith("你好"):
        return "我的洗衣机漏水了。", "发票上的运费收了两次。"
    return "我的洗衣機漏水了。", "發票上的運費收了兩次。"


@pytest.mark.parametrize(
    "text",
    [
        "any news? the router died again",
        "¿alguna novedad? ahora también falla la secadora",
        "有消息吗？冰箱又坏了",
        "My router is broken",
        "no news from the courier for two weeks",
    ],
)
def test_a_question_that_says_more_is_not_a_bare_status_question(text: str) -> None:
    assert not asks_for_news(make_inbound(text=text))
