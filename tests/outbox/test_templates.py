"""Reply templates: per language, optionally per department, checked at start."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from complaints.errors import TemplateProblem
from config import load_settings
from outbox.templates import Replies, ReplyContext
from tests.conftest import ROOT

RULES = load_settings(ROOT / "settings.toml").rules
DUE = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)


def context(language: str, department: str = "billing") -> ReplyContext:
    return ReplyContext("C-2026-000042", "Ana", language, department, "billing", "urgent", DUE)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Dear Ana", "C-2026-000042", "Billing", "urgent", "02 Mar 2026 18:30 (CET)"]),
        ("es", ["Estimado/a Ana", "Facturación", "urgente", "02/03/2026 a las 18:30 (CET)"]),
        ("zh-Hans", ["Ana，您好", "账务部", "紧急", "2026年03月02日 18:30（CET）"]),
        ("zh-Hant", ["Ana，您好", "帳務部", "緊急", "2026年03月02日 18:30（CET）"]),
    ],
)
def test_the_acknowledgement_in_each_language(language: str, expected: list[str]) -> None:
    replies = Replies(ROOT / "templates", lambda: RULES, ZoneInfo("Europe/Madrid"), "ACME")
    text = replies.render("acknowledgement", context(language))
    for fragment in expected:
        assert fragment in text


def test_a_department_may_have_its_own_template(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "templates/acknowledgement/billing").mkdir()
    (tmp_path / "templates/acknowledgement/billing/en.txt").write_text("Billing desk: {{ number }}")
    replies = Replies(tmp_path / "templates", lambda: RULES, ZoneInfo("UTC"), "ACME")
    assert replies.render("acknowledgement", context("en")) == "Billing desk: C-2026-000042\n"
    assert "Dear Ana" in replies.render("acknowledgement", context("en", "quality"))


def test_a_missing_language_stops_the_check_naming_the_file(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "templates/followup/es.txt").unlink()
    replies = Replies(tmp_path / "templates", lambda: RULES, ZoneInfo("UTC"), "ACME")
    with pytest.raises(TemplateProblem, match=r"followup/es.txt: template missing"):
        replies.check(DUE)


def test_an_unknown_placeholder_stops_the_check_naming_the_file(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "templates/acknowledgement/en.txt").write_text("Hello {{ nmuber }}")
    replies = Replies(tmp_path / "templates", lambda: RULES, ZoneInfo("UTC"), "ACME")
    with pytest.raises(TemplateProblem, match=r"acknowledgement/en.txt.*nmuber"):
        replies.check(DUE)
