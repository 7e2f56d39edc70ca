"""The learned category suggestion: a text classifier that decides the category where no rule does.

Character n-grams (`char_wb`, 1 to 5 characters) need no word segmentation, so one model reads
Chinese, Spanish and English alike; word unigrams and bigrams beside them catch the Spanish and
English phrasings that character n-grams blur ("went through twice"); both come from
router.features, the same code for fitting and routing. A linear SVM fitted on all rows,
calibrated to probabilities by sigmoids fitted on 5-fold cross-validated scores, gives a
confidence the router compares with a threshold. (Cross-validation of the whole routing decision
on the training files chose this: the single SVM beat the average of per-fold SVMs, each of which
sees less data, by about a point in every language, and the word n-grams added about another in
Spanish and English.) router.fit fits it (scikit-learn, in a child process in the bot); this
module only computes with the fitted arrays (`Trained`), which the store keeps per training set.

Agents' corrections teach it twice: they join the training rows with `CORRECTION_WEIGHT` (and
replace a shipped row with the same text), and a later complaint that reads like a corrected one
(cosine similarity of their character n-gram vectors at least `SIMILAR`) takes the corrected
category at once, because one row among thousands moves a linear model too little to be seen.

A second classifier of the same kind learns the grade from the same rows (their `grade`); the
router lets it raise a grade the rules gave when it is sure (`CategoryModel.grade_threshold`),
since whether a complaint is important or urgent shows in many more phrasings than rules can
list (cross-validation on the training files: two to three points of grade accuracy in every
language).

Pure: no I/O, numpy only. `remember` keeps the fitted models of this process by their training
data's digest, so the hundreds of apps a test run builds fit the shipped set once.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from router.features import Features

CORRECTION_WEIGHT = 3.0
"""How much more a row an agent corrected counts than a shipped row."""

SIMILAR = 0.7
"""The cosine similarity from which a complaint takes a corrected complaint's category; near
copies and rewordings of one sentence reach it, different complaints of one topic do not."""

FOLDS = 5
"""Calibration folds of a small training set: each label needs at least this many rows to be
learned."""

_CACHED = 8
"""How many fitted classifiers a process keeps by default (the newest training data, and a few
others for tests that train on their own rows); a serving bot keeps one (`keep_trained`)."""


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
    """A fitted classifier as plain arrays (see `router.fit`); read-only, so threads share it.

    The probability is scikit-learn's `CalibratedClassifierCV.predict_proba` of a linear SVM
    with one sigmoid per label, redone as array arithmetic (tests/router/test_fit.py checks
    that both agree): no library in the routing process, and no per-call checks that cost ten
    times the sums inside intake's transaction."""

    def __init__(self, features: Features, arrays: Mapping[str, Any], label: Label) -> None:
        """`arrays`: the fitted arrays of every classifier, this one's under "`label`."."""
        self.features = features
        self.labels = [str(name) for name in arrays[f"{label}.labels"]]
        self.rows = int(arrays[f"{label}.rows"])
        self._weights = arrays[f"{label}.weights"]
        """[feature, label] (one column between two labels: the second's score)."""
        self._offsets = arrays[f"{label}.offsets"]
        self._slopes = arrays[f"{label}.slopes"]
        self._intercepts = arrays[f"{label}.intercepts"]
        self._corrected = [str(name) for name in arrays[f"{label}.corrected"]]
        self._similar = tuple(arrays[f"{label}.similar.{part}"] for part in _CSR)
        """The character vectors of the corrected rows, CSR parts (values, columns, pointers)."""
        self._similar_rows = np.repeat(np.arange(len(self._corrected)), np.diff(self._similar[2]))
        """The corrected row of each stored value, for `similarity`'s sums (made once)."""

    def suggest(self, text: str | Reading, ruled_out: Collection[str] = ()) -> Suggestion:
        """The likeliest label of `text` other than those `ruled_out`, and its probability; a
        complaint like one an agent corrected takes the agent's label whatever it is."""
        columns, values = (text if isinstance(text, Reading) else Reading(text)).vector(
            self.features
        )
        if self._corrected:
            similarity = self.similarity(*self.features.characters(columns, values))
            nearest = int(similarity.argmax())
            if similarity[nearest] >= SIMILAR:
                like = "like a corrected complaint"
                return Suggestion(self._corrected[nearest], float(similarity[nearest]), like)
        probabilities = self.probabilities(columns, values)
        allowed = [label not in ruled_out for label in self.labels]
        best = int(np.where(allowed, probabilities, -1.0).argmax())
        return Suggestion(self.labels[best], float(probabilities[best]))

    def similarity(self, columns: Any, values: Any) -> Any:
        """Per corrected row, the cosine of its character vector with (`columns`, `values`)
        (both L2-normalised, so the dot product; `columns` sorted)."""
        stored_values, stored_columns, _ = self._similar
        if not len(columns):
            return np.zeros(len(self._corrected))
        at = np.minimum(np.searchsorted(columns, stored_columns), len(columns) - 1)
        shared = np.where(columns[at] == stored_columns, values[at] * stored_values, 0.0)
        return np.bincount(self._similar_rows, weights=shared, minlength=len(self._corrected))

    def probabilities(self, columns: Any, values: Any) -> Any:
        """Per label (in `labels` order), the calibrated probability: each label's SVM score
        through its sigmoid, normalised to sum to one. Between two labels the SVM has one
        score, for the second; the first gets the rest."""
        scores = values.astype(np.float64) @ self._weights[columns] + self._offsets
        # np.clip's bounds, the same floats, without its wrapper's checks (most of its time)
        exponents = np.minimum(np.maximum(self._slopes * scores + self._intercepts, -700.0), 700.0)
        calibrated = 1.0 / (1.0 + np.exp(exponents))
        if len(self.labels) == 2:
            return np.concatenate([1 - calibrated, calibrated])
        total = calibrated.sum()
        if total == 0:
            return np.full(len(self.labels), 1 / len(self.labels))
        return calibrated / total


_CSR = ("values", "columns", "pointers")


class Reading:
    """One complaint's text as the classifiers read it: its feature vector is computed on first
    use and kept, so the category and the grade classifier of one training, which share their
    `Features`, featurize it once between them (featurizing is most of a suggestion's cost).
    A classifier with other `Features` (fitted on other rows) gets its own vector."""

    __slots__ = ("_features", "_vector", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._features: Features | None = None
        self._vector: tuple[Any, Any] = ((), ())

    def vector(self, features: Features) -> tuple[Any, Any]:
        """The text's vector under `features`, as `Features.vector` gives it."""
        if self._features is not features:
            self._vector = features.vector(self.text)
            self._features = features
        return self._vector


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
    """The model's digest: the examples and the code that fitted it (the bot's, from
    admin.triage_fit.model_digest), or the examples alone (`train`'s `training_digest`)."""
    grader: Classifier | None = None
    """None: grades come from the rules alone."""
    grade_threshold: float = 1.0
    urgent_threshold: float = 1.0
    """Raising to urgent asks more: a false urgent pages the safety team at once."""

    @staticmethod
    def read(text: str) -> Reading:
        """`text` to hand to `suggest` and `suggest_grade`, featurized once for both."""
        return Reading(text)

    def suggest(self, text: str | Reading, ruled_out: Collection[str] = ()) -> Suggestion:
        return self.classifier.suggest(text, ruled_out)

    def suggest_grade(self, text: str | Reading) -> Suggestion | None:
        return self.grader.suggest(text) if self.grader is not None else None


@dataclass(frozen=True)
class Trained:
    """Both classifiers of one training set, with the features they share: what a training
    makes and the store keeps (`to_bytes`), so another start or instance loads it."""

    digest: str
    """As `CategoryModel.digest`: the bot's `model_digest`, or `train`'s `training_digest`."""
    arrays: Mapping[str, Any]
    features: Features
    classifiers: Mapping[Label, Classifier]
    """The labels that could be learned; `refused` says why another could not."""
    refused: Mapping[Label, str]

    @classmethod
    def of(cls, digest: str, arrays: Mapping[str, Any]) -> Trained:
        features = Features(*(arrays[name] for name in FEATURES))
        labels: tuple[Label, ...] = ("category", "grade")
        refused = {label: str(arrays.get(f"{label}.refused", "")) for label in labels}
        classifiers = {
            label: Classifier(features, arrays, label) for label in labels if not refused[label]
        }
        return cls(digest, arrays, features, classifiers, {k: v for k, v in refused.items() if v})

    @classmethod
    def from_bytes(cls, digest: str, data: bytes) -> Trained:
        """The arrays `to_bytes` wrote (numpy's npz; no pickles are read)."""
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            return cls.of(digest, {name: stored[name] for name in stored.files})

    def to_bytes(self) -> bytes:
        return arrays_to_bytes(self.arrays)

    def classifier(self, label: Label) -> Classifier:
        """The classifier of `label`; ValueError with the reason when it could not be learned."""
        found = self.classifiers.get(label)
        if found is None:
            raise ValueError(self.refused[label])
        return found


FEATURES = ("char_keys", "char_idf", "word_keys", "word_idf")
"""The arrays of `Features`, shared by both classifiers."""


def arrays_to_bytes(arrays: Mapping[str, Any]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


_trained: dict[str, Trained] = {}


def remembered(digest: str) -> Trained | None:
    """The training of `digest` this process made or loaded already, if any."""
    return _trained.get(digest)


def remember(trained: Trained) -> Trained:
    """Keeps `trained` for `remembered` (the newest few), so the hundreds of apps a test run
    builds train the shipped set once."""
    while len(_trained) >= _kept and trained.digest not in _trained:
        _trained.pop(next(iter(_trained)))
    _trained[trained.digest] = trained
    return trained


def keep_trained(count: int) -> None:
    """Keep at most `count` trainings from now on (the oldest go first). A serving bot keeps
    one: each retraining on agents' corrections makes a new one of about 15 MB, and the
    default's eight would be 100 MB more than the model in use after a day of corrections."""
    global _kept
    _kept = max(1, count)
    while len(_trained) > _kept:
        _trained.pop(next(iter(_trained)))


_kept = _CACHED


def training_digest(examples: Sequence[Example]) -> str:
    """The identity of a training set: equal digests, equal models. It is the SHA-256 of the
    rows as one JSON list, `[[text, category, corrected, grade], ...]`.

    Every start digests the same ~21,000 shipped rows, with the few corrections after them:
    the hash of the leading uncorrected rows is kept (`_Hashed`) and only what follows is
    hashed anew. The kept hash serves only rows equal to the ones it hashed (rows are frozen,
    and the comparison is by identity first, so a hit costs a pass over pointers)."""
    global _hashed
    rows = tuple(examples)
    hashed = _hashed
    held = len(hashed.rows) if hashed is not None else 0
    if (
        hashed is None
        or not held
        or rows[:held] != hashed.rows
        or (held < len(rows) and not rows[held].corrected)
    ):
        lead = next((i for i, row in enumerate(rows) if row.corrected), len(rows))
        hashed = _hashed = _Hashed(rows[:lead], _hashing(hashlib.sha256(b"["), rows[:lead], True))
        held = lead
    state = _hashing(hashed.state.copy(), rows[held:], not held)
    state.update(b"]")
    return state.hexdigest()


@dataclass(frozen=True)
class _Hashed:
    """`state`: a SHA-256 fed with the opening bracket and `rows` (`training_digest`)."""

    rows: tuple[Example, ...]
    state: Any


_hashed: _Hashed | None = None


def _hashing(state: Any, rows: Sequence[Example], first: bool) -> Any:
    """`state` fed with `rows` as list items (`first`: no item before them), as json.dumps
    writes a list: one dumps of them all, its brackets cut (one call per row is slower)."""
    if rows:
        items = json.dumps(
            [[row.text, row.category, row.corrected, row.grade] for row in rows],
            ensure_ascii=False,
        )[1:-1]
        state.update((items if first else ", " + items).encode())
    return state


def train(examples: Sequence[Example], label: Label = "category") -> tuple[Classifier, str]:
    """The classifier of `label` for `examples` and their digest, fitted in this process once
    per digest (this imports scikit-learn: the bot fits in a child process instead, see
    admin.triage_fit). ValueError when `label` cannot be learned from `examples`.

    Two threads asking for the same new digest at once both fit it; the results are equal and
    the second simply replaces the first, so no lock is needed."""
    digest = training_digest(examples)
    trained = remembered(digest)
    if trained is None:
        from router.fit import fit  # scikit-learn, only where a model is fitted

        trained = remember(Trained.of(digest, fit(examples)))
    return trained.classifier(label), digest


def deduplicated(examples: Sequence[Example]) -> list[Example]:
    """One row per text (whitespace and case folded): a correction replaces a shipped row, and
    a later correction an earlier one. (Rows without the label learned are left out before, so
    a correction of the category alone keeps the shipped row's grade.)"""
    rows: dict[str, Example] = {}
    for row in examples:
        key = text_key(row.text)
        if not key:
            continue
        if row.corrected or key not in rows or not rows[key].corrected:
            rows.pop(key, None)  # re-inserted last, so the order follows the latest label
            rows[key] = row
    return list(rows.values())


def text_key(text: str) -> str:
    """What makes two training texts the same one: whitespace and case folded."""
    return " ".join(text.casefold().split())
