"""Complaints a new user wrote in a walkthrough, routed as intake routes them (the shipped rules
with the triage model trained on the shipped set), and more of their kind.

- Figurative fire, burning and smoke is no hazard: "I burned through my data", "this plan is
  burning money", "estoy echando humo" (I am fuming), "气得头顶冒烟", "心态爆炸". The safety rule
  lists these idioms among its `unless` phrases, so it must not fire, and the complaint goes to
  the category of what it is about. Real hazards, said just as briefly, must still fire it.
- A short Chinese complaint starting with 我的 ("my") is about its object, not about personal
  data: 我的 stood in privacy rows far more often than in any other category of the training
  set, so the model read "我的手机坏了" as privacy (important).

Each case lists the categories a desk accepts, each with the grade it then gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from config import Settings, load_settings
from router import CustomerHistory, Decision, route
from router.text import FoldedText, KeywordMatcher
from tests.router.inputs import make_input
from tests.router.shipped import by_rules, shipped_model

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"
SAFETY_RULE = "safety incident"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS_PATH)


def decide(settings: Settings, text: str) -> Decision:
    return route(
        make_input(text),
        CustomerHistory(),
        settings.rules,
        settings.service_levels,
        settings.default_language,
        model=shipped_model(),
    )


def case(text: str, language: str, accepted: Mapping[str, str], id: str) -> Any:
    return pytest.param(text, language, accepted, id=id)


GENERAL = "general"
FIGURATIVE = [
    # the walkthrough's own
    case("I burned through my data in two days", "en",
         {"network_signal": GENERAL, "billing": GENERAL}, "burned-through-data"),
    case("this plan is burning money", "en", {"billing": GENERAL}, "burning-money"),
    case("no jueguen con fuego con mis datos", "es",
         {"privacy": "important", "network_signal": GENERAL, "billing": GENERAL},
         "no-jueguen-con-fuego"),
    case("I asked for a non-smoking room", "en",
         {"other": GENERAL, "staff_attitude": GENERAL}, "non-smoking-room"),
    case("Quemé mis datos en un día", "es",
         {"network_signal": GENERAL, "billing": GENERAL}, "queme-mis-datos"),
    case("话费烧得太快", "zh-Hans", {"billing": GENERAL}, "huafei-shao"),
    # English
    case("This app burns through my battery in three hours", "en",
         {"product_quality": GENERAL, "other": GENERAL}, "burns-through-battery"),  # an app
    case("The fire sale price was never applied at the till", "en",
         {"billing": GENERAL}, "fire-sale"),
    case("Smoking deal on the phone, shame the battery is dead by noon", "en",
         {"product_quality": GENERAL, "other": GENERAL}, "smoking-deal"),  # other: needs triage
    case("Your chat team is on fire lately, but my broadband still drops every evening", "en",
         {"network_signal": GENERAL}, "on-fire-praise"),
    case("My complaint has been on the back burner for a month and nobody answers", "en",
         {"other": GENERAL}, "back-burner"),
    case("The cashier went on a smoke break and left ten of us queueing", "en",
         {"staff_attitude": GENERAL}, "smoke-break"),
    case("Your offers are smoke and mirrors, the discount never showed on my bill", "en",
         {"billing": GENERAL}, "smoke-and-mirrors"),
    case("My inbox exploded with your newsletters and the unsubscribe link is broken", "en",
         {"other": GENERAL}, "inbox-exploded"),
    # Spanish
    case("Están jugando con fuego con mis datos personales", "es",
         {"privacy": "important"}, "jugando-con-fuego"),
    case("Me quemé los datos en una tarde y casi no usé el móvil", "es",
         {"network_signal": GENERAL, "billing": GENERAL}, "me-queme-los-datos"),
    case("Estoy echando humo: me cobraron dos veces la misma factura", "es",
         {"billing": GENERAL}, "echando-humo"),
    case("Me sale humo por las orejas de tanto llamar al servicio técnico por mi lavadora", "es",
         {"repair_service": GENERAL, "other": GENERAL}, "humo-por-las-orejas"),
    case("Pongo la mano en el fuego: nunca contraté ese seguro que me cobran", "es",
         {"billing": GENERAL}, "mano-en-el-fuego"),
    case("El agente solo echó leña al fuego y luego me dejó sin respuesta", "es",
         {"staff_attitude": GENERAL}, "lena-al-fuego"),
    case("Lo del reembolso es una cortina de humo, sigo sin mi dinero", "es",
         {"billing": GENERAL}, "cortina-de-humo"),
    # Chinese
    case("这套餐太烧钱了", "zh-Hans", {"billing": GENERAL}, "shao-qian"),
    case("气得我头顶冒烟，退款还没到账", "zh-Hans", {"billing": GENERAL}, "qi-de-mao-yan"),
    case("心态爆炸，网速又慢成这样", "zh-Hans", {"network_signal": GENERAL}, "xintai-baozha"),
    case("电脑中毒了，送修一周还没修好", "zh-Hans", {"repair_service": GENERAL}, "diannao-zhongdu"),
    case("我真的很火大，快递三天都没到", "zh-Hans", {"delivery_delay": GENERAL}, "huoda"),
    case("客服态度让我火冒三丈", "zh-Hans", {"staff_attitude": GENERAL}, "huo-mao-san-zhang"),
    case("這方案根本在燒錢", "zh-Hant", {"billing": GENERAL}, "shao-qian-hant"),
    case("氣到冒煙，退款到現在還沒入帳", "zh-Hant", {"billing": GENERAL}, "qi-dao-mao-yan"),
    case("心態爆炸，網路又斷了", "zh-Hant", {"network_signal": GENERAL}, "xintai-baozha-hant"),
    case("電腦中毒了，拿去修兩週還沒修好", "zh-Hant", {"repair_service": GENERAL},
         "diannao-zhongdu-hant"),
]  # fmt: skip

HAZARDS = [
    # the walkthrough's own
    ("my phone is burning hot and smells of smoke", "en"),
    ("the charger caught fire", "en"),
    ("burned my hand", "en"),
    ("手机冒烟了", "zh-Hans"),
    ("充電器燒起來", "zh-Hant"),
    ("salió humo del cargador", "es"),
    # the idioms' words, meant literally
    ("The battery burned through the sofa cushion", "en"),
    ("The heater is on fire", "en"),
    ("the toaster went up in smoke", "en"),
    ("My son burnt his fingers on the charger, it was burning through the cable", "en"),
    # an idiom's words read across a clause's end are no idiom ("burning money")
    ("The kettle was burning, money back please", "en"),
    ("El patinete echó chispas al cargarlo", "es"),  # echó folds to "echo": not "echo chispas"
    ("El cargador echa humo", "es"),
    ("el enchufe está echando chispas", "es"),
    ("me quemé la mano con la plancha", "es"),
    ("充电器着火了", "zh-Hans"),
    ("插座冒火花", "zh-Hans"),
    ("熱水器爆炸", "zh-Hant"),
]

SHORT_CHINESE = [
    # the walkthrough's own
    case("我的手机坏了", "zh-Hans", {"product_quality": GENERAL}, "shouji-huaile"),
    case("我的訂單呢", "zh-Hant", {"delivery_delay": GENERAL}, "dingdan-ne-hant"),
    case(
        "我的路由器连不上网",
        "zh-Hans",
        {"network_signal": GENERAL, "product_quality": GENERAL},
        "luyouqi",
    ),
    # more of them
    case("我的手機壞了", "zh-Hant", {"product_quality": GENERAL}, "shouji-huaile-hant"),
    case("我的订单呢", "zh-Hans", {"delivery_delay": GENERAL}, "dingdan-ne"),
    case("我的快递呢", "zh-Hans", {"delivery_delay": GENERAL}, "kuaidi-ne"),
    case("我的帳單不對", "zh-Hant", {"billing": GENERAL}, "zhangdan-hant"),
    case("我的洗衣机漏水", "zh-Hans", {"product_quality": GENERAL}, "xiyiji"),
    case("我的会员卡用不了", "zh-Hans", {"other": GENERAL}, "huiyuanka"),
    case("我的外卖洒了", "zh-Hans", {"delivery_damage": GENERAL}, "waimai"),
    case("我的網路斷了", "zh-Hant", {"network_signal": GENERAL}, "wanglu-hant"),
    case("我的退款呢", "zh-Hans", {"billing": GENERAL}, "tuikuan"),
]


def assert_accepted(decision: Decision, language: str, accepted: Mapping[str, str]) -> None:
    trace = decision.trace_as_json()
    assert decision.language == language, trace
    assert decision.category in accepted, trace
    assert decision.grade == accepted[decision.category], trace


@pytest.mark.parametrize(("text", "language", "accepted"), FIGURATIVE)
def test_figurative_fire_burning_or_smoke_is_no_hazard(
    settings: Settings, text: str, language: str, accepted: Mapping[str, str]
) -> None:
    decision = decide(settings, text)
    assert_accepted(decision, language, accepted)
    assert "safety" not in decision.tags, decision.trace_as_json()


@pytest.mark.parametrize(("text", "language"), HAZARDS)
def test_a_real_hazard_still_fires_the_safety_rule(
    settings: Settings, text: str, language: str
) -> None:
    alone = by_rules(settings, text)
    step = next(step for step in alone.trace if step.rule == SAFETY_RULE)
    assert step.matched, alone.trace_as_json()
    decision = decide(settings, text)
    assert (decision.language, decision.category, decision.grade) == (language, "safety", "urgent")


@pytest.mark.parametrize(("text", "language", "accepted"), SHORT_CHINESE)
def test_a_short_complaint_about_my_thing_is_about_the_thing(
    settings: Settings, text: str, language: str, accepted: Mapping[str, str]
) -> None:
    assert_accepted(decide(settings, text), language, accepted)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I burnt through my data", "burnt through my data"),
        ("it keeps BURNING through my data!", "burning through my data"),
        ("tres detectores de humo", "detectores de humo"),
        ("el detector de humo", "detector de humo"),
        ("it burned through my skin", None),
        ("burn through data", None),  # every word of the phrase must be there
    ],
)
def test_a_star_inside_a_phrase_matches_any_ending_of_its_word(
    text: str, found: str | None
) -> None:
    matcher = KeywordMatcher(["burn* through my data", "detector* de humo"])
    folded = FoldedText.of(text)
    assert matcher.find(folded) == found
    assert matcher.may_hit(folded) is (found is not None)
