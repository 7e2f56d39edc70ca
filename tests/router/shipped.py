"""The shipped settings and the triage model a fresh store would train from the shipped labelled
set, built once per test process, for tests that route as intake does."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from admin.triage_data import labelled_directory, shipped_examples
from config import load_settings
from router.model import CategoryModel, train

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"


@cache
def shipped_model() -> CategoryModel:
    """The model intake would use on a fresh store: the shipped training rows only."""
    settings = load_settings(SETTINGS_PATH)
    examples = shipped_examples(labelled_directory(), settings.rules.categories)
    classifier, digest = train(examples)
    grader, _ = train(examples, "grade")
    triage = settings.triage
    return CategoryModel(
        classifier,
        1,
        triage.model_threshold,
        digest,
        grader,
        triage.grade_threshold,
        triage.urgent_threshold,
    )
