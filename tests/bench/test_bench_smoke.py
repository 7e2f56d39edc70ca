"""The benchmarks at tiny sizes, so they keep working as the code changes.

Each runs as a user would run it, against the real servers it starts, and must finish, find
its run valid (every complaint stored and acknowledged) and print its ratio to the bare
baseline. No figure is asserted: speed is the benchmarks' business, and tiny runs measure
nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.all import table

ROOT = Path(__file__).resolve().parents[2]


def finished(script: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`script` run as a user runs it, from the project root."""
    return subprocess.run(  # noqa: S603 (our own scripts)
        [sys.executable, script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_script(script: str, *args: str) -> str:
    """What `script` printed; it must have succeeded."""
    done = finished(script, *args)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


def refusal(script: str, *args: str) -> str:
    """Why `script` refused `args`: it must have exited as argparse does on a usage error."""
    done = finished(script, *args, timeout=60)
    assert done.returncode == 2, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stderr


def run_bench(script: str, *args: str) -> tuple[str, dict[str, Any]]:
    out = run_script(script, *args)
    results = [line for line in out.splitlines() if line.startswith("BENCH-RESULT ")]
    assert len(results) == 1, out[-4000:]
    return out, json.loads(results[0].removeprefix("BENCH-RESULT "))


def check_result(result: dict[str, Any], bench: str) -> None:
    assert result["bench"] == bench
    assert result["valid"] is True
    assert result["ratio"] > 0
    assert 20 < result["rss_mb"] < 2000


def test_webhook_bench_runs_and_prints_its_ratio() -> None:
    out, result = run_bench(
        "bench/intake.py",
        *("--requests", "20", "--connections", "4", "--warmup", "8", "--rounds", "2"),
    )
    assert "ratio bot/baseline: " in out
    assert "median of 2 rounds" in out
    assert "stored: bot 48 complaints, baseline 48 rows" in out
    check_result(result, "webhook")


@pytest.mark.parametrize(
    ("script", "bench", "shown"),
    [
        ("bench/smtp_intake.py", "smtp", ["24 in all, 24 distinct complaint numbers"]),
        (
            "bench/mail_e2e.py",
            "mail_e2e",
            [  # the end-to-end bench waits for every acknowledgement, both servers'
                "bot end to end / bare SMTP sink: ",
                "issue 15: 3 x 55 / 377 = 0.438",
                "acknowledgements at the relay: 48 (24 distinct complaint numbers",
            ],
        ),
    ],
    ids=["smtp", "mail_e2e"],
)
def test_mail_bench_runs_and_prints_its_ratio(script: str, bench: str, shown: list[str]) -> None:
    out, result = run_bench(
        script, *("--messages", "20", "--connections", "2", "--warmup", "4", "--rounds", "1")
    )
    assert "ratio bot/baseline: " in out
    for phrase in shown:
        assert phrase in out
    check_result(result, bench)


def test_instances_bench_shares_the_work_without_doubles(postgres_admin_url: str) -> None:
    out, result = run_bench(
        "bench/instances.py",
        *("--requests", "20", "--connections", "4", "--warmup", "4", "--rounds", "1"),
        *("--postgres", postgres_admin_url),
    )
    assert "ratio two/one: " in out
    assert "stored: 48 complaints for 48 sent" in out
    assert "0 inbound messages stored twice" in out
    assert "callback: 48 complaints, 0 of them with two acknowledgements" in out
    check_result(result, "instances")


def test_the_summary_table_marks_invalid_and_failed_runs() -> None:
    rows = table(
        [
            {"path": "webhook", "bot": "240 req/s", "baseline": "2,058 req/s", "ratio": 0.1166}
            | {"rss_mb": 140.4, "valid": True},
            {"path": "smtp", "bot": "74 mails/s", "baseline": "377 mails/s", "ratio": 0.2}
            | {"rss_mb": 139.6, "valid": False},
            {"path": "instances", "valid": False, "error": "PostgreSQL is not reachable"},
        ]
    ).splitlines()
    assert rows[2] == "| webhook | 240 req/s | 2,058 req/s | 0.12 | 140 MB |"
    assert rows[3] == "| smtp | 74 mails/s (INVALID RUN) | 377 mails/s | 0.20 | 140 MB |"
    assert rows[4] == "| instances | failed: PostgreSQL is not reachable | | | |"


def test_all_refuses_an_unknown_benchmark() -> None:
    assert "unknown: ['smpt']" in refusal("bench/all.py", "--only", "webhook,smpt")


@pytest.mark.parametrize("script", ["bench/intake.py", "bench/mail_e2e.py"])
def test_a_bench_refuses_sizes_it_cannot_run(script: str) -> None:
    assert "--rounds must be at least 1" in refusal(script, "--rounds", "0")


def test_the_intake_cpu_bench_splits_a_complaint_and_checks_every_one_was_stored() -> None:
    out = run_script("bench/intake_cpu.py", "--complaints", "10", "--rounds", "1")
    assert "stored: 276 complaints (expected 276, warm-up included)" in out
    figures = out.split("in flight):", 1)[1]
    for name in ("bare insert", "intake", "intake, routing free", "route"):
        assert f"  {name} " in figures


def test_the_outbox_lanes_bench_times_the_looks_past_a_stuck_lane(postgres_admin_url: str) -> None:
    out = run_script(
        "bench/outbox_lanes.py", "--stuck", "100", "--runs", "2", "--postgres", postgres_admin_url
    )
    assert "INVALID" not in out
    for store in ("sqlite", "postgresql"):
        figures = out.split(f"\n{store}:", 1)[1]
        assert "\n      100 " in figures  # the stuck size beside the baseline's 0
        assert "ix_outbox_lane_due" in figures  # the look's plan is printed


def test_the_mail_cpu_bench_splits_a_mail_and_checks_every_one_was_acknowledged(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "profile.txt"
    out = run_script(
        "bench/mail_cpu.py", "--mails", "8", "--rounds", "1", "--profile", str(profile)
    )
    assert "acknowledged: 8 mails (expected 8)" in out
    figures = out.split("in flight):", 1)[1]
    for name in ("bare sink", "intake", "intake, routing free", "acknowledge", "served", "parse"):
        assert f"  {name} " in figures
    assert "intake/receive.py" in profile.read_text()
    assert profile.with_suffix(".prof").stat().st_size > 0
