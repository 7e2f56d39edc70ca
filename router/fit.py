"""Fitting the triage model: the one module that imports scikit-learn, so that only the process
that fits pays for it (the bot fits in a child process, admin.triage; routing reads the arrays
this returns, router.model).

Per label (category, grade): a linear SVM (one-vs-rest, liblinear) fitted on all rows, and one
sigmoid per label fitted by Platt's method on the scores of 5-fold cross-validation (stratified,
as `CalibratedClassifierCV(cv=5, method="sigmoid", ensemble=False)` does; tests/router/
test_fit.py checks both give the same probabilities). The library's calibrator fits the folds
and the final SVM one after another and each sigmoid with a general optimiser; here the twelve
SVMs of both labels can run on worker processes at once (`run`, admin.triage_fit) and a sigmoid
is a few Newton steps. (3 folds instead of 5 were as accurate in cross-validation on the shipped
rows and save two of the six SVM fits per label, but moved enough probabilities across the
thresholds to change routing that tests pin.) Deterministic: the same examples give the same arrays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from router.features import Features
from router.model import (
    CORRECTION_WEIGHT,
    FEATURES,
    FOLDS,
    Example,
    Label,
    deduplicated,
    text_key,
)

LABELS: tuple[Label, ...] = ("category", "grade")
TOLERANCE = 1e-3
"""liblinear's stopping tolerance: a tenth of the library's default took a third fewer passes
for the same cross-validated accuracy."""


def fit(examples: Sequence[Example], run: Runner | None = None) -> dict[str, Any]:
    """The arrays of both classifiers of `examples` (router.model.Trained reads them): the
    vocabulary and idf fitted once on every text, then per label its SVM, sigmoids, and the
    character vectors of the corrected rows."""
    rows = deduplicated(examples)
    features, parts = Features.fit([row.text for row in rows])
    matrix = csr_matrix(parts, (len(rows), features.width))
    at = {text_key(row.text): index for index, row in enumerate(rows)}
    arrays: dict[str, Any] = {name: getattr(features, name) for name in FEATURES}
    problems = {label: _Problem.of(label, examples, at) for label in LABELS}
    tasks = [
        (label, fold)
        for label, problem in problems.items()
        if problem.refused == ""
        for fold in problem.folds()
    ]
    fitted = (run or in_turn)(matrix, problems, tasks)
    for label, problem in problems.items():
        if problem.refused:
            arrays[f"{label}.refused"] = np.str_(problem.refused)
            continue
        mine = [svm for (task, _), svm in zip(tasks, fitted, strict=True) if task == label]
        arrays |= {f"{label}.{name}": value for name, value in problem.arrays(mine).items()}
        corrected = [row for row in problem.rows if row.corrected]
        similar = features.matrix([row.text for row in corrected], words=False)
        arrays[f"{label}.corrected"] = np.array([getattr(row, label) for row in corrected], str)
        for part, value in zip(("values", "columns", "pointers"), similar, strict=True):
            arrays[f"{label}.similar.{part}"] = value
    return arrays


Task = tuple[Label, tuple[Any, Any]]
"""One SVM to fit: the label, and the (train, test) positions of its rows (`_Problem.folds`)."""

Runner = Callable[[Any, "dict[Label, _Problem]", list[Task]], list[tuple[Any, Any, Any, Any]]]
"""Fits the SVM of every task (`svm`) given the matrix and problems: `in_turn`, or on worker
processes (admin.triage_fit)."""


def in_turn(
    matrix: Any, problems: dict[Label, _Problem], tasks: list[Task]
) -> list[tuple[Any, Any, Any, Any]]:
    """Every task's SVM in this process, one after another."""
    return [svm(matrix, problems[label], train, test) for label, (train, test) in tasks]


class _Problem:
    """What one label's classifier learns from: the rows (their matrix rows `indices`), their
    labels and weights; `refused` says why nothing can be learned."""

    def __init__(
        self, rows: list[Example], learned: list[Example], label: Label, indices: Any, refused: str
    ) -> None:
        self.rows, self.indices, self.refused = rows, indices, refused
        """`rows`: every row with the label, also of labels too rare to learn (`learned`)."""
        self.labels = np.array([getattr(row, label) for row in learned], dtype=str)
        self.weights = np.array([CORRECTION_WEIGHT if r.corrected else 1.0 for r in learned])

    @classmethod
    def of(cls, label: Label, examples: Sequence[Example], at: dict[str, int]) -> _Problem:
        rows = deduplicated([row for row in examples if getattr(row, label)])
        counts = Counter(getattr(row, label) for row in rows)
        # calibration needs a few rows per label in each of its folds; a label with fewer
        # (new, known only from a correction or two) is suggested by similarity alone
        learned = [row for row in rows if counts[getattr(row, label)] >= FOLDS]
        refused = ""
        if len({getattr(row, label) for row in learned}) < 2:
            plural = "categories" if label == "category" else "grades"
            refused = f"the model needs {FOLDS} examples of at least two {plural}"
        indices = np.array([at[text_key(row.text)] for row in learned], dtype=np.intp)
        return cls(rows, learned, label, indices, refused)

    def folds(self) -> list[tuple[Any, Any]]:
        """(train, test) positions of each calibration fold, then (all, none) for the SVM."""
        splits = StratifiedKFold(FOLDS).split(np.zeros(len(self.labels)), self.labels)
        everything = np.arange(len(self.labels))
        return [*splits, (everything, everything[:0])]

    def arrays(self, svms: list[tuple[Any, Any, Any, Any]]) -> dict[str, Any]:
        """The SVM fitted on all rows and the sigmoids fitted on the folds' scores."""
        *per_fold, (classes, weights, offsets, _) = svms
        scores = np.zeros((len(self.labels), weights.shape[1]))
        for (_, test), (*_, fold_scores) in zip(self.folds(), per_fold, strict=False):
            scores[test] = fold_scores
        positive = [classes[1]] if len(classes) == 2 else list(classes)
        sigmoids = [
            platt(scores[:, column], self.labels == name, self.weights)
            for column, name in enumerate(positive)
        ]
        return {
            "labels": np.array(classes, dtype=str),
            "rows": np.int64(len(self.rows)),
            "weights": weights,
            "offsets": offsets,
            "slopes": np.array([slope for slope, _ in sigmoids]),
            "intercepts": np.array([intercept for _, intercept in sigmoids]),
        }


def svm(matrix: Any, problem: _Problem, train: Any, test: Any) -> tuple[Any, Any, Any, Any]:
    """The SVM fitted on the `train` rows: its scores [row, label] of the `test` rows, or when
    there are none, its labels, weights [feature, label] (float32) and offsets."""
    rows = matrix[problem.indices]
    svm = LinearSVC(C=1.0, random_state=0, tol=TOLERANCE)
    svm.fit(rows[train], problem.labels[train], sample_weight=problem.weights[train])
    if len(test):
        return None, None, None, svm.decision_function(rows[test]).reshape(len(test), -1)
    weights = np.ascontiguousarray(svm.coef_.T, dtype=np.float32)
    return [str(name) for name in svm.classes_], weights, svm.intercept_.astype(float), None


def platt(scores: Any, positive: Any, weights: Any) -> tuple[float, float]:
    """The slope a and intercept b of P(positive | score) = 1 / (1 + exp(a * score + b)) that
    minimise the weighted log loss against Platt's smoothed targets (the objective of
    scikit-learn's `_sigmoid_calibration`), by Newton's method with step halving."""
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    prior1, prior0 = weights[positive].sum(), weights[~positive].sum()
    targets = np.where(positive, (prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0))

    def loss(ab: Any) -> float:
        z = ab[0] * scores + ab[1]
        return float(weights @ (np.logaddexp(0, z) - (1 - targets) * z))

    ab = np.array([0.0, np.log((prior0 + 1.0) / (prior1 + 1.0))])
    current = loss(ab)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(np.clip(ab[0] * scores + ab[1], -700, 700)))
        g, h = weights * (targets - p), weights * p * (1 - p)
        hs = h * scores
        gradient = np.array([g @ scores, g.sum()])
        hessian = np.array([[hs @ scores, hs.sum()], [hs.sum(), h.sum()]])
        step = np.linalg.solve(hessian + 1e-12 * np.eye(2), gradient)
        size = 1.0
        while size > 1e-6 and loss(ab - size * step) > current:
            size /= 2
        ab = ab - size * step
        current = loss(ab)
        if np.abs(size * step).max() < 1e-9:
            break
    return float(ab[0]), float(ab[1])
