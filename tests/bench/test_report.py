"""bench/report.py's invalid-run path, which the smoke runs (all valid) never take: a failed
check must be printed, the servers' log shown, and the BENCH-RESULT line marked invalid."""

from __future__ import annotations

import json

import pytest

from bench.report import compare, conclude, log_tail


def test_a_failed_check_prints_invalid_run_the_log_and_an_invalid_result(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = conclude(
        ["bot: 23 stored for 24 mails"],
        log_tail("x" * 5000 + "the end"),
        bench="smtp",
        path="SMTP, 20 mails, 2 connections",
        bot="26 mails/s",
        baseline="81 mails/s",
        ratio=0.3249,
        rss_mb=171.26,
    )
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert lines[0] == "INVALID RUN: bot: 23 stored for 24 mails"
    assert lines[1] == "---- the bot's log (last lines)"
    assert lines[2] == "x" * (3000 - len("the end")) + "the end"
    assert lines[3].startswith("BENCH-RESULT ")
    result = json.loads(lines[3].removeprefix("BENCH-RESULT "))
    assert list(result) == ["bench", "path", "bot", "baseline", "ratio", "rss_mb", "valid"]
    assert (result["ratio"], result["rss_mb"], result["valid"]) == (0.32, 171.3, False)


def test_a_valid_run_shows_no_log_and_an_empty_log_is_not_shown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert log_tail(" \n") is None
    figures = {"bench": "b", "path": "p", "bot": "", "baseline": "", "ratio": 1.0, "rss_mb": 1.0}
    status = conclude([], log_tail("a warning"), **figures)
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert len(lines) == 1
    assert json.loads(lines[0].removeprefix("BENCH-RESULT "))["valid"] is True


def test_the_ratio_is_the_median_of_the_rounds_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    ratios = compare(("one req/s", [100.0, 50.0, 80.0]), ("two req/s", [150.0, 100.0, 80.0]))
    assert ratios == [1.5, 2.0, 1.0]
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "one req/s: 80.00 (median of 3 rounds: 100.00, 50.00, 80.00)",
        "two req/s: 100.00 (median of 3 rounds: 150.00, 100.00, 80.00)",
        "ratio bot/baseline: 1.50 (median of 3 rounds: 1.50, 2.00, 1.00)",
    ]
