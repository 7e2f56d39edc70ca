"""The triage model's training rows: the labelled complaints the project ships (only their
`train-*.jsonl` part: the held-out files measure the router and must never teach it) and the
agents' corrections recorded in the store."""

from __future__ import annotations

import json
import logging
import threading
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
    start with the file and line, since a packaging error would otherwise go unnoticed.

    Each file is parsed once per process (`_file_rows`): every start, and the hundreds a test
    run makes, read the same ~21,000 rows, and parsing them was a third of a start's time."""
    known = frozenset(categories)
    every = [row for path in training_files(directory) for row in _file_rows(path)]
    rows = tuple(row for row in every if row.category in known)
    if skipped := len(every) - len(rows):
        log.warning("triage model: %d shipped rows name categories this rule set lacks", skipped)
    return rows


_FileKey = tuple[int, int, int, int]
"""What tells a changed file (`_file_key`)."""

_parsed: dict[Path, tuple[_FileKey, tuple[Example, ...]]] = {}
"""Each training file's rows as last parsed, with the file's key at the time."""

_parsing = threading.Lock()
"""Held while `_parsed` changes (starts may run on several threads)."""

PARSED_FILES_KEPT = 32
"""Files parsed before are forgotten beyond this many (tests read many small folders)."""


def _file_key(path: Path) -> _FileKey:
    """Device, inode, size and modification time: a file rewritten or replaced (an upgrade, a
    deployment's own rows) differs in one of them, so it is parsed again."""
    stat = path.stat()
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _file_rows(path: Path) -> tuple[Example, ...]:
    """Every row of `path`, whatever its category. Stat before read: the rows kept are at least
    as new as their key, so a file changed meanwhile is read again the next time."""
    key = _file_key(path)
    found = _parsed.get(path)
    if found is not None and found[0] == key:
        return found[1]
    rows: list[Example] = []
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
        rows.append(Example(text, category, grade=grade))
    found = (key, tuple(rows))
    with _parsing:
        _parsed.pop(path, None)
        while len(_parsed) >= PARSED_FILES_KEPT:
            _parsed.pop(next(iter(_parsed)))
        _parsed[path] = found
    return found[1]


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
