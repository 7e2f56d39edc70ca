"""The pattern pre-check never skips a text its pattern matches (see `router.prefilter`)."""

from __future__ import annotations

import re
import string

import pytest

from admin.routing_evaluation import read_labelled
from admin.triage_data import labelled_directory
from config import load_settings
from router.prefilter import _CASE_TWINS, lowered, may_match_lowered, needles
from tests.router.shipped import SETTINGS_PATH

_EVERY_CHARACTER = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)


def test_case_twins_are_every_non_ascii_match_of_an_ascii_letter() -> None:
    """What `may_match_lowered` relies on: under IGNORECASE an ASCII letter matches only characters
    that lower-case to it, or one of the twins (which make the text always scanned)."""
    for letter in string.ascii_lowercase:
        found = set(re.compile(letter, re.IGNORECASE).findall(_EVERY_CHARACTER))
        odd = {char for char in found if char.lower() != letter}
        assert odd <= _CASE_TWINS, letter


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(?x) \b(?: Refund | cobr[oó] ) \s+ now", ("refund", "cobr")),
        (r"abc(?:xy|z)+def", ("abc",)),
        (r"(?-i:Ab)c", ("c",)),
        (r"a?b*", None),
        (r"(?:a|)x", ("x",)),
        (r"退款|扣", ("退款", "扣")),
    ],
)
def test_needles(pattern: str, expected: tuple[str, ...] | None) -> None:
    found = needles(re.compile(pattern, re.IGNORECASE))
    assert (None if found is None else set(found)) == (None if expected is None else set(expected))


def test_needles_need_ignorecase() -> None:
    """`lowered` lower-cases the text, which only a case-blind pattern allows."""
    assert needles(re.compile("Refund")) is None


def test_a_case_twin_is_always_scanned() -> None:
    pattern = re.compile("kit", re.IGNORECASE)
    assert pattern.search("\u212ait") is not None
    assert may_match_lowered(needles(pattern), lowered("\u212ait"))


def test_shipped_patterns_are_scanned_wherever_they_match() -> None:
    """Every labelled text and a few written to trip the check: a match is never skipped."""
    rules = load_settings(SETTINGS_PATH).rules
    files = sorted(labelled_directory().glob("train-*.jsonl"))
    texts = [row.text for row in read_labelled(files, rules.categories)]
    texts += ["REFUNDED ſo €500", "Faceboo\u212a post", "I\u0130NTERNET down 5 DAYS"]
    patterns = [rule.pattern_regex for rule in rules.rules if rule.pattern_regex is not None]
    assert patterns
    for pattern in patterns:
        wanted = needles(pattern)
        assert wanted is not None, pattern.pattern[:40]
        for text in texts:
            if pattern.search(text) is not None:
                assert may_match_lowered(wanted, lowered(text)), (pattern.pattern[:40], text)
