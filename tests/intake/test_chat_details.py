"""What the guided chat reads from the customer's words (intake.chat_details), which answers it
takes (intake.chat_answers) and which purchase dates it accepts (complaints.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.dates import purchase_date
from intake.chat_answers import is_skip, looks_like_answer
from intake.chat_details import found_details

TODAY = date(2026, 12, 6)

FIRST_MESSAGES = [
    pytest.param(
        "My Philips HD9252 air fryer, bought on 2026-11-01, order A-123, stopped heating.",
        "Philips HD9252 air fryer",
        id="en",
    ),
    pytest.param(
        "Mi freidora de aire Philips HD9252, comprada el 1 de noviembre de 2026, pedido A-123, "
        "dejó de calentar.",
        "freidora de aire Philips HD9252",
        id="es",
    ),
    pytest.param(
        "我的飞利浦HD9252空气炸锅，2026年11月1日买的，订单号A-123，不加热了。",
        "飞利浦HD9252空气炸锅",
        id="zh-Hans",
    ),
    pytest.param(
        "我的飛利浦HD9252氣炸鍋，購於2026-11-01，訂單號是A-123，不加熱了。",
        "飛利浦HD9252氣炸鍋",
        id="zh-Hant",
    ),
]


@pytest.mark.parametrize(("text", "product"), FIRST_MESSAGES)
def test_the_first_message_names_product_model_date_and_order(text: str, product: str) -> None:
    assert found_details(text, TODAY) == {
        "order_number": "A-123",
        "purchase_date": "2026-11-01",
        "model": "HD9252",
        "product": product,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The kettle I bought leaks and the handle is cracked.", {}),
        ("I was charged twice on this month's bill.", {}),
        ("It broke on 2026-11-20. I ordered 2 of them.", {}),  # not a purchase date
        ("I bought a Philips HD9252 air fryer and it stopped", {"model": "HD9252"}),
        ("serial SN12345 and model HD9252", {"model": "HD9252"}),
        ("Two codes HD9252 and HD9300 in one text", {}),
        ("bought on 2026-12-24, order 55821", {"order_number": "55821"}),  # a future date
        ("电话13912345678，账单多扣了五十元", {"phone": "13912345678"}),
        ("Mi teléfono es 600 123 456 y el router no funciona", {"phone": "600 123 456"}),
        (
            "Call me, phone: +34 600 123 456 (order A-123)",
            {"phone": "+34 600 123 456", "order_number": "A-123"},
        ),
        ("美的电饭煲 MB-FB40", {"model": "MB-FB40"}),
        ("the hotel 12345678 was rude", {}),
        (
            "Lo compré el 3 de marzo de 2026 (número de pedido: 99-817)",
            {
                "order_number": "99-817",
                "purchase_date": "2026-03-03",
            },
        ),
    ],
)
def test_only_what_is_named_unmistakably_is_taken(text: str, expected: dict[str, str]) -> None:
    assert found_details(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01", "2026-11-01"),
        ("02/03/2026", "2026-03-02"),
        ("2026年3月2日", "2026-03-02"),
        ("yesterday", "2026-12-05"),
        ("Today", "2026-12-06"),
        ("ayer", "2026-12-05"),
        ("anteayer", "2026-12-04"),
        ("昨天", "2026-12-05"),
        ("昨天买的", "2026-12-05"),
        ("前天", "2026-12-04"),
        ("last tuesday", ""),
        ("el martes pasado", ""),
        ("上周二", ""),
        ("2026-02-30", ""),
        ("2027-01-01", ""),  # after today
        ("a while ago", ""),
    ],
)
def test_a_purchase_date_is_a_date_or_a_known_day_word(text: str, expected: str) -> None:
    assert purchase_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("field", "text", "answer"),
    [
        ("product", "Electric kettle K-200", True),
        ("product", "空气炸锅", True),
        ("product", "Wait, sparks came out when I unplugged it!", False),
        ("product", "¿Cuándo me van a contestar?", False),
        ("product", "It is a kettle. Also the lid is broken and nobody helps me.", False),
        ("order_number", "A-123", True),
        ("order_number", "I don't have it with me right now sorry", False),
        ("purchase_date", "last tuesday", True),  # taken, then refused with the expected form
        ("purchase_date", "I really cannot remember when exactly that was", False),
        ("phone", "+34 600 123 456", True),
        ("desired_outcome", "A refund, please, or a new one if you have it in stock.", True),
        ("product", "😡😡😡", False),  # a sticker-like text answers nothing
        ("order_number", "👍", False),
        ("desired_outcome", "🙏", False),
        ("product", "美的电饭煲 MB-FB40", True),
    ],
)
def test_an_answer_is_told_from_more_of_the_complaint(field: str, text: str, answer: bool) -> None:
    assert looks_like_answer(field, text) is answer


@pytest.mark.parametrize("text", ["skip", "Skip.", "omitir", "saltar", "跳过", "跳過", "略過"])
def test_skip_can_be_typed_in_every_language(text: str) -> None:
    assert is_skip(text)
