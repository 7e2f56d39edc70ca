"""The console's catalogs are complete and in step with the code: the texts extracted now from
the templates and modules, and the refusals of the services the console shows (as
`pybabel extract -F web/console/babel.cfg .` does from the repository's root), are exactly the
msgids of each .po file, each translated, with the same placeholders. A new text without a
translation in all four languages fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from complaints.workflow import STATUSES
from web.console.i18n import LOCALE_DIR, LOCALES, N_, Phrase, catalogs
from web.console.wording import LABELS, when

CONSOLE = LOCALE_DIR.parent
ROOT = CONSOLE.parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> set[str]:
    with (CONSOLE / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "console.po").open("rb") as source:
        return read_po(source, locale=locale)


def _translations(catalog: Catalog) -> Iterator[tuple[str, str]]:
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:  # a plural's forms share the singular's placeholders
            yield ids[0], string


@pytest.mark.parametrize("locale", list(LOCALES.values()))
def test_every_text_of_the_console_is_translated_in_each_language(locale: str) -> None:
    catalog = _catalog(locale)
    msgids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    extracted = _extracted()
    assert sorted(extracted - msgids) == [], "new texts: run pybabel extract and update"
    assert sorted(msgids - extracted) == [], "texts no longer used: run pybabel update"
    assert not [m.id for m in catalog if m.id and m.fuzzy], f"{locale}: fuzzy entries"
    for msgid, string in _translations(catalog):
        assert string.strip(), f"{locale}: no translation for {msgid!r}"
        assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(msgid)), (
            f"{locale}: the placeholders of {msgid!r} differ in {string!r}"
        )


def test_the_checks_above_can_fail() -> None:
    """An extra text in the code is found; so is an untranslated one."""
    assert "Queue" in _extracted()
    assert "A text nobody translated" not in _extracted()
    untranslated = Catalog(locale="es")
    untranslated.add("Queue", "")
    assert [string for _, string in _translations(untranslated)] == [""]


def test_a_phrase_is_translated_with_its_values_when_shown() -> None:
    said = N_("Saved %(name)s.", name="'Ana'")
    assert said.translated(catalogs()["es"]) == "Se ha guardado 'Ana'."
    assert said.translated(catalogs()["zh-Hant"]) == "已儲存 'Ana'。"
    nested = N_(
        "This page needs the %(role)s role; you are %(yours)s.", role=N_("admin"), yours=N_("agent")
    )
    assert nested.translated(catalogs()["zh-Hans"]) == "此页面需要“管理员”角色；您的角色是“客服”。"
    assert Phrase.of(nested.carried()) == nested
    forged = Phrase("Saved %(name)s.", {})  # a flash cookie written by someone else
    assert forged.translated(catalogs()["es"]) == "Se ha guardado %(name)s."


def test_every_status_has_a_name_for_staff() -> None:
    assert set(STATUSES) <= set(LABELS["status"])


def test_times_are_written_in_each_locale() -> None:
    moment = datetime(2026, 12, 6, 19, 5, tzinfo=UTC)
    assert when(moment, "en") == "Dec 6, 2026, 19:05 UTC"
    assert when(moment, "es") == "6 dic 2026, 19:05 UTC"
    assert when(moment, "zh_Hans") == "2026年12月6日 19:05 UTC"
    assert when(None, "en") == ""
