"""Complaint numbers in free text: a customer types them in any case."""

from __future__ import annotations

import pytest

from complaints.numbers import IN_TEXT, numbers_in


def test_numbers_in_text_are_read_in_any_case_and_given_upper_case() -> None:
    text = "Sobre c-2026-000013 y C-2026-000003: no estoy de acuerdo."
    assert numbers_in(text) == ["C-2026-000013", "C-2026-000003"]


def test_a_field_that_must_hold_a_number_stays_exact() -> None:
    assert IN_TEXT.fullmatch("C-2026-000013") and not IN_TEXT.fullmatch("c-2026-000013")
    assert numbers_in("XC-2026-000013 C-26-13") == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("關於投訴Ｃ－２０２６－０００００７", "C-2026-000007"),
        ("關於投訴Ｃ－２０２６－００００７", "C-2026-000007"),
        ("投诉c-2026-000006的进展", "C-2026-000006"),
        ("número C-2026-0000123.", "C-2026-000123"),
        ("see C-2026-1234567", "C-2026-1234567"),
    ],
)
def test_numbers_typed_full_width_short_or_against_chinese_are_read(text: str, number: str) -> None:
    assert numbers_in(text) == [number]
