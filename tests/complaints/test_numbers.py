"""Complaint numbers in free text: a customer types them in any case."""

from __future__ import annotations

from complaints.numbers import IN_TEXT, numbers_in


def test_numbers_in_text_are_read_in_any_case_and_given_upper_case() -> None:
    text = "Sobre c-2026-000013 y C-2026-000003: no estoy de acuerdo."
    assert numbers_in(text) == ["C-2026-000013", "C-2026-000003"]


def test_a_field_that_must_hold_a_number_stays_exact() -> None:
    assert IN_TEXT.fullmatch("C-2026-000013") and not IN_TEXT.fullmatch("c-2026-000013")
    assert numbers_in("XC-2026-000013 C-26-13") == []
