"""Language of a complaint: the text decides; a transport's hint only breaks a tie."""

from __future__ import annotations

import pytest

from complaints.languages import SUPPORTED, normalise_hint
from router.language import detect_language


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        pytest.param("zh-CN", "zh-Hans", id="zh-CN"),
        pytest.param("zh_CN", "zh-Hans", id="zh_CN-underscore"),
        pytest.param("zh-SG", "zh-Hans", id="zh-SG"),
        pytest.param("zh-MY", "zh-Hans", id="zh-MY"),
        pytest.param("zh-Hans", "zh-Hans", id="zh-Hans"),
        pytest.param("zh-hans", "zh-Hans", id="zh-hans-telegram"),
        pytest.param("zh-Hans-CN", "zh-Hans", id="zh-Hans-CN"),
        pytest.param("zh-Hans-HK", "zh-Hans", id="zh-Hans-HK-script-wins"),
        pytest.param("zh-TW", "zh-Hant", id="zh-TW"),
        pytest.param("zh-HK", "zh-Hant", id="zh-HK"),
        pytest.param("zh-hk", "zh-Hant", id="zh-hk-lower"),
        pytest.param("zh-MO", "zh-Hant", id="zh-MO"),
        pytest.param("zh-Hant", "zh-Hant", id="zh-Hant"),
        pytest.param("zh-Hant-TW", "zh-Hant", id="zh-Hant-TW"),
        pytest.param("zh-Hant-CN", "zh-Hant", id="zh-Hant-CN-script-wins"),
        pytest.param("zh", "zh-Hans", id="zh-alone-simplified"),
        pytest.param("es", "es", id="es"),
        pytest.param("es-MX", "es", id="es-MX"),
        pytest.param("es_419", "es", id="es-419"),
        pytest.param("ES-es", "es", id="ES-es-upper"),
        pytest.param("en", "en", id="en"),
        pytest.param("en-US", "en", id="en-US"),
        pytest.param("en-GB", "en", id="en-GB"),
        pytest.param(" en-us ", "en", id="en-us-padded"),
        pytest.param("fr", "", id="fr"),
        pytest.param("fr-CA", "", id="fr-CA"),
        pytest.param("pt-BR", "", id="pt-BR"),
        pytest.param("eng", "", id="eng-not-a-prefix"),
        pytest.param("", "", id="empty"),
        pytest.param("   ", "", id="blank"),
    ],
)
def test_normalise_hint(hint: str, expected: str) -> None:
    assert normalise_hint(hint) == expected
    assert expected == "" or expected in SUPPORTED


@pytest.mark.parametrize(
    ("text", "default", "expected", "why"),
    [
        pytest.param("手机没有信号", "en", "zh-Hans", "simplified forms only", id="simplified"),
        pytest.param("手機沒有訊號", "en", "zh-Hant", "traditional forms only", id="traditional"),
        pytest.param("投诉", "en", "zh-Hans", "simplified forms only", id="two-simplified"),
        pytest.param("投訴", "en", "zh-Hant", "traditional forms only", id="two-traditional"),
        pytest.param(
            "我已經向消委會投訴，但是你们一直不处理",
            "en",
            "zh-Hant",
            "mixed scripts, 3 traditional > 2 simplified",
            id="mixed-mostly-traditional",
        ),
        pytest.param(
            "这个产品質量",
            "en",
            "zh-Hans",
            "mixed scripts, 3 simplified > 1 traditional",
            id="mixed-mostly-simplified",
        ),
        pytest.param(
            "你好", "en", "zh-Hans", "common to both scripts", id="common-chars-default-en"
        ),
        pytest.param(
            "你好", "zh-Hant", "zh-Hant", "common to both scripts", id="common-chars-default-hant"
        ),
        pytest.param(
            "iPhone 15 屏幕碎了", "en", "zh-Hans", "common to both scripts", id="chinese-with-latin"
        ),
        pytest.param(
            "The product is 好", "en", "en", "English signals", id="one-chinese-char-in-english"
        ),
        pytest.param("No funciona el producto", "en", "es", "Spanish signals", id="es-short"),
        pytest.param("Devolución", "en", "es", "Spanish signals 2", id="es-accent-only"),
        pytest.param("¿Dónde está mi pedido?", "en", "es", "Spanish signals", id="es-question"),
        pytest.param(
            "el pedido no llego y nadie me responde", "en", "es", "Spanish", id="es-no-accents"
        ),
        pytest.param("Hola", "en", "es", "Spanish signals 1", id="es-one-word"),
        pytest.param("It does not work", "en", "en", "English signals", id="en-short"),
        pytest.param(
            "My order from José was late", "es", "en", "English signals 4", id="en-spanish-name"
        ),
        pytest.param("Hello", "es", "en", "English signals 1", id="en-one-word"),
        # a bare status question is answered in its language (intake.status_questions)
        pytest.param("Any news?", "es", "en", "English signals 2", id="en-status-question"),
        pytest.param("Alguna novedad?", "en", "es", "Spanish signals 2", id="es-status-question"),
        pytest.param("no", "en", "en", "no clear signal", id="tie-default-en"),
        pytest.param("no", "es", "es", "no clear signal", id="tie-default-es"),
        pytest.param("OK", "en", "en", "no clear signal", id="no-signal-default-en"),
        pytest.param("OK", "zh-Hans", "zh-Hans", "no clear signal", id="no-signal-default-zh"),
        pytest.param("12345", "es", "es", "no clear signal", id="digits-only"),
        pytest.param("", "en", "en", "no clear signal", id="empty"),
        pytest.param("好", "zh-Hant", "zh-Hant", "no clear signal", id="one-chinese-char"),
    ],
)
def test_detect_language_from_text(text: str, default: str, expected: str, why: str) -> None:
    language, reason = detect_language(text, "", default)
    assert language == expected
    assert why in reason


@pytest.mark.parametrize(
    ("text", "hint", "expected", "why"),
    [
        # the text decides over any hint
        pytest.param(
            "手机没有信号", "en", "zh-Hans", "simplified forms only", id="telegram-en-chinese"
        ),
        pytest.param(
            "屏幕碎了", "en", "zh-Hans", "common to both scripts", id="telegram-en-screen"
        ),
        pytest.param(
            "手机没有信号", "en-US", "zh-Hans", "simplified forms only", id="outlook-en-US-zh"
        ),
        pytest.param(
            "手機沒有訊號", "en-US", "zh-Hant", "traditional forms only", id="outlook-en-US-hant"
        ),
        pytest.param(
            "Buenos días, el pedido no llegó y nadie me responde",
            "en-US",
            "es",
            "Spanish signals",
            id="outlook-en-US-spanish",
        ),
        pytest.param(
            "手機沒有訊號", "zh-hans", "zh-Hant", "traditional forms only", id="app-hans-hant-text"
        ),
        pytest.param(
            "手机没有信号", "zh-TW", "zh-Hans", "simplified forms only", id="app-tw-hans-text"
        ),
        pytest.param("Hello there", "es-MX", "en", "English signals", id="es-MX-english-text"),
        pytest.param(
            "¿Dónde está mi pedido?", "en", "es", "Spanish signals", id="en-hint-spanish-text"
        ),
        pytest.param(
            "手機沒有訊號", "zh", "zh-Hant", "traditional forms only", id="hint-zh-text-decides"
        ),
        pytest.param("Where is my order?", "fr", "en", "English signals", id="unsupported-hint"),
        pytest.param("¿Dónde está mi pedido?", "", "es", "Spanish signals", id="no-hint"),
        # a tie: the hint breaks it
        pytest.param("ok", "es", "es", "no clear signal", id="ok-es-hint"),
        pytest.param("ok", "zh-Hant", "zh-Hant", "channel language hint 'zh-Hant'", id="ok-hant"),
        pytest.param("12345", "zh-CN", "zh-Hans", "channel language hint", id="digits-zh-CN"),
        pytest.param("👍", "es-MX", "es", "channel language hint 'es-MX'", id="emoji-es-MX"),
        pytest.param("no", "es", "es", "no clear signal (Spanish 1, English 1)", id="no-es"),
        pytest.param("好", "zh-HK", "zh-Hant", "channel language hint", id="one-char-zh-HK"),
        pytest.param("你好", "zh-HK", "zh-Hant", "common to both scripts", id="common-zh-HK"),
        pytest.param("你好", "zh-hans", "zh-Hans", "channel language hint", id="common-zh-hans"),
        # a tie the hint cannot break: a Latin-script hint for Chinese of either script
        pytest.param("你好", "en", "zh-Hans", "common to both scripts", id="common-en-hint"),
        pytest.param("ok", "fr", "en", "no clear signal (Spanish 0, English 0): default", id="fr"),
        pytest.param("ok", "zh", "zh-Hans", "channel language hint 'zh'", id="zh-alone-simplified"),
    ],
)
def test_detect_language_with_hint(text: str, hint: str, expected: str, why: str) -> None:
    language, reason = detect_language(text, hint)
    assert language == expected
    assert why in reason


def test_default_default_is_english() -> None:
    assert detect_language("OK") == ("en", "no clear signal (Spanish 0, English 0): default")


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        # Chinese sentences with English words are Chinese
        pytest.param(
            "我的iPhone 15 Pro Max screen broken 了，要求refund",
            "zh-Hans",
            "common to both scripts",
            id="mixed-zh-en",
        ),
        pytest.param(
            "I ordered the 我的世界 figure and it never arrived, can you help me",
            "en",
            "English signals",
            id="en-quoting-chinese",
        ),
        pytest.param("Compré un 小米 y no funciona", "es", "Spanish signals", id="es-quoting-zh"),
        # written Cantonese is traditional, even in characters both scripts share
        pytest.param("部手機用咗兩日就壞咗…我要退錢！", "zh-Hant", "traditional", id="cantonese"),
        pytest.param("佢哋唔理我", "zh-Hant", "3 of written Cantonese", id="cantonese-shared"),
        pytest.param("我买嘅嘢唔得", "zh-Hant", "traditional", id="cantonese-with-a-simplified"),
        pytest.param(
            "部手机用咗两日就坏咗",
            "zh-Hans",
            "3 simplified > 2 traditional",
            id="cantonese-simplified",
        ),
        # languages the bot does not speak get the default, not Spanish
        pytest.param("Le produit est arrivé cassé", "en", "French signals", id="french"),
        pytest.param("Das Produkt ist kaputt", "en", "German signals", id="german"),
        pytest.param("O produto chegou quebrado", "en", "Portuguese signals", id="portuguese"),
        pytest.param("Il prodotto è arrivato rotto", "en", "Italian signals", id="italian"),
        pytest.param("Très déçu, café froid", "en", "French signals", id="french-accents"),
        # short Spanish texts
        pytest.param("No funciona", "es", "Spanish signals", id="no-funciona"),
        pytest.param("sin señal", "es", "Spanish signals", id="sin-senal"),
        pytest.param("quiero devolución", "es", "Spanish signals", id="quiero-devolucion"),
        pytest.param("no sirve", "es", "Spanish signals", id="no-sirve"),
        pytest.param("me cobraron doble", "es", "Spanish signals", id="cobraron-doble"),
        pytest.param("Agotado otra vez??", "es", "Spanish signals", id="agotado"),
        # an é alone is not Spanish
        pytest.param("Café", "en", "no clear signal", id="e-acute-alone"),
    ],
)
def test_detect_language_traps(text: str, expected: str, why: str) -> None:
    language, reason = detect_language(text, "", "en")
    assert language == expected
    assert why in reason


def test_an_unsupported_language_ignores_a_spanish_hint() -> None:
    """French is not a tie for the hint to break: the bot answers in its default language."""
    assert detect_language("Le produit est arrivé cassé", "es-MX", "en")[0] == "en"
