"""A customer's name as their channel gave it, as greetings say it and as staff notices show
it (complaints.names): the one rule letters, the Telegram welcome and staff posts share."""

from __future__ import annotations

import pytest

from complaints.names import LONGEST, addressee, identifying

SLOGAN = "Best prices on phones, visit our shop today and save up to fifty %"


@pytest.mark.parametrize(
    ("written", "greeted"),
    [
        ("PEREZ, JOSE", "Jose Perez"),
        ("ANA MARÍA O'BRIEN", "Ana María O'Brien"),
        ("McDonald", "McDonald"),
        ("JOSE PEREZ", "Jose Perez"),
        ("ANA DE LA CRUZ", "Ana de la Cruz"),
        ("LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"),
        # As written: a short all-caps token, an acronym, a name with capitals inside it,
        # one shouted word (nothing tells a name from an acronym), Chinese mixed with Latin.
        ("HK", "HK"),
        ("IBM", "IBM"),
        ("McDONALD", "McDONALD"),
        ("JOSE McDONALD", "JOSE McDONALD"),
        ("HK LEE", "HK LEE"),
        ("LEE, HK", "HK LEE"),
        ("PEREZ", "PEREZ"),
        ("李WEI", "李WEI"),
        ("王丽", "王丽"),
        ("Ana 🔥", "Ana"),
        ("🔥🔥", ""),
        ("   ", ""),
        ("Ana\u200b", "Ana"),
        ("12345", ""),
        (SLOGAN[:64], ""),
    ],
)
def test_a_greeting_says_only_what_reads_as_a_name(written: str, greeted: str) -> None:
    assert addressee(written) == greeted


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("PEREZ, JOSE", "Jose Perez"),
        ("ana.martinez", '"ana.martinez"'),
        ("🔥🔥", '"🔥🔥"'),
        ("   ", ""),
        ("\u200b", ""),
        (SLOGAN[:64], '"' + SLOGAN[: LONGEST - 1] + '…"'),
    ],
)
def test_staff_see_the_name_or_the_raw_one_quoted_and_cut(written: str, shown: str) -> None:
    assert identifying(written) == shown
