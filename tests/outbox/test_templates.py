"""Reply templates: per language, optionally per department, checked at start."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from complaints.errors import TemplateProblem
from complaints.languages import SUPPORTED
from config import load_settings
from outbox.next_step import Standing, standing
from outbox.settings import CustomerZones
from outbox.templates import KINDS, SHIPPED, Replies, ReplyContext
from outbox.texts import say
from store.models import Complaint
from tests.conftest import ROOT

RULES = load_settings(ROOT / "settings.toml").rules
DUE = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)


def context(language: str, department: str = "billing") -> ReplyContext:
    return ReplyContext("C-2026-000042", "Ana", language, department, "billing", "urgent", DUE)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "Dear Ana",
                "C-2026-000042",
                "Billing",
                "urgent",
                "02 Mar 2026 18:30 (Central European Standard Time)",
            ],
        ),
        (
            "es",
            [
                "Estimado/a Ana",
                "Facturación",
                "urgente",
                "02/03/2026 a las 18:30 (hora estándar de Europa central)",
            ],
        ),
        ("zh-Hans", ["Ana，您好", "账务部", "紧急", "2026年3月2日 18:30（中欧标准时间）"]),
        ("zh-Hant", ["Ana，您好", "帳務部", "緊急", "2026年3月2日 18:30（中歐標準時間）"]),
    ],
)
def test_the_acknowledgement_in_each_language(language: str, expected: list[str]) -> None:
    replies = Replies(None, lambda: RULES, CustomerZones(ZoneInfo("Europe/Madrid")), "ACME")
    text = replies.render("acknowledgement", context(language))
    for fragment in expected:
        assert fragment in text


def test_each_language_reads_the_deadline_in_its_own_zone_named_in_full() -> None:
    """A desk serving Taiwan and Spain: "CST" would be China's time in Taipei and the US
    Central time in Madrid."""
    zones = CustomerZones(ZoneInfo("Europe/Madrid"), {"zh-Hant": ZoneInfo("Asia/Taipei")})
    replies = Replies(None, lambda: RULES, zones, "ACME")
    assert "2026年3月3日 01:30（台北標準時間）" in replies.render(
        "acknowledgement", context("zh-Hant")
    )
    spanish = replies.render("acknowledgement", context("es"))
    assert "02/03/2026 a las 18:30 (hora estándar de Europa central)" in spanish
    summer = replies.format_due(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), "es")
    assert summer == "01/07/2026 a las 11:00 (hora de verano de Europa central)"


def test_the_shipped_templates_are_complete_and_render() -> None:
    replies = Replies(None, lambda: RULES, CustomerZones(ZoneInfo("UTC")), "ACME")
    replies.check(DUE)
    assert replies.available == {
        f"{kind}/{language}.txt" for kind in KINDS for language in SUPPORTED
    }
    assert replies.file("followup/es.txt") == SHIPPED / "followup/es.txt"


def test_a_configured_folder_replaces_the_shipped_templates_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "acknowledgement").mkdir()
    (tmp_path / "acknowledgement/es.txt").write_text("Hola {{ customer_name }}: {{ number }}")
    replies = Replies(tmp_path, lambda: RULES, CustomerZones(ZoneInfo("Europe/Madrid")), "ACME")
    replies.check(DUE)
    assert replies.render("acknowledgement", context("es")) == "Hola Ana: C-2026-000042\n"
    # every file the folder does not hold is still the shipped one
    assert "Dear Ana" in replies.render("acknowledgement", context("en"))
    assert "C-2026-000042" in replies.render("followup", context("es"))
    assert replies.file("acknowledgement/es.txt") == tmp_path / "acknowledgement/es.txt"
    assert replies.file("acknowledgement/en.txt") == SHIPPED / "acknowledgement/en.txt"


def test_a_department_may_have_its_own_template(tmp_path: Path) -> None:
    (tmp_path / "acknowledgement/billing").mkdir(parents=True)
    (tmp_path / "acknowledgement/billing/en.txt").write_text("Billing desk: {{ number }}")
    replies = Replies(tmp_path, lambda: RULES, CustomerZones(ZoneInfo("UTC")), "ACME")
    assert replies.render("acknowledgement", context("en")) == "Billing desk: C-2026-000042\n"
    assert "Dear Ana" in replies.render("acknowledgement", context("en", "quality"))


@pytest.mark.parametrize(
    "name", ["acknowledgment/en.txt", "acknowledgement/english.txt", "followup/a/b/en.txt"]
)
def test_a_file_the_bot_would_never_use_stops_the_check_naming_it(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_text("Hello {{ number }}")
    (tmp_path / "README.md").write_text("notes beside the templates are left alone")
    replies = Replies(tmp_path, lambda: RULES, CustomerZones(ZoneInfo("UTC")), "ACME")
    with pytest.raises(TemplateProblem, match=rf"{tmp_path / name}: not a reply template"):
        replies.check(DUE)


def test_an_unknown_placeholder_stops_the_check_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "acknowledgement").mkdir()
    (tmp_path / "acknowledgement/en.txt").write_text("Hello\n{{ nmuber }}")
    replies = Replies(tmp_path, lambda: RULES, CustomerZones(ZoneInfo("UTC")), "ACME")
    with pytest.raises(TemplateProblem, match=rf"{tmp_path}/acknowledgement/en.txt.*nmuber"):
        replies.check(DUE)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Where it stands: your complaint is being investigated, handled by Li. Soon."),
        ("es", "Situación actual: su reclamación está en investigación, gestionada por Li. Soon."),
        ("zh-Hans", "处理进度：您的投诉当前状态为调查中，由Li负责。Soon."),
        ("zh-Hant", "處理進度：您的投訴目前狀態為調查中，由Li負責。Soon."),
    ],
)
def test_the_follow_up_says_where_the_complaint_stands(language: str, expected: str) -> None:
    replies = Replies(None, lambda: RULES, CustomerZones(ZoneInfo("Europe/Madrid")), "ACME")
    found = Complaint(
        number="C-2026-000042",
        status="investigating",
        assignee="Li",
        language=language,
        first_response_at=DUE,
        resolution_due=DUE,
    )
    stands = standing(found, DUE, lambda due, language: "x")
    assert stands.next == say(language, "next.resolution_late")  # the promised time is now
    stands = Standing(stands.status, stands.owner, "Soon.")
    text = replies.render("followup", replace(context(language), standing=stands))
    assert expected in text
    assert text.rstrip().endswith("ACME")


def test_a_new_complaints_template_gets_the_standing_empty() -> None:
    replies = Replies(None, lambda: RULES, CustomerZones(ZoneInfo("Europe/Madrid")), "ACME")
    text = replies.render("followup", context("en"))
    assert "Where it stands" not in text and "\n\n\n" not in text


def test_a_template_edited_before_the_next_start_is_the_one_it_renders(tmp_path: Path) -> None:
    """Compiled templates are kept per process, by their source: each start reads the files,
    and one edited since (here to text of the very same length) is compiled again."""
    (tmp_path / "acknowledgement").mkdir()
    template = tmp_path / "acknowledgement/en.txt"
    for text in ("First: {{ number }}", "Again: {{ number }}", "First: {{ number }}"):
        template.write_text(text)
        replies = Replies(tmp_path, lambda: RULES, CustomerZones(ZoneInfo("UTC")), "ACME")
        replies.check(DUE)
        expected = text.replace("{{ number }}", "C-2026-000042") + "\n"
        assert replies.render("acknowledgement", context("en")) == expected
