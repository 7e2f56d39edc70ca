"""Letters to the customer (a resolution, an agent's reply): greeting, text, closing, in each
language; a text that greets already is a letter of its own (no second greeting or closing);
and every notice the notifier
sends has an outbox kind of its own that the channels treat as the bot's (automatic)."""

from __future__ import annotations

import pytest

from channels.base import AUTOMATIC_KINDS
from outbox.letters import greets, letter
from outbox.notify import NOTICES
from outbox.texts import TEXTS


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("en", "Ana", "Dear Ana,\n\nRefunded.\n\nKind regards,\nLi Wei\nACME"),
        ("en", "", "Dear customer,\n\nRefunded.\n\nKind regards,\nLi Wei\nACME"),
        ("es", "Ana", "Estimado/a Ana:\n\nRefunded.\n\nAtentamente,\nLi Wei\nACME"),
        ("zh-Hans", "王丽", "王丽，您好：\n\nRefunded.\n\n祝您生活愉快！\nLi Wei\nACME"),
        ("zh-Hant", "", "親愛的客戶，您好：\n\nRefunded.\n\n祝您生活愉快！\nLi Wei\nACME"),
    ],
)
def test_a_letter_greets_by_name_and_closes_signed(language: str, name: str, expected: str) -> None:
    assert letter(language, "Refunded.", name=name, company="ACME", signer="Li Wei") == expected


def test_without_a_signer_the_company_closes_alone() -> None:
    assert letter("en", "Done.", name="Ana", company="ACME").endswith("Kind regards,\nACME")


@pytest.mark.parametrize(
    "text",
    [
        "Dear Ana,\n\nThe refund is on its way.",
        "dear customer, the refund is on its way",
        "Hello Ana, the refund is on its way.",
        "Hi Ana,\nthe refund is on its way.",
        "Hi, the refund is on its way.",
        "Good morning Ana, the refund is on its way.",
        "Estimada Ana:\nya le hemos devuelto el cargo.",
        "Hola Ana, ya le hemos devuelto el cargo.",
        "Buenos días, ya le hemos devuelto el cargo.",
        "王女士，您好：\n退款已经发出。",
        "您好，退款已经发出。",
        "尊敬的王女士：\n退款已经发出。",
        "親愛的王小姐：退款已經發出。",
    ],
)
def test_a_text_that_greets_is_a_letter_of_its_own(text: str) -> None:
    assert greets(text)
    assert letter("en", f"{text}\n", name="Ana", company="ACME", signer="Li Wei") == text


@pytest.mark.parametrize(
    "text",
    [
        "The refund is on its way; dear as it was, we pay it.",
        "History of your bill: two charges.",
        "Holanda no tiene nada que ver.",
        "退款已经发出。如有疑问，您好好看一下账单。" + "说明" * 10 + "您好",
    ],
)
def test_a_text_that_does_not_open_with_a_greeting_is_greeted(text: str) -> None:
    assert not greets(text)
    assert letter("en", text, name="Ana", company="ACME").startswith("Dear Ana,\n\n")


def test_every_notice_has_a_text_and_a_kind_the_channels_treat_as_automatic() -> None:
    for key, notice in NOTICES.items():
        assert all(key in table for table in TEXTS.values()), key
        assert notice.kind in AUTOMATIC_KINDS, notice.kind
    assert "reply" not in AUTOMATIC_KINDS  # an agent's own answer is a person's mail
    kinds = [notice.kind for notice in NOTICES.values()]
    assert len(kinds) == len(set(kinds))
    assert {"resolved", "assigned", "rejected", "progress", "survey"} <= set(kinds)


@pytest.mark.parametrize("language", ["en", "es", "zh-Hans", "zh-Hant"])
@pytest.mark.parametrize("key", ["resolved", "rejected_notice", "proposal_notice"])
def test_what_a_person_decides_is_a_letter_with_what_to_do_next_apart(
    language: str, key: str
) -> None:
    """A resolution, a rejection and a proposal are letters; their text says what happened,
    then, in a paragraph of its own, what the customer can do (reply to dispute or answer)."""
    assert NOTICES[key].letter
    text = TEXTS[language][key]
    body, _, next_step = text.partition("\n\n")
    assert "{number}" in body and next_step and "{" not in next_step
