"""What a customer is promised next, in progress updates and the Telegram /status: never a time
already past, never a first answer that was already given, nothing for a finished complaint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake.chat_status import status_text
from outbox.next_step import next_step
from store.models import Complaint

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def fmt(due: datetime, language: str) -> str:
    return f"{due:%H:%M}"


def complaint(status: str = "assigned", language: str = "en", **fields: object) -> Complaint:
    values: dict[str, object] = {
        "number": "C-2026-000001",
        "status": status,
        "language": language,
        "first_response_due": NOW + timedelta(hours=2),
        "resolution_due": NOW + timedelta(days=2),
        "created_at": NOW - timedelta(hours=1),
    }
    return Complaint(**(values | fields))


def test_before_the_first_answer_it_promises_the_first_answer() -> None:
    assert next_step(complaint(), NOW, fmt) == "A person will answer you by 14:00."


def test_after_the_first_answer_it_promises_the_resolution_not_an_answer() -> None:
    said = next_step(complaint(first_response_at=NOW), NOW, fmt)
    assert "resolve" in said and "answer you by" not in said


@pytest.mark.parametrize("language", ["en", "es", "zh-Hans", "zh-Hant"])
def test_a_time_already_past_is_never_promised(language: str) -> None:
    late = complaint(language=language, first_response_due=NOW - timedelta(minutes=5))
    said = next_step(late, NOW, fmt)
    assert said and "11:55" not in said


@pytest.mark.parametrize(
    "status", ["resolved", "closed", "rejected", "merged", "awaiting_customer"]
)
def test_nothing_is_promised_when_nothing_is_due_from_the_desk(status: str) -> None:
    assert next_step(complaint(status), NOW, fmt) == ""


def test_status_lines_name_the_status_in_words_and_promise_nothing_for_a_closed_case() -> None:
    lines = status_text(
        [complaint("closed"), complaint("investigating", number="C-2026-000002")], "es", NOW, fmt
    ).splitlines()
    assert lines[0] == "C-2026-000001 - cerrada."
    assert lines[1].startswith("C-2026-000002 - en investigación.") and "14:00" in lines[1]
