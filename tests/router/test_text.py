"""`fold`'s shortcuts give what the long way gives: the router folds once and shares the result."""

from __future__ import annotations

import unicodedata

import pytest

from router.text import FoldedText, fold


def _slow_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@pytest.mark.parametrize(
    "text",
    ["", "Refund NOW!! 12315", "DEVOLUCIÓN", "ﬁnal ２０ euros", "Straße", "我的iPhone坏了"],
)
def test_fold_is_the_long_way(text: str) -> None:
    assert fold(text) == _slow_fold(text)


@pytest.mark.parametrize(
    ("subject", "body"),
    [("", "no funciona"), ("Reclamación", "\u0301Devolución"), ("ＡＢＣ", "退款"), ("e\u0301", "")],
)
def test_folding_subject_and_text_apart_is_folding_them_joined(subject: str, body: str) -> None:
    """The router folds the subject and the text once each and joins them for the language."""
    assert fold(f"{subject}\n{body}") == f"{fold(subject)}\n{fold(body)}"
    assert FoldedText.of(body, fold(body)) == FoldedText.of(body)
