"""The hand-labelled English and Spanish complaints that train and measure the router.

The set is only worth its name if every line parses, every label is one the shipped settings
know, each category has enough examples, and the held-out part never leaks into training: a
held-out text seen in training would make the router's measured accuracy a lie.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
LABELLED = ROOT / "router" / "data" / "labelled"
LANGUAGES = ("en", "es")
MINIMUM_PER_CATEGORY = {"train": 32, "heldout": 10}
FIELDS = {"text", "language", "category", "grade"}


def shipped_labels() -> tuple[set[str], set[str]]:
    """Categories and grades of the shipped settings.toml, the only labels the router can give."""
    data = tomllib.loads((ROOT / "settings.toml").read_text(encoding="utf-8"))
    return set(data["categories"]), set(data["grades"])


def normalise(text: str) -> str:
    """Case and spacing differences do not make two complaints different."""
    return " ".join(text.casefold().split())


def problems(path: Path, language: str, categories: set[str], grades: set[str]) -> list[str]:
    """Every fault of the file, one message per fault naming the line, so a fix needs one run."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            found.append(f"{where}: not JSON ({error.msg})")
            continue
        if not isinstance(row, dict) or set(row) != FIELDS:
            found.append(f"{where}: expected exactly the fields {sorted(FIELDS)}")
            continue
        if not isinstance(row["text"], str) or not row["text"].strip():
            found.append(f"{where}: empty text")
        if "\\u" in line:
            found.append(f"{where}: escaped characters; write with ensure_ascii=False")
        if row["language"] != language:
            found.append(f"{where}: language {row['language']!r} in a {language} file")
        if row["category"] not in categories:
            found.append(f"{where}: unknown category {row['category']!r}")
        if row["grade"] not in grades:
            found.append(f"{where}: unknown grade {row['grade']!r}")
    return found


def rows(part: str, language: str) -> list[dict[str, str]]:
    path = LABELLED / f"{part}-{language}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


FILES = [
    pytest.param(part, language, id=f"{part}-{language}")
    for part in MINIMUM_PER_CATEGORY
    for language in LANGUAGES
]


@pytest.mark.parametrize(("part", "language"), FILES)
def test_every_line_is_a_valid_labelled_complaint(part: str, language: str) -> None:
    categories, grades = shipped_labels()
    path = LABELLED / f"{part}-{language}.jsonl"
    assert problems(path, language, categories, grades) == []


@pytest.mark.parametrize(("part", "language"), FILES)
def test_every_category_has_its_minimum(part: str, language: str) -> None:
    categories, _ = shipped_labels()
    counts = Counter(row["category"] for row in rows(part, language))
    short = {
        category: counts[category]
        for category in categories
        if counts[category] < MINIMUM_PER_CATEGORY[part]
    }
    assert short == {}, f"categories below {MINIMUM_PER_CATEGORY[part]} in {part}-{language}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_appears_twice(language: str) -> None:
    texts = [
        normalise(row["text"]) for part in MINIMUM_PER_CATEGORY for row in rows(part, language)
    ]
    repeated = [text for text, count in Counter(texts).items() if count > 1]
    assert repeated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_heldout_never_appears_in_train(language: str) -> None:
    train = {normalise(row["text"]) for row in rows("train", language)}
    leaked = [row["text"] for row in rows("heldout", language) if normalise(row["text"]) in train]
    assert leaked == []


def test_the_checker_names_each_bad_line(tmp_path: Path) -> None:
    categories, grades = shipped_labels()
    good = {"text": "Sin señal", "language": "es", "category": "network_signal", "grade": "general"}
    lines = [
        json.dumps(good, ensure_ascii=False),
        "{not json",
        json.dumps({**good, "language": "en"}, ensure_ascii=False),
        json.dumps({**good, "category": "weather"}, ensure_ascii=False),
        json.dumps({**good, "grade": "critical"}, ensure_ascii=False),
        json.dumps({**good, "text": "  "}, ensure_ascii=False),
        json.dumps({"text": "sin señal"}, ensure_ascii=False),
        json.dumps(good),
    ]
    path = tmp_path / "train-es.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    found = problems(path, "es", categories, grades)

    assert [message.split(":")[1] for message in found] == ["2", "3", "4", "5", "6", "7", "8"]
    assert "unknown category 'weather'" in found[2]
    assert "ensure_ascii=False" in found[6]
    assert normalise("  No  FUNCIONA ") == normalise("no funciona")
