"""The triage model's training rows: the labelled complaints the project ships (only their
`train-*.jsonl` part: the held-out files measure the router and must never teach it) and the
agents' corrections recorded in the store."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from complaints.errors import SettingsError
from router.model import Example
from store.queries.triage import TriageCorrection

log = logging.getLogger(__name__)

TRAIN_FILES = "train-*.jsonl"
"""The only labelled files training reads; `heldout-*.jsonl` beside them are for measuring."""


def labelled_directory() -> Path:
    """Where the shipped labelled set lies (router/data/labelled, installed as package data)."""
    return Path(str(resources.files("router") / "data" / "labelled"))


def training_files(directory: Path) -> list[Path]:
    """The training files of `directory`, in a fixed order (the model depends on it)."""
    return sorted(directory.glob(TRAIN_FILES))


def shipped_examples(directory: Path, categories: Iterable[str]) -> tuple[Example, ...]:
    """The shipped training rows whose category the rule set defines. Rows of categories a
    deployment dropped are skipped with one warning; a file that is not JSON lines stops the
    start with the file and line, since a packaging error would otherwise go unnoticed."""
    known = frozenset(categories)
    rows: list[Example] = []
    skipped = 0
    for path in training_files(directory):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                text, category = str(data["text"]), str(data["category"])
                grade = str(data.get("grade") or "")
            except (ValueError, KeyError, TypeError) as error:
                raise SettingsError(
                    f"{path}:{number}: expected a JSON object with text and category ({error})"
                ) from error
            if category in known:
                rows.append(Example(text, category, grade=grade))
            else:
                skipped += 1
    if skipped:
        log.warning("triage model: %d shipped rows name categories this rule set lacks", skipped)
    return tuple(rows)


def corrected_examples(corrections: Sequence[TriageCorrection]) -> tuple[Example, ...]:
    """One row per corrected complaint, with the category and the grade of its latest
    corrections of each ("" when an agent corrected only the other); the text is the opening
    message's subject and text, as the router reads it. Rows follow the latest correction."""
    latest: dict[int, TriageCorrection] = {}
    for row in corrections:
        earlier = latest.pop(row.complaint_id, None)
        if earlier is not None:
            row = row._replace(
                category=row.category or earlier.category, grade=row.grade or earlier.grade
            )
        latest[row.complaint_id] = row
    return tuple(
        Example(f"{row.subject}\n{row.text}".strip(), row.category, True, row.grade)
        for row in latest.values()
    )
