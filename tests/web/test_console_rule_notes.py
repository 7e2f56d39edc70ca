"""A rule set version's note, written in English by the rule book, reads in the console's
languages: the frame and the summary of what changed after it are translated, the rules' names
are kept."""

from __future__ import annotations

import html

import pytest

from tests.web.conftest import Desk, console_login
from web.console.i18n import catalogs, say
from web.console.rule_notes import rule_note


@pytest.mark.parametrize(
    ("note", "locale", "shown"),
    [
        (
            "added rule 'fibra cortada' at position 1",
            "es",
            "se añadió la regla «fibra cortada» en la posición 1",
        ),
        ("disabled rule 'fibra cortada'", "zh-Hant", "停用了規則「fibra cortada」"),
        ('moved rule "x" to position 3', "zh-Hans", "将规则“x”移到第 3 位"),
        ("deleted rule 'x'", "es", "se eliminó la regla «x»"),
        ("imported TOML: added 'x'", "es", "se importó TOML: reglas añadidas: «x»"),
        (
            "replaced the rule list: routing changed; added 'a', \"b'c\"; removed 'd'; "
            "changed 'e' (keywords, grade); reordered",
            "zh-Hant",
            "替換了規則清單：路由設定已變更；新增了規則「a」、「b'c」；刪除了規則「d」；"
            "修改了規則「e」（關鍵詞、等級）；調整了規則順序",
        ),
        ("changed 'e' (pattern, min_grade)", "es", "se cambió «e» (patrón, gravedad mínima)"),
        (
            "imported TOML: departments changed; categories changed",
            "zh-Hans",
            "导入了 TOML：部门已更改；类别已更改",
        ),
        ("imported TOML: no change", "es", "se importó TOML: sin cambios"),
        ("imported TOML: something unheard of", "es", "se importó TOML: something unheard of"),
        ("added rule 'y' last", "en", "added rule “y” last"),
        ("a note given at publishing", "es", "a note given at publishing"),
    ],
)
def test_a_version_note_is_shown_in_the_readers_language(
    note: str, locale: str, shown: str
) -> None:
    assert say(catalogs()[locale], rule_note(note)) == shown


async def test_the_rules_page_shows_a_versions_note_in_the_readers_language(desk: Desk) -> None:
    await desk.app.state.services.accounts.create(
        "Lola", "admin", (), "correct horse battery", language="es"
    )
    client, _, _ = await console_login(desk, "Lola", "correct horse battery")
    rules = (await desk.app.state.services.rule_book.tables()).get("rules") or []
    name = rules[0]["name"]
    api = await desk.account("Root", role="admin", departments=(), password="correct horse")
    assert (await api.post(f"/api/rules/{name}/disable")).status_code == 200

    page = html.unescape((await client.get("/console/rules")).text)

    assert f"se desactivó la regla «{name}»" in page
    assert f"disabled rule '{name}'" not in page
