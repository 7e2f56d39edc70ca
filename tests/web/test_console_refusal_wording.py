"""Refusals of the services as the console words them: statuses and departments by their names
(departments travel by key, in a flash cookie too, and are named by the page that shows them),
and a rule set's error translated as far as its frame."""

from __future__ import annotations

from complaints.errors import IllegalTransition, NotAllowed, RuleError
from complaints.workflow import check
from web.console.forms import reason
from web.console.i18n import Phrase, catalogs, say
from web.console.rule_errors import rule_problem

NAMES = {"billing": "帳務部", "logistics": "物流倉儲部", "network": "網路維運部"}


def _name(kind: str, key: str) -> str:
    assert kind == "department"
    return NAMES.get(key, key)


def test_a_refused_status_change_names_every_status() -> None:
    try:
        check("acknowledged", "resolved")
    except IllegalTransition as error:
        shown = say(catalogs()["zh-Hant"], reason(error))
    assert shown == (
        "狀態為「已受理」的投訴不能變為「已解決」"
        "（「已受理」可變為：已指派、調查中、已合併、未受理）"
    )


def test_departments_are_named_by_the_page_that_shows_them() -> None:
    error = NotAllowed(
        "%(number)s belongs to %(department)s, which is not one of your departments "
        "(%(yours)s); ask its supervisor or an admin",
        number="C-1",
        department="network",
        yours="billing, logistics",
    )
    phrase = reason(error)
    carried = Phrase.of(phrase.carried())  # through the flash cookie
    assert carried == phrase
    shown = say(catalogs()["zh-Hant"], carried, _name)
    assert "網路維運部" in shown and "帳務部、物流倉儲部" in shown
    assert "network" not in shown and "billing" not in shown
    assert "network" in say(catalogs()["zh-Hant"], carried)  # no rule set at hand: the key


def test_a_rule_sets_error_is_translated_as_far_as_its_frame() -> None:
    error = RuleError(
        "the new rule set: rule #26: rule 'regla mala': bad regular expression '(': "
        "missing ), unterminated subpattern at position 0"
    )
    shown = say(catalogs()["es"], reason(error))
    assert shown == (
        "las reglas nuevas, regla n.º 26, regla «regla mala»: expresión regular incorrecta "
        "'(': missing ), unterminated subpattern at position 0"
    )
    with_line = rule_problem("settings.toml:40: rule \"it's\": unknown department 'x'")
    assert with_line is not None
    assert say(catalogs()["zh-Hans"], with_line) == (
        "settings.toml第 40 行（规则“it's”）：未知部门 'x'"
    )
    assert rule_problem("write why the routing was wrong first") is None
