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


async def test_with_two_open_complaints_a_status_question_is_a_complaint_of_its_own(
    start_bot: Any,
) -> None:
    """Which of the two would it ask about? A person reads it."""
    bot = await start_bot()
    await post(bot, complaint("q-1", "My washing machine leaks water."))
    await post(bot, complaint("q-2", "The invoice charges me twice for delivery."))
    asked = await post(bot, complaint("q-3", "Any news about my complaint?"))
    assert asked.status_code == 202
    assert table_counts(bot.store_url)["complaints"] == 3


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
