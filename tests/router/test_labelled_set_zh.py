"""The labelled Chinese complaints (zh-Hans, zh-Hant) that train and measure the router.

The held-out files only mean something while they stay apart from the training files, and the
counts per category only mean something while every label is one the shipped settings know; both
drift silently when someone adds lines by hand, so they are checked here. The Latin languages
have their own test (test_labelled_set_latin.py).
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from config import load_settings

ROOT = Path(__file__).parents[2]
LABELLED = ROOT / "router" / "data" / "labelled"
LANGUAGES = ("zh-Hans", "zh-Hant")
MINIMUM = {"train": 32, "heldout": 10}
"""Lines each category needs per language in each split."""
GRADES = frozenset({"general", "important", "urgent"})
FIELDS = frozenset({"text", "language", "category", "grade"})

Row = Mapping[str, object]


@pytest.fixture(scope="module")
def categories() -> frozenset[str]:
    return frozenset(load_settings(ROOT / "settings.toml").rules.categories)


def path(split: str, language: str) -> Path:
    return LABELLED / f"{split}-{language}.jsonl"


def read(file: Path) -> list[Row]:
    """Every line as a JSON object; a line that is not one fails with its number."""
    rows: list[Row] = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        assert isinstance(row, dict), f"{file.name}:{number} is not a JSON object"
        rows.append(row)
    return rows


def normalise(text: str) -> str:
    """The form two texts are compared in: full-width letters folded (NFKC), case folded and
    white space dropped (Chinese puts none between words, so a stray space is no difference),
    so a copy that differs only in those still counts as a copy."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def field_problems(rows: Iterable[Row], language: str, categories: frozenset[str]) -> list[str]:
    problems = []
    for number, row in enumerate(rows, 1):
        if set(row) != FIELDS:
            problems.append(f"line {number}: fields {sorted(row)}, expected {sorted(FIELDS)}")
            continue
        text = row["text"]
        if not isinstance(text, str) or not text.strip() or text != text.strip():
            problems.append(f"line {number}: text empty or padded with white space")
        if row["language"] != language:
            problems.append(f"line {number}: language {row['language']!r} in a {language} file")
        if row["category"] not in categories:
            problems.append(f"line {number}: category {row['category']!r} is not in settings.toml")
        if row["grade"] not in GRADES:
            problems.append(f"line {number}: grade {row['grade']!r}")
    return problems


def count_problems(rows: Iterable[Row], categories: frozenset[str], minimum: int) -> list[str]:
    counts = Counter(row["category"] for row in rows)
    return [
        f"{category}: {counts[category]} lines, at least {minimum} needed"
        for category in sorted(categories)
        if counts[category] < minimum
    ]


def duplicates(texts: Iterable[str]) -> list[str]:
    counts = Counter(normalise(text) for text in texts)
    return sorted(text for text, seen in counts.items() if seen > 1)


def leaked(train: Iterable[str], heldout: Iterable[str]) -> list[str]:
    """Held-out texts that also appear, normalised, in the training texts."""
    seen = {normalise(text) for text in train}
    return [text for text in heldout if normalise(text) in seen]


def texts(rows: Iterable[Row]) -> list[str]:
    return [str(row["text"]) for row in rows]


@pytest.mark.parametrize("split", sorted(MINIMUM))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_line_is_a_valid_labelled_complaint(
    split: str, language: str, categories: frozenset[str]
) -> None:
    assert field_problems(read(path(split, language)), language, categories) == []


@pytest.mark.parametrize("split", sorted(MINIMUM))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_category_has_enough_lines(
    split: str, language: str, categories: frozenset[str]
) -> None:
    rows = read(path(split, language))
    assert count_problems(rows, categories, MINIMUM[split]) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_appears_twice_in_a_language(language: str) -> None:
    rows = read(path("train", language)) + read(path("heldout", language))
    assert duplicates(texts(rows)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_heldout_text_is_in_train(language: str) -> None:
    train = texts(read(path("train", language)))
    heldout = texts(read(path("heldout", language)))
    assert leaked(train, heldout) == []


def test_the_checks_catch_what_they_are_for(categories: frozenset[str]) -> None:
    """Each check, given the fault it exists for, reports it: a check that cannot fail would let
    the real files pass whatever they held."""
    bad: list[Row] = [
        {"text": "屏幕坏了", "language": "zh-Hant", "category": "stock", "grade": "general"},
        {"text": "没信号", "language": "zh-Hans", "category": "signal", "grade": "general"},
        {"text": "扣了两次钱", "language": "zh-Hans", "category": "billing", "grade": "high"},
        {"text": " 缺货", "language": "zh-Hans", "category": "stock", "grade": "general"},
        {"text": "其他", "language": "zh-Hans", "category": "other"},
    ]
    assert field_problems(bad, "zh-Hans", categories) == [
        "line 1: language 'zh-Hant' in a zh-Hans file",
        "line 2: category 'signal' is not in settings.toml",
        "line 3: grade 'high'",
        "line 4: text empty or padded with white space",
        "line 5: fields ['category', 'language', 'text'], expected "
        "['category', 'grade', 'language', 'text']",
    ]
    few = [{"category": "billing"}] * 31
    assert "billing: 31 lines, at least 32 needed" in count_problems(few, categories, 32)
    assert duplicates(["iPhone 屏幕坏了", "IPHONE屏幕 坏了", "ｉＰｈｏｎｅ　屏幕坏了"]) == [
        "iphone屏幕坏了"
    ]
    assert leaked(["No  Signal 没信号"], ["no signal没 信号", "缺货"]) == ["no signal没 信号"]
