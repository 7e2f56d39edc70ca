"""The shipped training rows are parsed once per process (admin.triage_data): a start after the
first reads no file again, yet a file changed since, added or gone is read as it now is."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from admin.triage_data import shipped_examples
from router.model import Example


def write(path: Path, *rows: tuple[str, str]) -> None:
    lines = [
        json.dumps({"text": text, "category": category, "grade": "general"})
        for text, category in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_second_read_gives_the_same_rows_without_parsing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "train-en.jsonl", ("charged twice", "billing"), ("it broke", "repair"))
    first = shipped_examples(tmp_path, {"billing", "repair"})
    assert first == (
        Example("charged twice", "billing", grade="general"),
        Example("it broke", "repair", grade="general"),
    )
    monkeypatch.setattr(json, "loads", lambda line: pytest.fail("parsed again"))
    again = shipped_examples(tmp_path, {"billing", "repair"})
    assert again == first and all(a is b for a, b in zip(again, first, strict=True))


def test_a_changed_added_or_removed_file_is_read_as_it_now_is(tmp_path: Path) -> None:
    english = tmp_path / "train-en.jsonl"
    write(english, ("charged twice", "billing"))
    assert [row.text for row in shipped_examples(tmp_path, {"billing"})] == ["charged twice"]

    # the same size and modification time, but another file (replaced, as an upgrade does)
    stat = english.stat()
    replacement = tmp_path / "new.tmp"
    write(replacement, ("charged trice", "billing"))
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    replacement.replace(english)
    assert [row.text for row in shipped_examples(tmp_path, {"billing"})] == ["charged trice"]

    # rewritten in place with a later modification time
    write(english, ("charged twice", "billing"), ("refund late", "billing"))
    os.utime(english, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    rows = shipped_examples(tmp_path, {"billing"})
    assert [row.text for row in rows] == ["charged twice", "refund late"]

    write(tmp_path / "train-es.jsonl", ("me cobraron dos veces", "billing"))
    assert len(shipped_examples(tmp_path, {"billing"})) == 3
    english.unlink()
    assert [row.text for row in shipped_examples(tmp_path, {"billing"})] == [
        "me cobraron dos veces"
    ]


def test_the_rule_sets_categories_still_choose_the_rows_at_every_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "train-en.jsonl", ("charged twice", "billing"), ("it broke", "repair"))
    assert len(shipped_examples(tmp_path, {"billing", "repair"})) == 2
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="admin.triage_data"):
            rows = shipped_examples(tmp_path, {"billing"})
        assert [row.text for row in rows] == ["charged twice"]
        assert "1 shipped rows name categories this rule set lacks" in caplog.text


def test_a_file_broken_after_a_good_read_stops_the_next_read(tmp_path: Path) -> None:
    english = tmp_path / "train-en.jsonl"
    write(english, ("charged twice", "billing"))
    shipped_examples(tmp_path, {"billing"})
    english.write_text('{"text": "ok", "category": "billing"}\n{oops\n', encoding="utf-8")
    os.utime(english, ns=(0, english.stat().st_mtime_ns + 10**9))
    with pytest.raises(Exception, match=r"train-en.jsonl:2: expected a JSON object"):
        shipped_examples(tmp_path, {"billing"})
