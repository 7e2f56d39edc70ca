"""Which messages to a finished complaint are a mere courtesy, in the four languages: a thanks
however it is decorated (the Spanish "¡", emoji, emoticons) or worded ("mil gracias", "thank you
so much", "感謝您的幫忙") is one; a thanks followed by a new problem, or a sad face, is not."""

from __future__ import annotations

import time

import pytest

from channels.base import Attachment, Inbound, Sender
from intake.courtesy import MAX_CHARS, is_courtesy
from tests.conftest import START


def inbound(text: str, *attachments: Attachment, name: str = "") -> Inbound:
    return Inbound(
        channel="email",
        external_id="x",
        sender=Sender("email", "ana@customer.test", display_name=name),
        text=text,
        received_at=START,
        attachments=attachments,
    )


COURTESIES = {
    "en": [
        "Thanks!",
        "Thanks :)",
        "thanks :-)",
        "Thanks ^_^",
        "Thanks :D",
        "thank you very much",
        "Thank you so much!",
        "Thanks a lot.",
        "Many thanks",
        "thanks again 🙏",
        "Thank you so much for your help!",
        "thanks for everything",
        "Thanks for all your help :)",
        "OK",
        "ok, thanks 👍",
        "Great, thanks! 👍🏽",
        "Much appreciated",
        "Got it, thank you ❤️",
    ],
    "es": [
        "gracias",
        "Gracias!!",
        "¡Gracias!",
        "¡Gracias! 😊",
        "¡Muchas gracias!",
        "Muchas gracias :)",
        "Muchas gracias.",
        "¡¡Mil gracias!!",
        "muchísimas gracias",
        "gracias por todo",
        "¡Gracias por su ayuda!",
        "Gracias por tu rápida respuesta ;)",
        "Perfecto, gracias",
        "Vale, muchas gracias, un saludo",
        "Se lo agradezco mucho",
        "¿Ok? ¡Gracias!",
    ],
    "zh-Hans": [
        "谢谢",
        "谢谢！",
        "多谢",
        "非常感谢！",
        "谢谢你们",
        "谢谢您的帮助😊",
        "感谢你们的耐心",
        "好的，谢谢",
        "收到，谢谢啦 ^_^",
        "嗯嗯，辛苦了",
    ],
    "zh-Hant": [
        "謝謝",
        "謝謝！",
        "感謝您的幫忙",
        "謝謝你們",
        "多謝晒",
        "非常感謝您的協助！",
        "好的，謝謝 🙏",
        "明白了，謝謝",
    ],
}

NOT_COURTESIES = {
    "en": [
        "Thanks, but it broke again",
        "thanks but it is still broken",
        "Thanks! The screen is black again though.",
        "thanks for nothing",
        "Thanks :(",
        "Thanks 👎",
        "not ok",
        "ok 2",
    ],
    "es": [
        "Gracias, pero sigue sin funcionar",
        "gracias, pero sigue sin funcionar",
        "¡Gracias! ¿Y el reembolso?",
        "gracias por nada",
        "Gracias 😞",
    ],
    "zh-Hans": [
        "谢谢，但是还是坏的",
        "谢谢，但是又坏了",
        "谢谢，退款什么时候到？",
        "谢谢😡",
    ],
    "zh-Hant": [
        "謝謝，但是還是壞的",
        "謝謝，可是螢幕又黑了",
        "謝謝 ☹️",
    ],
}


def cases(table: dict[str, list[str]]) -> list[object]:
    return [
        pytest.param(text, id=f"{language}-{text}")
        for language, texts in table.items()
        for text in texts
    ]


@pytest.mark.parametrize("text", cases(COURTESIES))
def test_a_courtesy_is_one_however_it_is_decorated_or_worded(text: str) -> None:
    assert is_courtesy(inbound(text))


@pytest.mark.parametrize("text", cases(NOT_COURTESIES))
def test_a_thanks_with_a_new_problem_or_a_sad_face_is_not_a_mere_courtesy(text: str) -> None:
    assert not is_courtesy(inbound(text))


def test_an_empty_message_is_not_a_courtesy() -> None:
    assert not is_courtesy(inbound(""))
    assert not is_courtesy(inbound("¡! 😊"))


def test_a_thanks_with_a_photo_is_not_a_mere_courtesy() -> None:
    photo = Attachment("broken.jpg", "image/jpeg", b"\xff\xd8")
    assert not is_courtesy(inbound("Thanks", photo))


def test_a_thanks_signed_with_the_senders_own_name_is_a_courtesy() -> None:
    assert is_courtesy(inbound("Thanks,\nAna", name="Ana García"))
    assert is_courtesy(inbound("谢谢！\n王伟", name="王伟"))
    assert not is_courtesy(inbound("Thanks,\nAna", name=""))
    assert not is_courtesy(inbound("Thanks, Bob", name="Ana García"))


def test_a_long_message_is_read_by_a_person_and_answered_at_once() -> None:
    long_thanks = "gracias " * (MAX_CHARS // 8 + 1)
    assert not is_courtesy(inbound(long_thanks))
    started = time.perf_counter()
    for text in ("嗯" * (MAX_CHARS - 1) + "坏", "thanks so much " * 7 + "x", "ok " * 39 + "no"):
        assert not is_courtesy(inbound(text))
    assert time.perf_counter() - started < 0.5
