"""The shipped settings and the triage model a fresh store would train from the shipped labelled
set, built once per test process, for tests that route as intake does. It comes through the same
disk cache as the bot's (`[triage] model_cache`, a folder of the test session: tests/conftest.py),
so the whole test run fits the shipped set once, whichever asks first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from admin.triage_cache import ModelCache
from admin.triage_data import labelled_directory, shipped_examples
from admin.triage_fit import fitted_bytes, model_digest
from config import Settings, load_settings
from router import CustomerHistory, Decision, route
from router.model import CategoryModel, Example, Trained
from tests.router.inputs import make_input

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"


def loaded_or_fitted(
    folder: ModelCache,
    examples: Sequence[Example],
    fit: Callable[[Sequence[Example]], bytes] = fitted_bytes,
) -> Trained:
    """The model of `examples` from the disk cache `folder`, or fitted by `fit` and kept there."""
    digest = model_digest(examples)
    found = folder.load(digest)
    if found is not None:
        return found.trained
    data = fit(examples)
    folder.save(digest, data)
    return Trained.from_bytes(digest, data)


@cache
def shipped_model() -> CategoryModel:
    """The model intake would use on a fresh store: the shipped training rows only."""
    settings = load_settings(SETTINGS_PATH)
    triage = settings.triage
    examples = shipped_examples(labelled_directory(), settings.rules.categories)
    trained = loaded_or_fitted(ModelCache(triage.cache_folder()), examples)
    return CategoryModel(
        trained.classifier("category"),
        1,
        triage.model_threshold,
        trained.digest,
        trained.classifier("grade"),
        triage.grade_threshold,
        triage.urgent_threshold,
    )


def by_rules(settings: Settings, text: str) -> Decision:
    """`text` routed as a fresh webhook complaint by `settings`' rules alone (no model)."""
    return route(
        make_input(text),
        CustomerHistory(),
        settings.rules,
        settings.service_levels,
        settings.default_language,
    )
