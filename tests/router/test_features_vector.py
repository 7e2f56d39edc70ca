"""`Features.vector`, the router's path (once per complaint), gives what `Features.matrix`
gives for the text alone, bit for bit: the same columns in the same order and the same float32
values. `vector` takes shortcuts `matrix` does not (all n-gram lengths at once, one lowercasing
for both kinds, words found in bytes when the text is ASCII, both kinds normalised by one
`bincount`); `matrix` keeps the per-length windows of `char_grams` and `_normalised`, so it is
the reference. The word keys are checked against their definition written out afresh."""

from __future__ import annotations

import re
import zlib
from itertools import pairwise

import numpy as np
import pytest

from admin.triage_data import labelled_directory, shipped_examples
from router.features import _ASCII_WORD, _WORD, Features, char_grams, char_keys, word_grams
from tests.router.test_model import SHIPPED

ODD = [
    "",
    " ",
    "\t\n \r\x0b\x0c\u3000\u2003",  # whitespace only, some of it not ASCII
    "\0",
    "\0\0a\0b\0",
    "a",
    "I",
    "我",
    "😀",
    "_",
    "?!",
    "a b c d e",
    "😀😀 🙃 cobro 😀",
    "我买的蓝牙耳机左边完全没有声音，才用了两天。",
    "我買的藍牙耳機左邊完全沒有聲音 才用了兩天",
    "Me cobraron DOS veces el mismo pedido. ¿Reembolso? Ñandú, árbol, pingüino",
    "ΟΔΟΣ ΟΔΟΣ\0ΟΔΟΣ\tΣ ΣΑΣ.",  # a capital sigma lowers by what follows it
    "İstanbul KELVIN \u212a ß ẞ ﬁ",  # lowering that changes the length, or into ASCII
    "lone \ud800 surrogate \udfff",
    "x" * 3000,
    "refund " * 400,
    "über_alles 2024-01-05 order#12345 snake_case_word",
    "a\u0301e\u0301 combining marks",
    "I was charged twice  for one order!\n\nOrder 5551234, card ending 4242.",
]
"""Texts at the edges: empty, whitespace or NULs only, single characters, Chinese, Spanish,
emoji, a capital sigma, characters whose lowercase is longer or ASCII, lone surrogates, very
long words and texts."""


def reference_word_keys(text: str) -> list[int]:
    """The word keys as the features define them: scikit-learn's token pattern on the
    lowercased text, the words then the pairs of adjacent words, CRC-32 above Adler-32."""
    words = re.findall(r"\b\w+\b", text.lower())
    grams = [*words, *(f"{a} {b}" for a, b in pairwise(words))]
    return [zlib.crc32(gram.encode()) << 32 | zlib.adler32(gram.encode()) for gram in grams]


def assert_same(features: Features, texts: list[str]) -> None:
    """`vector` and `words=False` against `matrix([text])`, exactly, dtypes included."""
    for text in texts:
        for words in (True, False):
            values, columns, pointers = features.matrix([text], words=words)
            found, weights = features.vector(text, words=words)
            assert pointers.tolist() == [0, len(columns)]
            assert found.dtype == columns.dtype and weights.dtype == values.dtype == np.float32
            assert np.array_equal(found, columns), text
            assert weights.tobytes() == values.tobytes(), text  # bit for bit, not close
        found, weights = features.vector(text)
        assert all(
            np.array_equal(a, b)
            for a, b in zip(
                features.characters(found, weights), features.vector(text, words=False), strict=True
            )
        )


def test_odd_texts_have_the_matrix_vector() -> None:
    """A vocabulary with every n-gram of the odd texts (each text twice) and one without."""
    inside, _ = Features.fit(ODD + ODD)
    assert_same(inside, ODD)
    other, _ = Features.fit(["I was charged twice for one order", "charged twice, no refund"] * 2)
    assert_same(other, ODD)


def test_an_empty_vocabulary_gives_an_empty_vector() -> None:
    empty, _ = Features.fit(["one text alone"])  # no n-gram in two texts
    assert empty.width == 0
    assert_same(empty, [*ODD[:8], "one text alone"])


@pytest.fixture(scope="module")
def shipped() -> tuple[Features, list[str]]:
    texts = [row.text for row in shipped_examples(labelled_directory(), SHIPPED.rules.categories)]
    features, _ = Features.fit(texts[::6])
    return features, texts


def test_labelled_texts_and_long_ones_have_the_matrix_vector(
    shipped: tuple[Features, list[str]],
) -> None:
    """Texts of the labelled set in and out of the fitted ones, and e-mail-sized ones (ten
    texts joined, 1 to 2 KB)."""
    features, texts = shipped
    long = [" ".join(texts[start : start + 10]) for start in range(0, 600, 10)]
    assert_same(features, texts[::37] + texts[1::41] + long)


@pytest.mark.parametrize("text", ODD)
def test_the_keys_are_the_definitions(text: str) -> None:
    """The words' keys in order, and the character keys `char_grams` finds one window
    length at a time (the same ones; `vector` sorts them)."""
    assert word_grams([text]).keys.tolist() == reference_word_keys(text)
    assert sorted(char_keys(text).tolist()) == sorted(char_grams([text]).keys.tolist())


def test_the_keys_of_several_texts_keep_their_rows() -> None:
    grams = word_grams(ODD)
    for row, text in enumerate(ODD):
        assert grams.keys[grams.rows == row].tolist() == reference_word_keys(text)
    assert grams.rows.dtype == np.intp and grams.keys.dtype == np.uint64
    assert len(word_grams([]).keys) == len(word_grams([]).rows) == 0


def test_words_in_ascii_bytes_are_the_words_in_the_text() -> None:
    """Each ASCII character is a word character for `\\w` on bytes exactly when it is one for
    `\\w` on text, so an ASCII text's words are the same either way."""
    for point in range(128):
        assert bool(_ASCII_WORD.fullmatch(bytes([point]))) == bool(_WORD.fullmatch(chr(point)))
    text = "".join(map(chr, range(128))) * 3 + " it's a_b c-d 1.5"
    assert _ASCII_WORD.findall(text.encode()) == [w.encode() for w in _WORD.findall(text)]
    assert _WORD.findall(text) == re.findall(r"\b\w+\b", text)
