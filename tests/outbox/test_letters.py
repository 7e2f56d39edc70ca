"""Letters to the customer (a resolution, an agent's reply): greeting, text, closing, in each
language; a text that greets gets no second greeting, one that closes no second closing;
and every notice the notifier
sends has an outbox kind of its own that the channels treat as the bot's (automatic)."""

from __future__ import annotations

import pytest

from channels.base import AUTOMATIC_KINDS
from complaints.names import addressee
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
        ("zh-Hant", "HK", "HK，您好：\n\nRefunded.\n\n祝您生活愉快！\nLi Wei\nACME"),
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
        "张先生：\n新冰箱明天送到。",
        "李小姐:新冰箱明天送到。",
        "您好，退款已经发出。",
        "尊敬的王女士：\n退款已经发出。",
        "親愛的王小姐：退款已經發出。",
    ],
)
def test_a_text_that_greets_gets_no_second_greeting(text: str) -> None:
    assert greets(text)
    framed = letter("en", f"{text}\n", name="Ana", company="ACME", signer="Li Wei")
    assert framed == f"{text}\n\nKind regards,\nLi Wei\nACME"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh-Hans", "张先生：\n新冰箱明天送到。\n此致\n敬礼"),
        ("zh-Hans", "王女士：\n退款已经发出。\n\n祝好！\n李伟\n客服部"),
        ("zh-Hant", "陳小姐，您好：\n退款已經發出。\n\n此致 敬禮\n客服部"),
        ("es", "Hola Ana:\nya le hemos devuelto el cargo.\n\nUn saludo,\nAna\nAtención al cliente"),
        ("es", "Estimado/a José:\nya está.\n\nSaludos\nAna"),
        ("es", "Estimada Ana:\nya está.\n\nAtentamente,\nAna García"),
        ("en", "Dear Ms Example,\nThe refund is on its way.\n\nBest regards,\nAna"),
        ("en", "Hi Ana,\nthe refund is on its way.\n\nThanks,\nLi Wei\nCustomer care"),
        ("en", "Dear Ana,\nDone.\n\nKind regards,\nLi"),
        ("es", "Estimada Ana Pérez: hemos hecho el reembolso de C-1. Un saludo, Ana."),
        ("zh-Hans", "王女士，您好：退款已经发出。此致敬礼！"),
    ],
)
def test_a_text_that_greets_and_closes_is_sent_as_written(language: str, text: str) -> None:
    assert greets(text)
    assert letter(language, f"{text}\n", name="Ana", company="ACME", signer="Li Wei") == text


@pytest.mark.parametrize(
    ("language", "text", "greeting"),
    [
        ("zh-Hans", "退款已经发出。\n此致\n敬礼\n李伟", "王丽，您好："),
        ("es", "Ya le hemos devuelto el cargo.\n\nUn saludo,\nAna", "Estimado/a 王丽:"),
        ("en", "The refund is on its way.\n\nBest regards,\nAna", "Dear 王丽,"),
    ],
)
def test_a_text_that_closes_gets_a_greeting_and_no_second_closing(
    language: str, text: str, greeting: str
) -> None:
    framed = letter(language, text, name="王丽", company="ACME", signer="Li Wei")
    assert framed == f"{greeting}\n\n{text}"


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for your patience, the refund is on its way.",
        "The refund is on its way.\nThanks to the courier it arrives tomorrow.",
        "Saludos a su familia no hacen falta; ya está el reembolso.",
        "Ya está el reembolso.\nGracias, lo revisamos mañana.",
        "We fixed it. Thanks for waiting.",
    ],
)
def test_a_text_that_only_mentions_thanks_is_closed_by_the_bot(text: str) -> None:
    assert letter("en", text, name="Ana", company="ACME").endswith("Kind regards,\nACME")


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


@pytest.mark.parametrize(
    ("written", "greeted"),
    [
        ("Ana Pérez", "Ana Pérez"),
        ("Perez, Jose", "Jose Perez"),
        ("  Martínez García,  Ana María ", "Ana María Martínez García"),
        ("王丽", "王丽"),
        ("O'Brien", "O'Brien"),
        ("ana.martinez", ""),
        ("ana_martinez", ""),
        ("jose1984", ""),
        ("ana@example.com", ""),
        ("", ""),
    ],
)
def test_a_greeting_names_the_person_as_people_write_names(written: str, greeted: str) -> None:
    assert addressee(written) == greeted
    default = "Estimado/a cliente:"
    assert letter("es", "Ya está.", name=written, company="ACME").startswith(
        f"Estimado/a {greeted}:" if greeted else default
    )


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
