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
        pytest.param("zh", "", id="zh-alone-text-decides"),
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
        pytest.param("ok", "zh", "en", "no clear signal", id="zh-alone-no-script"),
    ],
)
def test_detect_language_with_hint(text: str, hint: str, expected: str, why: str) -> None:
    language, reason = detect_language(text, hint)
    assert language == expected
    assert why in reason


def test_default_default_is_english() -> None:
    assert detect_language("OK") == ("en", "no clear signal (Spanish 0, English 0): default")
