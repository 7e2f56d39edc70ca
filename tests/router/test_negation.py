"""Negation and words with two senses in the rule engine: `unless_negated` and `unless`.

First on small hand-built rules (what the trace says, which finds count), then on the shipped
settings.toml in all four languages, both ways: "no injury" is not urgent, "injured" is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import Settings, load_settings
from router import CustomerHistory, Decision, RuleSet, load_rule_set, route
from router.negation import negation_before
from tests.router.inputs import make_input
from tests.router.test_route import BASE, SERVICE_LEVELS

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"

HURT = {
    "name": "hurt",
    "keywords": ["injur*", "the fire", "受伤", "受傷", "告你哋"],
    "unless": ["fire tv", "insult to injury"],
    "unless_negated": True,
    "grade": "urgent",
}


def rule_set(*rules: dict[str, Any]) -> RuleSet:
    return load_rule_set({**BASE, "rules": list(rules)}, Path("x.toml"), "")


def decide_with(rules: RuleSet, text: str) -> Decision:
    return route(make_input(text), CustomerHistory(), rules, SERVICE_LEVELS)


def detail(decision: Decision, rule: str) -> tuple[bool, str]:
    step = next(step for step in decision.trace if step.rule == rule)
    return step.matched, step.detail


# ---- the engine -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "matched", "why"),
    [
        ("No injury, thankfully.", False, "'injury' negated by 'no'"),
        ("She was injured by the lid.", True, "keyword 'injured'"),
        ("The Fire TV remote is dead", False, "'the fire' is part of 'fire tv'"),
        ("Adding insult to injury, they laughed", False, "'injury' is part of 'insult to injury'"),
        ("The fire started behind the Fire TV", True, "keyword 'the fire'"),
        ("没有受伤", False, "'受伤' negated by '没'"),
        ("孩子受伤了", True, "keyword '受伤'"),
        ("我唔會告你哋", False, "'告你哋' negated by '唔'"),
        ("我會告你哋", True, "keyword '告你哋'"),
    ],
)
def test_negated_and_two_sense_finds_do_not_count(text: str, matched: bool, why: str) -> None:
    decision = decide_with(rule_set(HURT), text)
    assert detail(decision, "hurt") == (matched, why)
    assert decision.grade == ("urgent" if matched else "general")


def test_a_later_find_counts_when_an_earlier_one_does_not() -> None:
    decision = decide_with(rule_set(HURT), "No injury to me, but my son was injured.")
    assert detail(decision, "hurt") == (
        True,
        "keyword 'injured' (not counted: 'injury' negated by 'no')",
    )
    assert decision.grade == "urgent"


def test_without_the_new_fields_a_rule_matches_as_before() -> None:
    plain = {"name": "hurt", "keywords": ["injur*"], "grade": "urgent"}
    assert decide_with(rule_set(plain), "No injury").grade == "urgent"


def test_negation_applies_to_a_pattern_too() -> None:
    rule = {"name": "sue", "pattern": r"\bsue\b", "unless_negated": True, "grade": "urgent"}
    assert detail(decide_with(rule_set(rule), "I won't sue"), "sue") == (
        False,
        "'sue' negated by \"won't\"",
    )
    assert decide_with(rule_set(rule), "I will sue").grade == "urgent"


def test_unless_applies_to_a_pattern_and_keeps_the_original_text_positions() -> None:
    rule = {"name": "fire", "pattern": r"fire", "unless": ["fire tv"], "tags": ["fire"]}
    # accents and full-width letters before the match must not shift the positions compared
    text = "Él dijo: ＡＢＣ, la Fire TV no va"
    assert detail(decide_with(rule_set(rule), text), "fire") == (
        False,
        "'Fire' is part of 'fire tv'",
    )


@pytest.mark.parametrize(
    ("before", "cue"),
    [
        ("i'm not going ", "not"),
        ("i won’t ", "won't"),
        ("no pienso ", "no"),
        ("no voy a ir a la ", "no"),
        ("nadie se ", "nadie"),
        ("没有任何人", "没"),
        ("我不会", "不"),
        ("我不會去", "不"),
        # a clause boundary ends the cue's reach
        ("it did not heat, and then it ", None),
        ("no funciona y ", None),
        ("不到两天就", None),
        ("没修好还", None),
        # too far back
        ("nobody told me this product can ", None),
        # phrases that start with a cue but do not negate
        ("i can't believe it ", None),
        ("without any warning it ", None),
        ("sin querer me ", None),
        ("我不小心", None),
        ("没想到会", None),
        ("唔該快啲處理", None),
        ("是别人", None),
        # "nada" negates ("nada de chispas"), except in "nada más" (as soon as) and, where
        # the cue ends the phrase, "de la nada" (out of nowhere)
        ("nada de ", "nada"),
        ("nada mas enchufarlo empezo a salir ", None),
        ("de la nada empezo a salir ", None),
        # a cue inside a condition negates the condition, not the threat after it
        ("si no me devolveis el dinero os ", None),
        ("if you don't refund me i'll ", None),
    ],
)
def test_negation_cues(before: str, cue: str | None) -> None:
    assert negation_before(before) == cue


# ---- the shipped rules, both ways, in four languages ------------------------------------------


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS_PATH)


SHIPPED = [
    # (text, grade, a tag that must be there or must not)
    ("No injury, thankfully, but the kettle lid is loose.", "general", "-safety"),
    ("My son was injured by the kettle lid.", "urgent", "safety"),
    ("I'm not going to sue anyone, I just want my blender.", "general", "-legal"),
    ("I will sue you if the blender is not here by Friday.", "urgent", "legal"),
    ("I'll sue over this double charge.", "urgent", "legal"),
    ("I'm not going to the press, I just want my money back.", "general", "-media"),
    ("I have already contacted the press about this.", "urgent", "media"),
    ("Sin heridos, gracias a Dios, pero la tapa no ajusta.", "general", "-safety"),
    ("Mi hijo resultó herido con la tapa.", "urgent", "safety"),
    ("No pienso denunciar a nadie, solo quiero mi dinero.", "general", "-legal"),
    ("Voy a denunciar a la tienda.", "urgent", "legal"),
    ("Nadie se lastimó, pero la estufa hizo un ruido raro.", "general", "-safety"),
    ("Mi hija se lastimó con la estufa.", "urgent", "safety"),
    ("幸好没有受伤，但是水壶盖子松了", "general", "-safety"),
    ("孩子受伤了，水壶盖子飞出来", "urgent", "safety"),
    ("還好沒有受傷，只是蓋子鬆了", "general", "-safety"),
    ("小孩受傷了，蓋子飛出來", "urgent", "safety"),
    ("我不会投诉到消协，只想退款", "general", "-regulator"),
    ("我已经投诉到消协了", "urgent", "regulator"),
    ("我不會投訴消基會，只想退款", "general", "-regulator"),
    ("我已經去消基會投訴了", "urgent", "regulator"),
    ("我不打算起诉你们，只想把钱退给我", "general", "-legal"),
    ("我要起诉你们", "urgent", "legal"),
    ("我唔會告你哋，退錢就得", "general", "-legal"),
    ("再唔退錢我就告你哋", "urgent", "legal"),
    ("The burnt toast setting on my toaster does nothing", "general", "-safety"),
    ("The toaster burnt my hand", "urgent", "safety"),
    ("The Fire TV stick remote stopped working after a day", "general", "-safety"),
    ("The TV caught fire last night", "urgent", "safety"),
    (
        "I bought ten chairs for the hospital where I work and two were missing",
        "general",
        "-safety",
    ),
    ("My mother ended up in hospital after the ladder collapsed", "urgent", "safety"),
    ("Compré sillas para el hospital donde trabajo y faltaban dos", "general", "-safety"),
    ("El fuego pequeño de la cocina de gas no prende", "general", "-safety"),
    ("我在医院工作，买的椅子少了两把", "general", "-safety"),
    ("The food court had no clean tables", "general", "-legal"),
]


@pytest.mark.parametrize(("text", "grade", "tag"), SHIPPED)
def test_shipped_severity_rules_read_negation_and_context(
    settings: Settings, text: str, grade: str, tag: str
) -> None:
    decision = route(
        make_input(text),
        CustomerHistory(),
        settings.rules,
        settings.service_levels,
        settings.default_language,
    )
    assert decision.grade == grade
    if tag.startswith("-"):
        assert tag[1:] not in decision.tags
        assert decision.category != "safety"
    else:
        assert tag in decision.tags
