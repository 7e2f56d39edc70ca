"""The learned category suggestion: a text classifier that decides the category where no rule does.

Character n-grams (`char_wb`, 1 to 5 characters) need no word segmentation, so one model reads
Chinese, Spanish and English alike; word unigrams and bigrams beside them catch the Spanish and
English phrasings that character n-grams blur ("went through twice"). A linear SVM fitted on all
rows, calibrated to probabilities by sigmoids fitted on 5-fold cross-validated scores, gives a
confidence the router compares with a threshold. (Cross-validation of the whole routing decision
on the training files chose this: the single SVM beat the average of per-fold SVMs, each of which
sees less data, by about a point in every language, and the word n-grams added about another in
Spanish and English.) It trains in about six seconds on two cores, so nothing is stored but the
training data's identity: every process rebuilds the same model from the same examples (the fit
is deterministic).

Agents' corrections teach it twice: they join the training rows with `CORRECTION_WEIGHT` (and
replace a shipped row with the same text), and a later complaint that reads like a corrected one
(cosine similarity of their character n-gram vectors at least `SIMILAR`) takes the corrected
category at once, because one row among thousands moves a linear model too little to be seen.

A second classifier of the same kind learns the grade from the same rows (their `grade`); the
router lets it raise a grade the rules gave when it is sure (`CategoryModel.grade_threshold`),
since whether a complaint is important or urgent shows in many more phrasings than rules can
list (cross-validation on the training files: two to three points of grade accuracy in every
language).

Pure: no I/O. `train` keeps the fitted classifiers of this process by their training data's
digest, so the hundreds of apps a test run builds train the shipped set once.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.sparse import hstack
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

CORRECTION_WEIGHT = 3.0
"""How much more a row an agent corrected counts than a shipped row."""

SIMILAR = 0.7
"""The cosine similarity from which a complaint takes a corrected complaint's category; near
copies and rewordings of one sentence reach it, different complaints of one topic do not."""

_FOLDS = 5
"""Calibration folds: each category needs at least this many rows to be learned."""

_WORD = r"\b\w+\b"
"""A word for the word n-grams, however short."""

_CACHED = 8
"""How many fitted classifiers a process keeps (the newest training data, and a few others for
tests that train on their own rows)."""


Label = Literal["category", "grade"]
"""What a classifier learns: the category of a complaint, or its grade."""


@dataclass(frozen=True, slots=True)
class Example:
    """One training row: a complaint's text and the category and grade a person gave it."""

    text: str
    category: str
    corrected: bool = False
    """Given by an agent's correction, not by the shipped set."""
    grade: str = ""
    """"": not given (a correction of the category alone); the grade classifier skips the row."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str
    """The likeliest category, or grade for the grade classifier."""
    probability: float
    why: str = ""
    """What besides the classifier decided: "like a corrected complaint" or ""."""


class Classifier:
    """A fitted classifier over `examples`; read-only after construction, so threads share it."""

    def __init__(self, examples: Sequence[Example], label: Label = "category") -> None:
        """Learns `label` of `examples` (the rows without one are skipped)."""
        rows = _deduplicated([row for row in examples if getattr(row, label)])
        self.rows = len(rows)
        labels = [getattr(row, label) for row in rows]
        counts = Counter(labels)
        # calibration needs a few rows per label in each of its folds; a label with fewer
        # (new, known only from a correction or two) is suggested by similarity alone
        learned = [row for row, name in zip(rows, labels, strict=True) if counts[name] >= _FOLDS]
        if len({getattr(row, label) for row in learned}) < 2:
            plural = "categories" if label == "category" else "grades"
            raise ValueError(f"the model needs {_FOLDS} examples of at least two {plural}")
        texts = [row.text for row in learned]
        self._vectorizers = [_characters()]
        matrices = [self._vectorizers[0].fit_transform(texts)]
        words = _words()
        try:
            matrices.append(words.fit_transform(texts))
            self._vectorizers.append(words)
        except ValueError:  # no word occurs twice, as in a few Chinese sentences: characters only
            pass
        weights = [CORRECTION_WEIGHT if row.corrected else 1.0 for row in learned]
        self._model: Any = CalibratedClassifierCV(
            LinearSVC(C=1.0, random_state=0), cv=_FOLDS, method="sigmoid", ensemble=False
        )
        self._model.fit(
            hstack(matrices).tocsr(),
            [getattr(row, label) for row in learned],
            sample_weight=weights,
        )
        self.labels = [str(name) for name in self._model.classes_]
        self._weights, self._offsets, self._slopes, self._intercepts = _calibrated(self._model)
        self._blocks = _blocks(self._vectorizers)
        corrected = [row for row in rows if row.corrected]
        self._corrected = [getattr(row, label) for row in corrected]
        self._corrected_vectors = (
            self._vectorizers[0].transform([row.text for row in corrected]).tocsc()
            if corrected
            else None
        )

    def suggest(self, text: str, ruled_out: Collection[str] = ()) -> Suggestion:
        """The likeliest label of `text` other than those `ruled_out`, and its probability; a
        complaint like one an agent corrected takes the agent's label whatever it is."""
        parts = [block.vector(text) for block in self._blocks]
        characters, values = parts[0]
        if self._corrected_vectors is not None and len(characters):
            # character blocks are L2-normalised: the dot product is the cosine similarity
            similarity = self._corrected_vectors[:, characters] @ values
            nearest = int(similarity.argmax())
            if similarity[nearest] >= SIMILAR:
                like = "like a corrected complaint"
                return Suggestion(self._corrected[nearest], float(similarity[nearest]), like)
        probabilities = self.probabilities(*_joined(parts))
        allowed = [label not in ruled_out for label in self.labels]
        best = int(np.where(allowed, probabilities, -1.0).argmax())
        return Suggestion(self.labels[best], float(probabilities[best]))

    # The steps below are the library's `transform` and `predict_proba` for one text, as plain
    # array arithmetic: their per-call checks cost ten times the sums, and intake routes inside
    # its transaction (tests/router/test_model.py checks that both agree).

    def transform(self, texts: Sequence[str]) -> Any:
        """The library's feature matrix of `texts`: each vectorizer's block, side by side."""
        return hstack([vectorizer.transform(texts) for vectorizer in self._vectorizers]).tocsr()

    def vector(self, text: str) -> tuple[Any, Any]:
        """`transform` of one text as (feature indices, values)."""
        return _joined([block.vector(text) for block in self._blocks])

    def probabilities(self, indices: Any, values: Any) -> Any:
        """Per category (in `categories` order), the calibrated probability: each fold's SVM
        scores through its sigmoids, normalised, then averaged over the folds (one "fold" here:
        the SVM fitted on all rows). Between two categories the SVM has one score, for the
        second; the first gets the rest."""
        scores = self._weights[:, :, indices] @ values + self._offsets
        per_fold = expit(-(self._slopes * scores + self._intercepts))
        if len(self.labels) == 2:
            return np.concatenate([1 - per_fold, per_fold], axis=1).mean(axis=0)
        totals = per_fold.sum(axis=1, keepdims=True)
        uniform = np.full_like(per_fold, 1 / per_fold.shape[1])
        per_fold = np.divide(per_fold, totals, out=uniform, where=totals != 0)
        return per_fold.mean(axis=0)


@dataclass(frozen=True, slots=True)
class _Block:
    """One vectorizer's part of the features: its n-grams' columns start at `offset`."""

    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: Any
    offset: int

    def vector(self, text: str) -> tuple[Any, Any]:
        """The text's tf-idf vector in this block: sublinear tf, idf, L2 norm."""
        counts = Counter(
            self.vocabulary[gram] for gram in self.analyze(text) if gram in self.vocabulary
        )
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = 1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))
        values *= self.idf[indices]
        norm = np.linalg.norm(values)
        return indices + self.offset, values / norm if norm else values


def _characters() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=2)


def _words() -> TfidfVectorizer:
    """Words and word pairs; one-letter words count ("I", "y", "a")."""
    return TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2, token_pattern=_WORD
    )


def _blocks(vectorizers: Sequence[TfidfVectorizer]) -> list[_Block]:
    blocks, offset = [], 0
    for vectorizer in vectorizers:
        blocks.append(
            _Block(vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset)
        )
        offset += len(vectorizer.vocabulary_)
    return blocks


def _joined(parts: Sequence[tuple[Any, Any]]) -> tuple[Any, Any]:
    return np.concatenate([i for i, _ in parts]), np.concatenate([v for _, v in parts])


@dataclass(frozen=True)
class CategoryModel:
    """The trained classifiers as the router uses them: the category classifier with the
    threshold below which its guess is only traced and the complaint waits for triage, and the
    grade classifier beside it with the probability from which it may raise a grade; one stored
    version for both, since one training set makes both."""

    classifier: Classifier
    version: int
    threshold: float
    digest: str
    """The training data's digest (`training_digest`): which examples made it."""
    grader: Classifier | None = None
    """None: grades come from the rules alone."""
    grade_threshold: float = 1.0
    urgent_threshold: float = 1.0
    """Raising to urgent asks more: a false urgent pages the safety team at once."""

    def suggest(self, text: str, ruled_out: Collection[str] = ()) -> Suggestion:
        return self.classifier.suggest(text, ruled_out)

    def suggest_grade(self, text: str) -> Suggestion | None:
        return self.grader.suggest(text) if self.grader is not None else None


_trained: dict[tuple[str, Label], Classifier] = {}


def training_digest(examples: Sequence[Example]) -> str:
    """The identity of a training set: equal digests, equal models."""
    canonical = json.dumps(
        [[row.text, row.category, row.corrected, row.grade] for row in examples],
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def train(examples: Sequence[Example], label: Label = "category") -> tuple[Classifier, str]:
    """The classifier of `label` for `examples` and their digest, fitted once per process,
    digest and label.

    Two threads asking for the same new digest at once both fit it; the results are equal and
    the second simply replaces the first, so no lock is needed (and the router takes none)."""
    digest = training_digest(examples)
    classifier = _trained.get((digest, label))
    if classifier is None:
        classifier = Classifier(examples, label)
        while len(_trained) >= _CACHED:
            _trained.pop(next(iter(_trained)))
        _trained[digest, label] = classifier
    return classifier, digest


def _calibrated(model: Any) -> tuple[Any, Any, Any, Any]:
    """Per calibration fold k and category c: the SVM's weights [k, c, feature] and offsets
    [k, c], and the sigmoid's slope and intercept [k, c]."""
    folds = model.calibrated_classifiers_
    return (
        np.stack([fold.estimator.coef_ for fold in folds]),
        np.stack([fold.estimator.intercept_ for fold in folds]),
        np.array([[calibrator.a_ for calibrator in fold.calibrators] for fold in folds]),
        np.array([[calibrator.b_ for calibrator in fold.calibrators] for fold in folds]),
    )


def _deduplicated(examples: Sequence[Example]) -> list[Example]:
    """One row per text (whitespace and case folded): a correction replaces a shipped row, and
    a later correction an earlier one. (Rows without the label learned are left out before, so
    a correction of the category alone keeps the shipped row's grade.)"""
    rows: dict[str, Example] = {}
    for row in examples:
        key = " ".join(row.text.casefold().split())
        if not key:
            continue
        if row.corrected or key not in rows or not rows[key].corrected:
            rows.pop(key, None)  # re-inserted last, so the order follows the latest label
            rows[key] = row
    return list(rows.values())
