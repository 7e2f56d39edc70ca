"""Every reason a channel keeps a dead letter for reads in the console's language. The reasons
are found by reading the code: the refusals caught where a dead letter is kept (and their
subclasses), wherever they are raised, and the frames written around them; a new one without
an entry in web/console/letter_reasons.py fails here. The stored reason stays English."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import pytest

from tests.mailpeers import mail, send
from tests.web.browser import PASSWORD
from tests.web.code_reading import CALLS, MODULES, argument, called_name, texts
from tests.web.conftest import Desk, console_login, rows
from web.console.i18n import Phrase, Size, catalogs
from web.console.letter_reasons import letter_reason

KEEPS = "keep_dead_letter"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _kept_errors() -> set[str]:
    """The error classes caught around a dead letter's keeping, with their subclasses."""
    caught: set[str] = set()
    for module in MODULES:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                keeps = any(
                    isinstance(inner, ast.Call) and called_name(inner) == KEEPS
                    for statement in node.body
                    for inner in ast.walk(statement)
                )
                names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                if keeps:
                    caught |= {name.id for name in names if isinstance(name, ast.Name)}
    bases = {
        node.name: {base.id for base in node.bases if isinstance(base, ast.Name)}
        for module in MODULES
        for node in ast.walk(module.tree)
        if isinstance(node, ast.ClassDef)
    }
    grown = True
    while grown:
        more = {name for name, parents in bases.items() if parents & caught} - caught
        caught |= more
        grown = bool(more)
    return caught


def _reasons() -> Iterator[tuple[str, str]]:
    """(where, reason) of each reason a dead letter can be kept with; values written "0"."""
    for error in sorted(_kept_errors()):
        for module, call in CALLS.get(error, []):
            given = argument(call, 0, "msgid")
            for text in texts(module, given, call) if given is not None else ():
                yield module.where(call), PLACEHOLDER.sub("0", text)
    for module, call in CALLS.get(KEEPS, []):
        for given in call.args:
            # a frame around the error's own text, written here or by a function
            if isinstance(given, ast.JoinedStr | ast.Call):
                yield from ((module.where(call), text) for text in texts(module, given, call))


def _worded(shown: object) -> bool:
    catalog = catalogs()["en"]
    if not isinstance(shown, Phrase) or shown.msgid not in catalog._catalog:
        return False
    phrases = [value for value in shown.values.values() if isinstance(value, Phrase)]
    return all(isinstance(value, Size) or _worded(value) for value in phrases)  # sizes: numbers


def test_every_reason_a_dead_letter_is_kept_for_has_a_wording() -> None:
    found = list(_reasons())
    read = {text for _, text in found}
    assert {
        "the message has no text and no attachment",
        "machine mail (0) about no known complaint",
        "empty message",
        "cannot be parsed: 0",
    } <= read
    framed = [f"cannot be parsed: {text}" for text in read if not text.startswith("cannot")]
    missing = sorted(
        f"{text!r} ({where})"
        for where, text in [*found, *(("frame", text) for text in framed)]
        if not _worded(letter_reason(text))
    )
    assert missing == [], "add these to REASONS or FRAMES in web/console/letter_reasons.py"
    assert letter_reason("something else") == "something else"


SHOWN = {
    "es": (
        "correo automático (Auto-Submitted: auto-replied) que no trata de ninguna reclamación "
        "conocida"
    ),
    "zh-Hans": "与任何已知投诉无关的自动邮件（Auto-Submitted: auto-replied）",
    "zh-Hant": "與任何已知投訴無關的自動郵件（Auto-Submitted: auto-replied）",
}


@pytest.mark.parametrize("language", list(SHOWN))
async def test_the_dead_letters_page_shows_the_reason_in_the_admins_language(
    desk: Desk, language: str
) -> None:
    out_of_office = mail(
        "I am away until Monday.",
        sender="someone@elsewhere.test",
        subject="Out of office",
        headers={"Auto-Submitted": "auto-replied"},
    )
    await send(desk.app.state.services.channels["email"].smtp_port, out_of_office)
    stored = "machine mail (Auto-Submitted: auto-replied) about no known complaint"
    assert rows(desk, "SELECT status, reason FROM dead_letters") == [
        {"status": "ignored", "reason": stored}
    ]
    accounts = desk.app.state.services.accounts
    await accounts.create("Root", "admin", (), PASSWORD, language=language)
    client, _, _ = await console_login(desk, "Root", PASSWORD)
    page = await client.get("/console/dead-letters")
    assert page.status_code == 200
    (reason,) = re.findall(r'<td class="reason"><pre class="text">(.*?)</pre>', page.text, re.S)
    assert reason == SHOWN[language]
