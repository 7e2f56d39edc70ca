"""Every text the customer reads exists in every language: the short texts and the status
names (a new status or language without its names fails here)."""

from __future__ import annotations

import pytest

from complaints.languages import SUPPORTED
from complaints.workflow import STATUSES
from outbox.names import STATUS_NAMES, status_name
from outbox.texts import TEXTS


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_status_has_a_name_in_every_language(language: str) -> None:
    names = STATUS_NAMES.get(language, {})
    missing = [status for status in STATUSES if not names.get(status)]
    assert not missing, f"{language} has no name for {missing}"
    assert set(names) <= set(STATUSES), "a name for a status that does not exist"


@pytest.mark.parametrize("language", [language for language in SUPPORTED if language != "en"])
def test_no_status_reads_as_the_raw_english_key(language: str) -> None:
    for status in STATUSES:
        assert "_" not in status_name(language, status)
        assert status_name(language, status) != status_name("en", status)


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_text_exists_in_every_language(language: str) -> None:
    assert set(TEXTS[language]) == set(TEXTS["en"])
