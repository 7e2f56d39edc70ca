"""The routing evaluation: labelled rows read strictly, the shipped rules measured per language,
and `bot.py evaluate-routing` run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from admin.routing_evaluation import evaluate, read_labelled, report, router_of
from complaints.errors import SettingsError
from config import load_settings
from tests.conftest import ROOT, write_settings
from tests.router.shipped import shipped_model

ROWS = [
    {
        "text": "Mi factura tiene un cargo que no reconozco",
        "language": "es",
        "category": "billing",
        "grade": "general",
    },
    {
        "text": "The kettle caught fire and burnt my hand",
        "language": "en",
        "category": "safety",
        "grade": "urgent",
    },
    {
        "text": "我的快递到了，箱子压扁了，里面的杯子碎了",
        "language": "zh-Hans",
        "category": "delivery_damage",
        "grade": "general",
    },
    {
        "text": "The parking lot at your store is always full",
        "language": "en",
        "category": "stock",
        "grade": "important",
    },
]


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    return path


def test_the_shipped_router_is_measured_per_language_with_each_miss(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path))
    rows = read_labelled([write_rows(tmp_path / "set.jsonl", ROWS)], settings.rules.categories)
    decide = router_of(settings.rules, settings.service_levels, "en", shipped_model())

    evaluation = evaluate(rows, decide)

    assert evaluation.rows == {"es": 1, "en": 2, "zh-Hans": 1}
    assert evaluation.accuracy("language") == 1.0
    # the last row is labelled wrongly on purpose: its category and grade are counted as misses
    assert evaluation.accuracy("category", "en") == 0.5
    assert evaluation.accuracy("grade") == 0.75
    assert [miss.row.where.rsplit(":", 1)[1] for miss in evaluation.misses] == ["4"]
    assert evaluation.misses[0].routed == {"category": "other", "grade": "general"}
    text = report(evaluation, list(settings.rules.categories))
    assert "all           4   100.0%    75.0%    75.0%" in text
    assert "category stock → other, grade important → general" in text


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "expected a JSON object"),
        (
            '{"text": "x", "language": "fr", "category": "billing", "grade": "general"}',
            "language 'fr'",
        ),
        (
            '{"text": "x", "language": "en", "category": "bills", "grade": "general"}',
            "category 'bills'",
        ),
        ('{"text": "x", "language": "en", "category": "billing", "grade": "high"}', "grade 'high'"),
        ('{"language": "en", "category": "billing", "grade": "general"}', "expected a JSON"),
    ],
)
def test_a_bad_row_stops_the_run_naming_file_and_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=f"set.jsonl:3: {problem}"):
        read_labelled([path], ["billing"])


def test_the_command_prints_the_figures_and_refuses_a_bad_file(tmp_path: Path) -> None:
    config = write_settings(tmp_path)
    labelled = write_rows(tmp_path / "set.jsonl", ROWS[:3])
    command = [sys.executable, str(ROOT / "bot.py"), "--config", str(config), "evaluate-routing"]

    done = subprocess.run(  # noqa: S603 (our own command line)
        [*command, str(labelled)], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert "rule set version 1, triage model version 1, 3 complaints" in done.stdout
    assert "all           3   100.0%   100.0%   100.0%" in done.stdout
    assert "misses: 0" in done.stdout
    missing = subprocess.run(  # noqa: S603 (our own command line)
        [*command, str(tmp_path / "absent.jsonl")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr and "absent.jsonl" in missing.stderr
