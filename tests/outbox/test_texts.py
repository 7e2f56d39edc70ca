"""Every text the customer reads exists in every language: the short texts and the status
names (a new status or language without its names fails here)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from complaints.languages import SUPPORTED
from complaints.workflow import STATUSES
from outbox.names import STATUS_NAMES, status_name
from outbox.settings import CustomerZones
from outbox.templates import Replies
from outbox.texts import TEXTS, say, sentence
from staff.solutions import describe
from store.models import Solution


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


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "about C-1. After looking into it carefully we cannot treat it as a complaint: "
            "again.\n\nIf you disagree",
        ),
        ("es", "no podemos tramitarlo como reclamación. again.\n\nSi no está de acuerdo"),
        ("zh-Hans", "我们无法将其作为投诉受理：again。\n\n如有异议"),
        ("zh-Hant", "我們無法將其作為投訴受理：again。\n\n如有異議"),
    ],
)
def test_an_agents_text_the_template_goes_on_after_ends_as_a_sentence(
    language: str, expected: str
) -> None:
    """ "…complaint: again If you disagree" read as one broken sentence in every language."""
    assert expected in say(language, "rejected_notice", number="C-1", explanation="again")
    proposal = say(language, "proposal_notice", number="C-1", solution="a new kettle")
    assert ("a new kettle。\n\n" if language.startswith("zh") else "a new kettle.\n\n") in proposal


_CAPITAL_AFTER_COLON = re.compile(r": [A-ZÁÉÍÓÚÑ¿¡]")
"""Spanish writes on in lower case after a colon within a sentence."""


def test_spanish_texts_read_naturally_around_what_an_agent_wrote() -> None:
    """An agent's summary or reason starts with a capital: it follows a full stop, not a
    colon ("se ha resuelto: El técnico…")."""
    summary = "El técnico cambió el compresor y el frigorífico ya enfría."
    resolved = say("es", "resolved", number="C-1", summary=summary)
    rejected = say("es", "rejected_notice", number="C-1", explanation="No es un defecto.")
    for text in (resolved, rejected):
        assert not _CAPITAL_AFTER_COLON.search(text), text
    assert f"ha quedado resuelta. {summary}\n\n" in resolved


def test_an_acknowledged_complaint_is_not_said_to_be_recibida() -> None:
    """ "su reclamación está recibida" is not Spanish; a registered one "está registrada"."""
    status = status_name("es", "acknowledged")
    progress = say("es", "progress", number="C-1", status=status, owner="", next="")
    assert "está registrada" in progress
    assert "recibida" not in " ".join(STATUS_NAMES["es"].values())


def test_an_agents_own_ending_is_kept() -> None:
    for explanation in ("Done.", "¿Por qué?", "已核实。", "(see the order page.)", "“ok!”"):
        text = say("en", "rejected_notice", number="C-1", explanation=explanation)
        assert f": {explanation}\n\nIf you disagree" in text
    assert sentence("  trailing space  ", "es") == "trailing space."


_ZH_SPACING = re.compile(r"[，。：；！？、）」』”][ \t]|[ \t](之前|[，。：；！？、）」』”])|[()]")
"""Chinese typography gone wrong: a space after full-width punctuation or before 之前 (or
before a full-width mark), a half-width bracket."""


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_rendered_chinese_texts_keep_chinese_typography(language: str) -> None:
    replies = Replies(
        None, lambda: pytest.fail("no rules needed"), CustomerZones(ZoneInfo("UTC")), "客服部"
    )
    due = replies.format_due(datetime(2026, 3, 2, 8, 2, tzinfo=UTC), language)
    refund = Solution(complaint_id=1, kind="refund", amount_cents=3000, currency="EUR")
    refund.description = "退还运费"
    values = {
        "number": "C-2026-000001",
        "due": due,
        "solution": describe(refund, language),
        "explanation": "这是预授权，不是扣款",
        "summary": "已退款",
        "status": "调查中",
        "owner": "，由李伟负责",
        "next": say(language, "next.resolution", due=due),
        "name": "李伟",
        "company": "客服部",
        "limit": "10 MB",
        "files": "photo.heic",
        "count": "5",
        "minutes": "15",
        "code": "123456",
        "email": "li@example.com",
        "source": "C-2026-000002",
        "target": "C-2026-000001",
        "hello": say(language, "welcome.hello", name="李伟"),
        "text": "水壶漏水了",  # a customer's edited message (edited_mark)
        "complaints": "C-2026-000001 - 调查中。\nC-2026-000002 - 已受理。",  # open_complaints
    }
    wrong = {}
    for key in TEXTS[language]:
        text = say(language, key, **values)
        if found := _ZH_SPACING.search(text):
            wrong[key] = f"{found.group()!r} in {text!r}"
    assert not wrong


def _solution(kind: str, description: str, cents: int | None = None) -> Solution:
    return Solution(
        complaint_id=1,
        kind=kind,
        amount_cents=cents,
        currency="EUR" if cents else "",
        description=description,
    )


@pytest.mark.parametrize(
    ("solution", "language", "described"),
    [
        (_solution("exchange", "换货 (型号 X)"), "zh-Hans", "换新：换货（型号 X）。"),
        (_solution("refund", "退还运费.", 3000), "zh-Hans", "退款（€30.00）：退还运费。"),
        (_solution("repair", "可以吗？"), "zh-Hant", "免費維修：可以吗？"),
        (_solution("refund", "", 3000), "zh-Hant", "退款（€30.00）。"),
        (
            _solution("refund", "the second charge!", 3000),
            "en",
            "a refund (€30.00): the second charge!",
        ),
        (
            _solution("compensation", "", 15000),
            "es",
            "una compensación (150,00\N{NO-BREAK SPACE}€).",
        ),
        (_solution("apology", "lo sentimos"), "es", "nuestras disculpas formales: lo sentimos."),
    ],
)
def test_a_described_solution_is_in_its_languages_typography_wherever_it_is_shown(
    solution: Solution, language: str, described: str
) -> None:
    """describe's own output is right (not only once `say` fills it into a text): full-width
    brackets and stop in Chinese, and a sentence ends once in every language."""
    assert describe(solution, language) == described
