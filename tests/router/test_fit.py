"""The triage model's features and arithmetic against scikit-learn's: the hashed n-grams are
the library's `char_wb` and word n-grams, and `Classifier.probabilities` is the fitted
`CalibratedClassifierCV`'s `predict_proba` without the library."""

from __future__ import annotations

import zlib
from collections import Counter

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from admin.triage_data import labelled_directory, shipped_examples
from router.features import LONGEST, Features, char_grams, word_grams
from router.fit import TOLERANCE, fit
from router.model import FOLDS, Example, Trained
from tests.router.test_model import EXAMPLES, SHIPPED

TEXTS = [
    "I was charged twice  for one order!",
    "Me cobraron dos veces el mismo pedido con la tarjeta.",
    "我买的蓝牙耳机左边完全没有声音，才用了两天。",
    "我買的藍牙耳機左邊完全沒有聲音 才用了兩天",
    "a I y\tOK\n退款 refund 退錢 reembolso",
    "",
    "?",
]
MASK = 2**64 - 1


def char_key(gram: str) -> int:
    """The hash of one character n-gram, computed afresh from router.features' description."""
    value = 0
    for character in gram:
        value = (value * 0x100000001B3 + ord(character) + 1) & MASK
    value ^= len(gram)
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK
    return value ^ (value >> 31)


@pytest.mark.parametrize("text", TEXTS)
def test_the_n_grams_are_the_librarys(text: str) -> None:
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, LONGEST)).build_analyzer()
    expected = Counter(char_key(gram) for gram in chars(text))
    assert Counter(char_grams([text]).keys.tolist()) == expected
    words = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), token_pattern=r"\b\w+\b"
    ).build_analyzer()
    keys = (zlib.crc32(gram.encode()) << 32 | zlib.adler32(gram.encode()) for gram in words(text))
    assert Counter(word_grams([text]).keys.tolist()) == Counter(keys)


def test_the_n_grams_of_several_texts_are_each_texts() -> None:
    together = char_grams(TEXTS)
    for row, text in enumerate(TEXTS):
        alone = char_grams([text]).keys
        assert sorted(together.keys[together.rows == row].tolist()) == sorted(alone.tolist())


def test_the_features_are_the_librarys_tf_idf() -> None:
    """Vocabulary (n-grams in two texts or more), sublinear tf, smooth idf, L2 norm per kind:
    the library's two vectorizers side by side, column for column."""
    texts = TEXTS + TEXTS[:3] + ["I was charged twice", "cobraron dos veces"]
    features, (values, columns, pointers) = Features.fit(texts)
    library = [
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, LONGEST), sublinear_tf=True, min_df=2),
        TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=2,
            token_pattern=r"\b\w+\b",
        ),
    ]
    expected = [vectorizer.fit_transform(texts).toarray() for vectorizer in library]
    keys = [
        [char_key(gram) for gram in library[0].get_feature_names_out()],
        [
            zlib.crc32(g.encode()) << 32 | zlib.adler32(g.encode())
            for g in library[1].get_feature_names_out()
        ],
    ]
    ours = csr_matrix((values, columns, pointers), (len(texts), features.width)).toarray()
    start = 0
    for kind, vocabulary in enumerate((features.char_keys, features.word_keys)):
        assert sorted(keys[kind]) == vocabulary.tolist()
        at = [start + int(np.searchsorted(vocabulary, key)) for key in keys[kind]]
        assert np.allclose(ours[:, at], expected[kind], atol=1e-6)
        start += len(vocabulary)
    for row, text in enumerate(texts):
        assert np.array_equal(features.vector(text)[0], columns[pointers[row] : pointers[row + 1]])
        assert np.array_equal(features.vector(text)[1], values[pointers[row] : pointers[row + 1]])


def assert_agrees(examples: list[Example], texts: list[str]) -> None:
    """The arithmetic on the fitted arrays gives the probabilities of the library's own
    calibrated SVM (the same folds, SVM and sigmoid method; its sigmoids come from another
    optimiser, hence the tolerance)."""
    trained = Trained.of("", fit(examples))
    classifier = trained.classifier("category")
    features = trained.features
    _, parts = Features.fit([row.text for row in examples])
    matrix = csr_matrix(parts, (len(examples), features.width))
    model = CalibratedClassifierCV(
        LinearSVC(C=1.0, random_state=0, tol=TOLERANCE),
        cv=FOLDS,
        method="sigmoid",
        ensemble=False,
    ).fit(matrix, [row.category for row in examples])
    assert classifier.labels == list(model.classes_)
    for text in texts:
        columns, values = features.vector(text)
        row = csr_matrix((values, columns, [0, len(columns)]), (1, features.width))
        expected = model.predict_proba(row)[0]
        assert np.allclose(classifier.probabilities(columns, values), expected, atol=1e-4), text


def test_the_arithmetic_agrees_with_the_library() -> None:
    examples = list(shipped_examples(labelled_directory(), SHIPPED.rules.categories)[::8])
    texts = [row.text for row in examples[::20]] + ["", "?", "ok", "退款 refund 退錢 reembolso"]
    assert_agrees(examples, texts)


def test_the_arithmetic_agrees_with_the_library_between_two_categories() -> None:
    """Two categories are the library's binary case: one score and one sigmoid."""
    two = [row for row in EXAMPLES if row.category != "other"]
    assert_agrees(two, [row.text for row in EXAMPLES] + ["", "laptop invoice"])
