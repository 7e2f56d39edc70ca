"""Sizes as people read them, one way everywhere (customers' texts, refusals, the console):
units of 1,024, one decimal when it matters, the decimal mark of the reader's language."""

from __future__ import annotations

import pytest

from complaints.sizes import readable_size


@pytest.mark.parametrize(
    ("count", "language", "expected"),
    [
        (13_002_342, "en", "12.4 MB"),
        (13_002_342, "es", "12,4 MB"),
        (13_002_342, "zh-Hans", "12.4 MB"),
        (13_002_342, "zh-Hant", "12.4 MB"),
        (10 << 20, "en", "10 MB"),
        (5 << 20, "es", "5 MB"),
        (2048, "en", "2 KB"),
        (1536, "es", "1,5 KB"),
        (100, "en", "100 B"),
        (0, "zh-Hans", "0 B"),
        (3 << 30, "en", "3 GB"),
    ],
)
def test_a_size_reads_in_the_readers_language(count: int, language: str, expected: str) -> None:
    assert readable_size(count, language) == expected


def test_a_size_over_a_limit_never_reads_as_the_limit() -> None:
    """5 MB and one byte is "5.1 MB" beside a limit of "5 MB", not "5 MB" (rounded up)."""
    assert readable_size((5 << 20) + 1, up=True) == "5.1 MB"
    assert readable_size((5 << 20) + 1) == "5 MB"
    assert readable_size(5 << 20, up=True) == "5 MB"


def test_just_under_a_unit_reads_as_that_unit() -> None:
    assert readable_size((1 << 20) - 10) == "1 MB"
