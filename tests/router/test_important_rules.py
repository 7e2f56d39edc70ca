"""The shipped rules that grade serious harm "important" (and the urgent signals they sit beside),
on complaints written for this test, not taken from the labelled set, in the four languages.

Each harm has look-alikes that must stay general: a price that is no wrong charge, a slow repair
that loses nothing, a coverage gap of hours, a store's shop that is not the customer's business.
A rule that pulls such complaints up costs as much as one that misses, so both ways are tested,
and each case names the tag of the rule that must (or must not) have raised it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings, load_settings
from router import CustomerHistory, route
from tests.router.inputs import make_input
from tests.router.shipped import by_rules as decide
from tests.router.shipped import shipped_model

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"

HARM_TAGS = frozenset(
    {
        "large-amount",
        "long-outage",
        "business-impact",
        "lost-in-repair",
        "number-taken",
        "discrimination",
        "allergen",
    }
)
"""The tags of the rules that only raise the grade (the comments' group 4 in settings.toml)."""


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS_PATH)


RAISED_BY_TAG: dict[str, list[tuple[str, str]]] = {
    "large-amount": [
        ("en", "You billed me £480 for a broadband package I cancelled in March."),
        ("en", "Returned the TV on 2 May and I'm still waiting for a refund of $650."),
        ("en", "There is a €150 charge on my statement for a warranty I never bought."),
        ("es", "Me cobraron 320 € por un seguro que nunca contraté."),
        ("es", "Sigo esperando el reembolso de 1.250 euros del sofá que devolví."),
        ("zh-Hans", "这个月话费扣了一万二，平时才一百多块"),
        ("zh-Hans", "买个耳机被多扣了三千块，客服说要等财务核对"),
        ("zh-Hant", "信用卡被刷了兩萬三，我根本沒有買東西"),
        ("zh-Hant", "電費單多咗個零，平時三百幾蚊"),
    ],
    "long-outage": [
        ("en", "No internet at all for five days now and my son has exams."),
        ("en", "Two weeks without a landline. My mum is 88 and it's her only phone."),
        ("es", "Llevamos una semana sin internet en casa y nadie viene."),
        ("es", "Estoy sin teléfono fijo desde el martes, ya son seis días."),
        ("zh-Hans", "家里宽带断了一个星期了，老人在家打不了电话"),
        ("zh-Hans", "已经四天没网了，报修电话打了无数次"),
        ("zh-Hant", "屋企上唔到網已經四日，我要喺屋企返工"),
        ("zh-Hant", "家裡網路斷了五天，客服一直說在處理"),
    ],
    "business-impact": [
        ("en", "I run a small bakery and the oven you sold me has been broken for a week."),
        ("en", "The card reader at the till keeps failing and we're losing bookings."),
        ("es", "Tenemos una tienda de ropa y el datáfono no funciona; perdemos ventas."),
        ("es", "Somos una empresa de reformas y la furgoneta lleva en el taller un mes."),
        ("zh-Hans", "我开的网店靠这台打印机出单，坏了之后一单都发不出去"),
        ("zh-Hans", "冷柜坏了两天，店里生意都做不了"),
        ("zh-Hant", "我們咖啡廳的冷氣壞了三天，沒辦法正常營業"),
        ("zh-Hant", "我是外送員，手機壞咗之後接唔到單"),
    ],
    "lost-in-repair": [
        ("en", "The repair centre has lost my tablet and nobody can tell me where it is."),
        ("en", "The technician wiped my laptop without asking. Ten years of documents gone."),
        ("es", "Perdieron mi portátil en el taller y nadie me da explicaciones."),
        ("es", "Fui a recoger la tablet de la reparación y no es la mía, tiene otra funda."),
        ("zh-Hans", "维修点把我的电脑弄丢了，到现在也找不到"),
        ("zh-Hans", "送修回来的手机被调包了，序列号都对不上"),
        ("zh-Hant", "送修嘅部手機唔見咗，維修中心話搵唔到"),
        ("zh-Hant", "維修完拿回來的筆電被調包了，貼紙都不一樣"),
    ],
    "number-taken": [
        ("en", "My number was transferred to another provider without my consent."),
        ("en", "You ported the wrong number, my son's line went to the new network instead."),
        ("es", "Portaron mi línea a otra compañía sin mi consentimiento."),
        ("es", "Me dieron de baja el número en plena portabilidad y ahora no lo recuperan."),
        ("zh-Hans", "我根本没申请携号转网，号码却被转走了"),
        ("zh-Hans", "营业厅转错了号码，把我爸的号转到别的运营商了"),
        ("zh-Hant", "我沒有申請攜碼，門號卻被轉到別家電信"),
        ("zh-Hant", "我冇申請過攜號轉台，點解個號碼會轉咗去第二間"),
    ],
    "discrimination": [
        ("en", "My sister uses a wheelchair and the guard told her to leave the shop."),
        ("en", "The manager discriminated against my husband because of his accent."),
        ("es", "Mi madre va en silla de ruedas y en la puerta no nos dejaron entrar."),
        ("es", "Lo que hizo el vigilante con mi hijo fue discriminación pura."),
        ("zh-Hans", "店员看我是外地人就歧视我，不让我试穿"),
        ("zh-Hans", "我爸坐轮椅，保安直接把我们赶出去了"),
        ("zh-Hant", "我推輪椅進去，店員把我請了出去"),
        ("zh-Hant", "門市人員明顯是種族歧視，對外籍客人特別差"),
    ],
    "allergen": [  # Chinese guideline: important when nobody was hurt
        ("zh-Hans", "我女儿对牛奶过敏，包装上完全没写含奶"),
        ("zh-Hans", "说明书上的剂量写成了成人的两倍，幸好药剂师提醒了"),
        ("zh-Hant", "我對蝦過敏，標示上卻沒寫有蝦"),
        ("zh-Hant", "藥盒標籤上的劑量同醫生講嘅唔同"),
    ],
}
RAISED = [(lang, text, tag) for tag, rows in RAISED_BY_TAG.items() for lang, text in rows]


@pytest.mark.parametrize(("language", "text", "tag"), RAISED)
def test_serious_harm_is_at_least_important(
    settings: Settings, language: str, text: str, tag: str
) -> None:
    decision = decide(settings, text)
    assert decision.language == language
    assert decision.grade in ("important", "urgent"), decision.trace_as_json()
    assert tag in decision.tags


STAY_GENERAL = [
    # a price, a small sum, or a sum with no charge word
    ("en", "The jacket cost £120 and the zip broke after a week."),
    ("en", "I was charged twice for a £45 order."),
    ("en", "My bill went up by £5 this month without any notice."),
    ("es", "Pagué 450 € por la lavadora y hace un ruido horrible."),
    ("es", "Me cobraron dos veces 35 € en la caja."),
    ("es", "Me descontaron 500 pesos de más en la recarga."),
    ("zh-Hans", "我花两万买的电视，用了一个月就坏了"),
    ("zh-Hans", "同一笔扣了两次，每次89元"),
    ("zh-Hant", "換個電池要三千蚊，仲貴過買新"),
    ("zh-Hant", "月費單多收咗$150，我冇加過服務"),
    # slow, intermittent or short, or a device rather than the line
    ("en", "Internet drops three times a week, usually for an hour."),
    ("en", "I've been without my phone for 3 weeks while you repair it. Why so slow?"),
    ("en", "The website has been down for three days, I can't log in to pay."),
    ("es", "El internet se corta varias veces al día desde hace una semana."),
    ("es", "Llevo tres semanas sin mi móvil porque sigue en reparación."),
    ("zh-Hans", "网速很慢，已经三天了，晚上尤其卡"),
    ("zh-Hans", "手机送修已经三个星期了还没修好"),
    ("zh-Hant", "斷網兩天，今日先修好"),
    ("zh-Hant", "5G訊號好弱，已經一個星期都係咁"),
    # the store's shop, customers or staff, not the customer's business
    ("en", "Your shop assistant was rude to me in front of other customers."),
    ("en", "The calls with my clients keep cutting out."),
    ("es", "El encargado de su tienda me gritó delante de los clientes."),
    ("es", "La reapertura de la tienda del centro fue un caos."),
    ("zh-Hans", "我们公司的发票抬头写错了，报不了账"),
    ("zh-Hans", "你们网店的客服回复太慢了"),
    ("zh-Hant", "外送員態度很差，叫我自己落樓拎"),
    ("zh-Hant", "你們營業時間寫到十點，九點半就關門"),
    # lost by someone else, or lost by the customer
    ("en", "The courier has lost my parcel and the tracking is stuck."),
    ("en", "I lost my phone, can you block the SIM please?"),
    ("es", "Perdí mi móvil, ¿me pueden bloquear la línea?"),
    ("zh-Hans", "快递把我的包裹弄丢了，客服一直推"),
    ("zh-Hant", "快遞把我的包裹弄丟了，查不到物流"),
    # a slow port, or unwanted texts, is no number taken
    ("en", "I never asked for these marketing texts to my number."),
    ("en", "Porting my number took 5 days, longer than you promised."),
    ("es", "La portabilidad tardó una semana, más de lo prometido."),
    ("zh-Hans", "我没申请过任何会员，为什么老给我发广告短信"),
    ("zh-Hant", "攜碼等了一個禮拜先搞掂"),
    # a wheelchair user's complaint about something else
    ("en", "My father uses a wheelchair and the lift was out of order again."),
    ("es", "Voy en silla de ruedas y la rampa de la entrada está rota."),
    ("zh-Hans", "我坐轮椅，商场的无障碍电梯又坏了"),
    # an allergy with no label in question
    ("en", "My daughter has a nut allergy, please restock the nut-free bars."),
    ("es", "Mi hijo es celíaco y nunca tienen pan sin gluten en la tienda."),
    ("zh-Hant", "我對花生過敏，想問你們幾時有無花生的醬"),
]


@pytest.mark.parametrize(("language", "text"), STAY_GENERAL)
def test_look_alikes_stay_general(settings: Settings, language: str, text: str) -> None:
    decision = decide(settings, text)
    assert decision.language == language
    assert decision.grade == "general", decision.trace_as_json()
    assert not HARM_TAGS & set(decision.tags)


NEGATED = [
    ("en", "We're not losing customers yet, but the card machine is slow.", "business-impact"),
    ("es", "No estamos perdiendo clientes, pero el datáfono va lento.", "business-impact"),
    (
        "en",
        "They haven't wiped my phone, the technician only changed the screen.",
        "lost-in-repair",
    ),
    ("es", "No me discriminaron, pero el trato en caja fue frío.", "discrimination"),
    ("zh-Hans", "我不是说你们歧视谁，只是排队太乱", "discrimination"),
    ("zh-Hant", "我唔係話你哋歧視，只係排隊太亂", "discrimination"),
    (
        "en",
        "Nobody in our house is allergic, but the ingredients list is in German only.",
        "allergen",
    ),
]


@pytest.mark.parametrize(("language", "text", "tag"), NEGATED)
def test_a_negated_harm_does_not_raise(
    settings: Settings, language: str, text: str, tag: str
) -> None:
    decision = decide(settings, text)
    assert decision.language == language
    assert tag not in decision.tags
    assert decision.grade == "general", decision.trace_as_json()
    assert any("negated by" in step.detail for step in decision.trace), decision.trace_as_json()


URGENT = [
    ("en", "The pack says dairy free but the ingredients list whey. My son is allergic to milk."),
    ("es", "El envase pone sin lactosa y lleva leche en polvo. Mi hija es intolerante."),
    ("en", "You gave my new address to my ex. I have a restraining order against him."),
    ("es", "Dieron mi dirección a mi ex, tengo una orden de alejamiento contra él."),
    ("en", "You sold my details to a marketing firm, I have reported you to the ICO."),
    ("es", "Han cedido mis datos sin permiso; ya lo he denunciado ante la AEPD."),
    ("zh-Hans", "营业厅门口的地垫翘起来，我妈被绊倒了"),
    ("zh-Hant", "個暖爐過熱，張被都焫黃咗"),
]


@pytest.mark.parametrize(("language", "text"), URGENT)
def test_urgent_signals_of_the_guideline(settings: Settings, language: str, text: str) -> None:
    decision = decide(settings, text)
    assert decision.language == language
    assert decision.grade == "urgent", decision.trace_as_json()


def test_the_harm_rules_only_raise_the_grade(settings: Settings) -> None:
    """They leave category and department to the topic rules and the model, so "you billed me
    £480" stays billing and an outage stays network signal."""
    harm_rules = [rule for rule in settings.rules.rules if HARM_TAGS & set(rule.tags)]
    assert len(harm_rules) >= 10
    for rule in harm_rules:
        assert rule.category == rule.department == rule.grade == "", rule.name
        assert rule.min_grade in ("important", "urgent"), rule.name
    text = "You billed me £480 for a broadband package I cancelled in March."
    billed = route(
        make_input(text),
        CustomerHistory(),
        settings.rules,
        settings.service_levels,
        settings.default_language,
        model=shipped_model(),
    )
    assert (billed.category, billed.grade) == ("billing", "important")
