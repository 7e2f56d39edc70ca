"""The default rule set in settings.toml, with the triage model trained on the shipped labelled
set beside it (as intake routes), checked against realistic complaints in every language.

Each case is a complaint as a customer would write it, with the category, department, grade and
language the shipped rules and model must give it. A misrouted case means the rules or the
training data need work, not the case.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from config import Settings, load_settings
from router import CustomerHistory, Decision, RoutingInput, route
from router.decide import Effect, TraceStep
from tests.factories import RECEIVED
from tests.router.inputs import make_input
from tests.router.shipped import shipped_model

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS_PATH)


def decide(
    settings: Settings,
    message: RoutingInput,
    history: CustomerHistory | None = None,
    *,
    rules_only: bool = False,
) -> Decision:
    """`message` routed as intake would, by the shipped rules and the shipped model (or, with
    `rules_only`, as a bot without a model would)."""
    return route(
        message,
        history or CustomerHistory(),
        settings.rules,
        settings.service_levels,
        settings.default_language,
        model=None if rules_only else shipped_model(),
    )


def case(
    id: str,
    language: str,
    category: str,
    department: str,
    grade: str,
    text: str,
    subject: str = "",
    tags: tuple[str, ...] = (),
):
    return pytest.param(
        text, subject, category, department, grade, language, tags, id=f"{language}-{id}"
    )


SIMPLIFIED = [
    # late or lost deliveries went to customer care as other; now logistics
    case(
        "delay-not-shipped-tracking-stuck",
        "zh-Hans",
        "delivery_delay",
        "logistics",
        "general",
        "订单下了十天还没发货，物流一直不更新",
    ),
    case(
        "delay-signed-not-received",
        "zh-Hans",
        "delivery_delay",
        "logistics",
        "general",
        "快递显示已签收，可是我家里根本没人收到，门口也没有。",
    ),
    case(
        "safety-heater-fire",
        "zh-Hans",
        "safety",
        "safety",
        "urgent",
        "你们卖的电暖器昨晚突然冒烟起火，我孩子的手被烫伤了，现在还在医院。",
        tags=("safety",),
    ),
    case(
        "safety-electric-shock",
        "zh-Hans",
        "safety",
        "safety",
        "urgent",
        "热水器漏电，我洗澡的时候被电了一下，太危险了！",
    ),
    case(
        "privacy-leak",
        "zh-Hans",
        "privacy",
        "data_protection",
        "important",
        "我在你们店里登记的个人信息被泄露了，现在每天都接到推销电话。",
        tags=("privacy",),
    ),
    case(
        "portability-failed",
        "zh-Hans",
        "number_portability",
        "network",
        "general",
        "我申请携号转网已经两个星期了，一直显示转网失败，营业厅也说不清楚原因。",
    ),
    case(
        "delivery-rough-sorting",
        "zh-Hans",
        "delivery_damage",
        "logistics",
        "general",
        "快递员暴力分拣，冰箱外包装破损，门上凹了一大块。",
    ),
    case(
        "delivery-screen-cracked-on-arrival",
        "zh-Hans",
        "delivery_damage",
        "logistics",
        "general",
        "今天收到的电视机屏幕碎了，请尽快处理。",
    ),
    case(
        "labelling-no-chinese-label",
        "zh-Hans",
        "labelling",
        "quality",
        "general",
        "进口奶粉上没有中文标签，也看不到生产日期，我不敢给孩子喝。",
    ),
    case(
        "stock-sold-out",
        "zh-Hans",
        "stock",
        "logistics",
        "general",
        "广告上说有货，我专门跑到门店，店员说早就断货了，也不知道什么时候补货。",
    ),
    case(
        "network-weak-signal",
        "zh-Hans",
        "network_signal",
        "network",
        "general",
        "我家小区手机信号很差，打电话经常掉线，已经持续一个月了。",
    ),
    case(
        "billing-extra-charge",
        "zh-Hans",
        "billing",
        "billing",
        "general",
        "这个月的话费账单多扣了我50元，我根本没有开通这个增值业务。",
    ),
    case(
        "billing-price-tag",
        "zh-Hans",
        "billing",
        "billing",
        "general",
        "货架上的价签写的是29元，结账时却收了39元。",
    ),
    case(
        "staff-rude-clerk",
        "zh-Hans",
        "staff_attitude",
        "customer_care",
        "general",
        "店员态度非常恶劣，我问了两句就不耐烦，还当众骂人。",
    ),
    case(
        "installation-late-installer",
        "zh-Hans",
        "installation",
        "technical_service",
        "general",
        "约好了上门安装空调，师傅迟到了三个小时，装完以后外机一直晃。",
    ),
    case(
        "repair-three-times",
        "zh-Hans",
        "repair_service",
        "technical_service",
        "general",
        "洗衣机送修三次了还是修不好，每次都说要等配件。",
    ),
    case(
        "quality-rice-cooker",
        "zh-Hans",
        "product_quality",
        "quality",
        "general",
        "新买的电饭煲用了一周就坏了，按键完全没有反应，质量太差了。",
    ),
    case(
        "quality-broke-weeks-after-delivery",
        "zh-Hans",
        "product_quality",
        "quality",
        "general",
        "收到货两周后手机屏幕就碎了，我没有摔过，应该是质量问题。",
    ),
    case(
        "legal-billing",
        "zh-Hans",
        "billing",
        "billing",
        "urgent",
        "你们重复扣款三次，再不退钱我就请律师起诉你们。",
        tags=("legal",),
    ),
    case(
        "regulator-12315",
        "zh-Hans",
        "product_quality",
        "quality",
        "urgent",
        "手机用了三天就开不了机，你们不给换，我已经向12315投诉了。",
        tags=("regulator",),
    ),
    case(
        "media-expired-food",
        "zh-Hans",
        "product_quality",
        "quality",
        "urgent",
        "买到过期食品，如果不给个说法我就联系电视台记者曝光你们。",
        tags=("media",),
    ),
    case(
        "other-points",
        "zh-Hans",
        "other",
        "customer_care",
        "general",
        "你们的会员积分一直没有到账，客服说会处理但一个月了还没有消息。",
    ),
    # precision: words that look like a signal but are not one
    case(
        "quality-fake-from-livestream",
        "zh-Hans",
        "product_quality",
        "quality",
        "general",
        "我在抖音直播间买的衣服，收到发现是假货。",
    ),
    case(
        "safety-burning-smell",
        "zh-Hans",
        "safety",
        "safety",
        "urgent",
        "充电器用了两天就发烫，还有一股焦味。",
    ),
    case(
        "delivery-dented-by-delivery-man",
        "zh-Hans",
        "delivery_damage",
        "logistics",
        "general",
        "网购的冰箱送货时师傅把门撞凹了。",
    ),
    case(
        "staff-passing-the-buck",
        "zh-Hans",
        "staff_attitude",
        "customer_care",
        "general",
        "客服一直推脱，说会回电话但从来没有回过。",
    ),
]

TRADITIONAL = [
    case(
        "delay-delivered-not-received",
        "zh-Hant",
        "delivery_delay",
        "logistics",
        "general",
        "包裹顯示已送達但我根本沒收到",
    ),
    case(
        "safety-power-strip",
        "zh-Hant",
        "safety",
        "safety",
        "urgent",
        "你們賣的延長線插頭冒煙，還燒焦了插座，差點引起火災，非常危險！",
        tags=("safety",),
    ),
    case(
        "privacy-personal-data",
        "zh-Hant",
        "privacy",
        "data_protection",
        "important",
        "我的個資被你們門市員工外洩，還有陌生人打電話叫出我的名字。",
    ),
    case(
        "portability-delayed",
        "zh-Hant",
        "number_portability",
        "network",
        "general",
        "我要攜碼移轉到別家電信，你們一直拖延不給我辦理。",
    ),
    case(
        "delivery-crushed",
        "zh-Hant",
        "delivery_damage",
        "logistics",
        "general",
        "物流運送途中把包裝壓壞了，裡面的玻璃杯全部碎掉。",
    ),
    case(
        "delivery-cracked-on-unboxing",
        "zh-Hant",
        "delivery_damage",
        "logistics",
        "general",
        "開箱發現螢幕已經裂開，外箱看起來也被撞過。",
    ),
    case(
        "labelling-no-chinese-label",
        "zh-Hant",
        "labelling",
        "quality",
        "general",
        "進口餅乾的包裝上沒有中文標示，也找不到保存期限。",
    ),
    case(
        "stock-shop-out",
        "zh-Hant",
        "stock",
        "logistics",
        "general",
        "網站上顯示有庫存，結果到門市說缺貨，白跑一趟。",
    ),
    case(
        "network-weak-signal",
        "zh-Hant",
        "network_signal",
        "network",
        "general",
        "我家裡的手機訊號很差，講電話一直斷斷續續，上網也很慢。",
    ),
    case(
        "billing-overcharged",
        "zh-Hant",
        "billing",
        "billing",
        "general",
        "這個月的帳單多收了我兩百元，客服說會退但一直沒有處理。",
    ),
    case(
        "staff-ignored",
        "zh-Hant",
        "staff_attitude",
        "customer_care",
        "general",
        "門市店員態度很差，對我愛理不理，還翻白眼。",
    ),
    case(
        "installation-leaking-aircon",
        "zh-Hant",
        "installation",
        "technical_service",
        "general",
        "冷氣安裝完之後一直漏水，安裝師傅說不是他們的問題。",
    ),
    case(
        "repair-month-long",
        "zh-Hant",
        "repair_service",
        "technical_service",
        "general",
        "手機送修一個月了還沒修好，維修中心每次都說再等等。",
    ),
    case(
        "quality-hair-dryer",
        "zh-Hant",
        "product_quality",
        "quality",
        "general",
        "新買的吹風機用兩次就壞了，品質真的很差。",
    ),
    case(
        "legal-billing",
        "zh-Hant",
        "billing",
        "billing",
        "urgent",
        "你們亂收費，我已經找律師準備提告。",
        tags=("legal",),
    ),
    case(
        "regulator-ncc",
        "zh-Hant",
        "network_signal",
        "network",
        "urgent",
        "我家附近完全沒有訊號，已經向NCC檢舉了。",
        tags=("regulator",),
    ),
    case(
        "regulator-hk-consumer-council",
        "zh-Hant",
        "product_quality",
        "quality",
        "urgent",
        "我已經向消委會投訴，你們的洗衣機用了一個月就故障。",
        tags=("regulator",),
    ),
    case(
        "media-mouldy-bread",
        "zh-Hant",
        "product_quality",
        "quality",
        "urgent",
        "買到的麵包發霉，我會把照片提供給記者爆料。",
        tags=("media",),
    ),
    case(
        "other-points",
        "zh-Hant",
        "other",
        "customer_care",
        "general",
        "請問你們的會員點數為什麼一直沒有入帳？",
    ),
    case(
        "stock-discontinued",
        "zh-Hant",
        "stock",
        "logistics",
        "general",
        "門市的人說這款已經停產，也不能調貨。",
    ),
    case(
        "portability-unrequested",
        "zh-Hant",
        "number_portability",
        "network",
        "important",  # a number ported away without the owner's request (grading guideline)
        "我的手機號碼被轉到別家電信，我根本沒有申請。",
    ),
    case(
        "delivery-vase-broken",
        "zh-Hant",
        "delivery_damage",
        "logistics",
        "general",
        "我收到的包裹外箱有明顯撞擊痕跡，裡面的花瓶碎了。",
    ),
    case(
        "installation-scratched-floor",
        "zh-Hant",
        "installation",
        "technical_service",
        "general",
        "洗衣機安裝的時候師傅把地板刮壞了。",
    ),
]

SPANISH = [
    case(
        "delay-not-arrived-15-days",
        "es",
        "delivery_delay",
        "logistics",
        "general",
        "mi pedido no ha llegado y ya pasaron 15 días",
    ),
    case(
        "safety-charger-burn",
        "es",
        "safety",
        "safety",
        "urgent",
        "El cargador que compré se sobrecalentó y salió humo; mi hijo sufrió una quemadura "
        "en la mano.",
        tags=("safety",),
    ),
    case(
        "privacy-shared-data",
        "es",
        "privacy",
        "data_protection",
        "important",
        "Un empleado compartió mis datos personales con otra empresa sin mi permiso.",
    ),
    case(
        "portability-stuck",
        "es",
        "number_portability",
        "network",
        "general",
        "Solicité la portabilidad de mi número hace tres semanas y todavía no se ha completado.",
    ),
    case(
        "delivery-crushed-box",
        "es",
        "delivery_damage",
        "logistics",
        "general",
        "El paquete vino con la caja aplastada y el televisor tiene la pantalla rota.",
    ),
    case(
        "delivery-arrived-dented",
        "es",
        "delivery_damage",
        "logistics",
        "general",
        "La lavadora llegó abollada por un lado y con el panel golpeado.",
    ),
    case(
        "labelling-no-spanish-label",
        "es",
        "labelling",
        "quality",
        "general",
        "El producto no tiene etiqueta en español y no se pueden leer los ingredientes.",
    ),
    case(
        "stock-always-sold-out",
        "es",
        "stock",
        "logistics",
        "general",
        "Fui tres veces a la tienda y el producto siempre está agotado; nadie sabe cuándo "
        "habrá reposición.",
    ),
    case(
        "network-no-signal",
        "es",
        "network_signal",
        "network",
        "general",
        "En mi casa no tengo señal y se cortan las llamadas constantemente.",
    ),
    case(
        "billing-double-charge",
        "es",
        "billing",
        "billing",
        "general",
        "Me cobraron dos veces la misma compra en la tarjeta y la factura no coincide.",
    ),
    case(
        "billing-shelf-price",
        "es",
        "billing",
        "billing",
        "general",
        "El precio de la etiqueta era 12 euros pero en caja me pasaron 15.",
    ),
    case(
        "staff-rude-cashier",
        "es",
        "staff_attitude",
        "customer_care",
        "general",
        "La cajera fue muy grosera y me gritó delante de todos los clientes.",
    ),
    case(
        "installation-no-show",
        "es",
        "installation",
        "technical_service",
        "general",
        "El técnico no vino a la cita de instalación del aire acondicionado y nadie me avisó.",
    ),
    case(
        "repair-laptop",
        "es",
        "repair_service",
        "technical_service",
        "general",
        "Llevé el portátil al servicio técnico hace un mes y todavía no me lo han reparado.",
    ),
    case(
        "quality-blender",
        "es",
        "product_quality",
        "quality",
        "general",
        "La batidora dejó de funcionar a los diez días de uso, es de muy mala calidad.",
    ),
    case(
        "quality-broke-later",
        "es",
        "product_quality",
        "quality",
        "general",
        "La tostadora llegó bien pero después de una semana ya estaba rota.",
    ),
    case(
        "legal-billing",
        "es",
        "billing",
        "billing",
        "urgent",
        "Me cobraron una tarifa que nunca contraté. Si no me devuelven el dinero, mi abogado "
        "presentará una demanda.",
        tags=("legal",),
    ),
    case(
        "regulator-omic",
        "es",
        "product_quality",
        "quality",
        "urgent",
        "La nevera no funciona desde el primer día y voy a poner una hoja de reclamaciones "
        "en la OMIC.",
        tags=("regulator",),
    ),
    case(
        "regulator-profeco",
        "es",
        "number_portability",
        "network",
        "urgent",
        "Desde la portabilidad no tengo servicio, ya presenté una queja ante PROFECO.",
        tags=("regulator",),
    ),
    case(
        "media-social",
        "es",
        "product_quality",
        "quality",
        "urgent",
        "Compré un yogur caducado y si no me responden lo voy a publicar en redes sociales "
        "para que se haga viral.",
        tags=("media",),
    ),
    case(
        "other-closed-shop",
        "es",
        "other",
        "customer_care",
        "general",
        "Quiero saber por qué cerraron la tienda de mi barrio sin avisar a los clientes.",
    ),
    case(
        "other-saw-ad-on-social-media",
        "es",
        "other",
        "customer_care",
        "general",
        "Vi su anuncio en redes sociales y nadie en la tienda sabía nada de la promoción.",
    ),
    # precision: "vuelto", "agotada", "a mi juicio", "se cortó" have other meanings too
    case(
        "other-called-again",
        "es",
        "other",
        "customer_care",
        "general",
        "He vuelto a llamar tres veces y nadie me atiende.",
    ),
    case(
        "billing-tired-of-calling",
        "es",
        "billing",
        "billing",
        "general",
        "Estoy agotada de llamar, nadie me soluciona la factura.",
    ),
    case(
        "staff-in-my-opinion",
        "es",
        "staff_attitude",
        "customer_care",
        "general",
        "A mi juicio me atendieron muy mal en la tienda de Madrid.",
    ),
    case(
        "safety-child-cut",
        "es",
        "safety",
        "safety",
        "urgent",
        "Mi hijo se cortó con el borde del juguete.",
    ),
    case(
        "network-call-cut",
        "es",
        "network_signal",
        "network",
        "important",  # a week with no internet: an outage of 3 days or more (grading guideline)
        "Llevo una semana sin internet en casa y se corta la llamada cada dos minutos.",
    ),
]

ENGLISH = [
    case(
        "delay-not-arrived-two-weeks",
        "en",
        "delivery_delay",
        "logistics",
        "general",
        "my order has not arrived after two weeks",
    ),
    case(
        "safety-kettle-fire",
        "en",
        "safety",
        "safety",
        "urgent",
        "The kettle I bought last week caught fire on the counter and burned my hand.",
        tags=("safety",),
    ),
    case(
        "safety-injury-by-driver",
        "en",
        "safety",
        "safety",
        "urgent",
        "Your delivery driver dropped a heavy box on my foot and I was injured.",
    ),
    case(
        "privacy-breach",
        "en",
        "privacy",
        "data_protection",
        "important",
        "Your store emailed my personal details to another customer. This is a data breach.",
        tags=("privacy",),
    ),
    case(
        "portability-pac",
        "en",
        "number_portability",
        "network",
        "general",
        "I asked to port my number to another carrier two weeks ago and the PAC code you "
        "gave me doesn't work.",
    ),
    case(
        "delivery-crushed-parcel",
        "en",
        "delivery_damage",
        "logistics",
        "general",
        "The parcel was crushed and the lamp inside was damaged in transit.",
    ),
    case(
        "delivery-arrived-cracked",
        "en",
        "delivery_damage",
        "logistics",
        "general",
        "My new monitor arrived with a cracked screen.",
        subject="Damaged monitor",
    ),
    case(
        "labelling-allergen",
        "en",
        "labelling",
        "quality",
        "general",
        "The cereal box has no allergen warning and the label lists the wrong ingredients.",
    ),
    case(
        "stock-advertised",
        "en",
        "stock",
        "logistics",
        "general",
        "The console was advertised in your flyer but every store says it is out of stock.",
    ),
    case(
        "network-no-signal",
        "en",
        "network_signal",
        "network",
        "general",
        "I have had no signal at home for a week and my calls keep dropping.",
    ),
    case(
        "billing-charged-twice",
        "en",
        "billing",
        "billing",
        "general",
        "I was charged twice for the same order and my invoice shows a fee I never agreed to.",
    ),
    case(
        "staff-rude-assistant",
        "en",
        "staff_attitude",
        "customer_care",
        "general",
        "The sales assistant was extremely rude and rolled her eyes when I asked for help.",
    ),
    case(
        "staff-named-sue",
        "en",
        "staff_attitude",
        "customer_care",
        "general",
        "Sue at the customer desk was rude to my mother.",
    ),
    case(
        "installation-holes",
        "en",
        "installation",
        "technical_service",
        "general",
        "The installer left holes in my wall and the washing machine was never connected.",
    ),
    case(
        "repair-weeks",
        "en",
        "repair_service",
        "technical_service",
        "general",
        "My laptop has been at your repair centre for five weeks and it is still not fixed.",
    ),
    case(
        "quality-blender",
        "en",
        "product_quality",
        "quality",
        "general",
        "The blender stopped working after three days. Very poor quality.",
    ),
    case(
        "quality-usb-port",
        "en",
        "product_quality",
        "quality",
        "general",
        "The charging port on this tablet is loose and it won't charge.",
    ),
    case(
        "legal-billing",
        "en",
        "billing",
        "billing",
        "urgent",
        "You charged me for a subscription I cancelled. I will sue you over this wrong charge.",
        tags=("legal",),
    ),
    case(
        "regulator-trading-standards",
        "en",
        "product_quality",
        "quality",
        "urgent",
        "The fridge has been faulty since day one and I am reporting you to trading standards.",
        tags=("regulator",),
    ),
    case(
        "media-journalist",
        "en",
        "product_quality",
        "quality",
        "urgent",
        "My phone is defective and I have already contacted a journalist at the local newspaper.",
        tags=("media",),
    ),
    case(
        "media-social-threat",
        "en",
        "staff_attitude",
        "customer_care",
        "urgent",
        "Your manager was so rude that I am posting this on social media tonight.",
        tags=("media",),
    ),
    case(
        "other-closed-branch",
        "en",
        "other",
        "customer_care",
        "general",
        "Why did you close the branch on Main Street without telling your customers?",
    ),
    case(
        "billing-refund-request",  # a bare refund request is billing (labelled set's guideline)
        "en",
        "billing",
        "billing",
        "general",
        "I would like a refund for the shoes I returned to the shop.",
    ),
    # precision: "fire", "checkout", "Bill" and social media in their everyday senses
    case(
        "staff-named-bill",
        "en",
        "staff_attitude",
        "customer_care",
        "general",
        "Bill at the Leeds branch was rude and unhelpful.",
    ),
    case(
        "staff-fire-me",
        "en",
        "staff_attitude",
        "customer_care",
        "general",
        "Your employee said he would fire me as a customer, how rude.",
    ),
    case(
        "staff-rude-at-checkout",
        "en",
        "staff_attitude",
        "customer_care",
        "general",
        "The cashier at checkout was rude to me.",
    ),
    case(
        "safety-glass-in-food",
        "en",
        "safety",
        "safety",
        "urgent",
        "There was glass in my salad and my daughter cut her mouth.",
    ),
    case(
        "network-internet",
        "en",
        "network_signal",
        "network",
        "general",
        "My internet keeps disconnecting every evening.",
    ),
    case(
        "billing-ad-on-social-media",
        "en",
        "billing",
        "billing",
        "general",
        "I saw your ad on social media but the price at the till was higher.",
    ),
]

ALL_CASES = SIMPLIFIED + TRADITIONAL + SPANISH + ENGLISH


def test_table_has_enough_cases_per_language() -> None:
    for cases in (SIMPLIFIED, TRADITIONAL, SPANISH, ENGLISH):
        assert len(cases) >= 16
    assert len(ALL_CASES) >= 64
    for cases in (SIMPLIFIED, TRADITIONAL, SPANISH, ENGLISH):
        assert {param.values[2] for param in cases} >= {
            "product_quality",
            "labelling",
            "stock",
            "installation",
            "repair_service",
            "delivery_damage",
            "delivery_delay",
            "staff_attitude",
            "billing",
            "network_signal",
            "number_portability",
            "safety",
            "privacy",
            "other",
        }


def by_the_model(decision: Decision, field: str) -> bool:
    """Whether the triage model, not a rule, gave `field` its value."""
    reasons = {"category": ("model",), "grade": ("model_grade",)}[field]
    return any(step.reason in reasons for step in decision.trace) or (
        field == "grade" and by_the_model(decision, "category")
    )


@pytest.mark.parametrize(
    ("text", "subject", "category", "department", "grade", "language", "tags"), ALL_CASES
)
def test_default_rules_route_complaint(
    settings: Settings,
    text: str,
    subject: str,
    category: str,
    department: str,
    grade: str,
    language: str,
    tags: tuple[str, ...],
) -> None:
    """What the rules decide is exact: language, tags, and category, department and grade
    where a rule set them. What the model decides is measured over the whole table below."""
    decision = decide(settings, make_input(text, subject=subject))
    explanation = "\n".join(
        f"{step.rule}: {step.matched} {step.detail} {step.effects}" for step in decision.trace
    )
    assert decision.language == language, explanation
    assert set(tags) <= set(decision.tags), explanation
    assert "vip" not in decision.tags and "repeat" not in decision.tags
    if not by_the_model(decision, "category"):
        assert (decision.category, decision.department) == (category, department), explanation
    if not by_the_model(decision, "grade"):
        assert decision.grade == grade, explanation


def test_the_model_routes_the_table_as_a_desk_expects(settings: Settings) -> None:
    """Category and grade over every case: the model, like a person, misses a few (a toaster
    that broke a week after delivery read as delivery damage), so its share is measured, with
    the misses listed, rather than pinned case by case."""
    misses = []
    right = {"category": 0, "grade": 0}
    for param in ALL_CASES:
        text, subject, category, _, grade, *_ = param.values
        decision = decide(settings, make_input(str(text), subject=str(subject)))
        right["category"] += decision.category == category
        right["grade"] += decision.grade == grade
        if (decision.category, decision.grade) != (category, grade):
            misses.append(f"{param.id}: {decision.category}/{decision.grade}")
    rows = len(ALL_CASES)
    assert right["category"] / rows >= 0.9, misses
    assert right["grade"] / rows >= 0.95, misses


# ---- Customer signals -------------------------------------------------------------------------

QUALITY_EN = "The blender stopped working after three days. Very poor quality."


def test_vip_tier_makes_general_important(settings: Settings) -> None:
    decision = decide(settings, make_input(QUALITY_EN, tier="VIP"))
    assert (decision.category, decision.grade) == ("product_quality", "important")
    assert "vip" in decision.tags


def test_vip_tier_from_history_counts_too(settings: Settings) -> None:
    decision = decide(settings, make_input("收到的床单有破洞"), CustomerHistory(tier="vip"))
    assert decision.grade == "important"
    assert "vip" in decision.tags


def test_vip_does_not_lower_an_urgent_complaint(settings: Settings) -> None:
    text = "The kettle caught fire on the counter."
    decision = decide(settings, make_input(text, tier="vip"))
    assert (decision.category, decision.grade) == ("safety", "urgent")


def test_vip_keeps_privacy_important(settings: Settings) -> None:
    text = "Someone else could see my personal data in your app."
    decision = decide(settings, make_input(text, tier="vip"))
    assert (decision.category, decision.grade) == ("privacy", "important")


def test_other_tiers_are_not_vip(settings: Settings) -> None:
    decision = decide(settings, make_input(QUALITY_EN, tier="gold"))
    assert decision.grade == "general"
    step = _step(decision, "vip customer")
    assert not step.matched
    assert step.detail == "customer tier 'gold' not in ['vip']"


def test_repeat_within_30_days_raises_one_grade(settings: Settings) -> None:
    history = CustomerHistory(complaint_times=(RECEIVED - timedelta(days=12),))
    decision = decide(settings, make_input(QUALITY_EN), history)
    assert decision.grade == "important"
    assert "repeat" in decision.tags
    assert "1 earlier complaint(s) in 30 days" in _step(decision, "repeat complaint").detail


def test_repeat_on_day_30_still_counts(settings: Settings) -> None:
    history = CustomerHistory(complaint_times=(RECEIVED - timedelta(days=30),))
    assert decide(settings, make_input(QUALITY_EN), history).grade == "important"


def test_repeat_after_31_days_does_not_raise(settings: Settings) -> None:
    history = CustomerHistory(complaint_times=(RECEIVED - timedelta(days=31),))
    decision = decide(settings, make_input(QUALITY_EN), history)
    assert decision.grade == "general"
    assert "repeat" not in decision.tags
    step = _step(decision, "repeat complaint")
    assert not step.matched
    assert step.detail == "0 earlier complaint(s) in 30 days, needs 1"


def test_repeat_raises_privacy_to_urgent(settings: Settings) -> None:
    history = CustomerHistory(complaint_times=(RECEIVED - timedelta(days=2),))
    decision = decide(settings, make_input("我的个人信息被泄露了"), history)
    assert (decision.category, decision.grade) == ("privacy", "urgent")


def test_vip_repeat_is_urgent(settings: Settings) -> None:
    history = CustomerHistory(tier="vip", complaint_times=(RECEIVED - timedelta(days=3),))
    decision = decide(settings, make_input(QUALITY_EN), history)
    assert decision.grade == "urgent"
    assert decision.tags == ("vip", "repeat")


def test_subject_alone_can_route(settings: Settings) -> None:
    decision = decide(settings, make_input("Please call me back.", subject="Out of stock again"))
    assert decision.category == "stock"


# ---- The trace --------------------------------------------------------------------------------


def _step(decision: Decision, rule: str) -> TraceStep:
    steps = [step for step in decision.trace if step.rule == rule]
    assert steps, f"no trace step for {rule!r}"
    return steps[0]


def test_trace_names_the_rule_that_set_the_category(settings: Settings) -> None:
    decision = decide(settings, make_input("你们的空气炸锅一直缺货，什么时候补货？"))
    step = _step(decision, "out of stock")
    assert step.matched
    assert "keyword '缺货'" in step.detail
    assert Effect("category", "stock", True) in step.effects
    assert not [step for step in decision.trace if step.reason in ("model", "model_unsure")]


def test_trace_records_why_a_rule_did_not_match(settings: Settings) -> None:
    decision = decide(settings, make_input("My new monitor arrived with a cracked screen."))
    safety = _step(decision, "safety incident")
    assert not safety.matched
    assert safety.detail.startswith("none of ") and safety.detail.endswith(
        "keywords in subject/text"
    )
    chinese_only = _step(decision, "delivery damage on arrival (zh)")
    assert chinese_only.detail == "language 'en' not in ['zh-Hans', 'zh-Hant']"
    arrival = _step(decision, "delivery damage on arrival (es, en)")
    assert arrival.matched
    assert "pattern matched 'arrived with a cracked'" in arrival.detail


def test_trace_of_a_legal_threat_on_a_billing_complaint(settings: Settings) -> None:
    text = "You charged me for a subscription I cancelled. I will sue you over this wrong charge."
    decision = decide(settings, make_input(text))
    legal = [step for step in decision.trace if step.rule == "legal threat"]
    assert legal[0].matched
    assert legal[0].effects == (Effect("tags", "legal", True),)
    assert legal[1].detail == "at least urgent"
    assert legal[1].effects == (Effect("grade", "urgent", True, "was general"),)
    [model] = [step for step in decision.trace if step.reason == "model"]
    assert model.effects == (Effect("category", "billing", True),)
    default_steps = [step.detail for step in decision.trace if step.rule == "default"]
    assert default_steps == ["no rule set the department", "no rule set the grade"]


def test_trace_when_two_category_rules_match(settings: Settings) -> None:
    text = "The charger caught fire and the shop assistant was rude about it."
    decision = decide(settings, make_input(text))
    assert decision.category == "safety"
    staff = _step(decision, "staff attitude")
    assert staff.matched
    assert staff.effects == (
        Effect(
            "category",
            "staff_attitude",
            False,
            "already set by rule 'safety incident'",
            "safety incident",
        ),
    )


def test_trace_of_the_default_category(settings: Settings) -> None:
    text = "Why is the shop on Main Street closed?"
    decision = decide(settings, make_input(text), rules_only=True)
    assert decision.category == "other"
    assert (
        TraceStep(
            "default",
            True,
            "no rule set the category",
            (Effect("category", "other", True, "routing.default_category"),),
            "default",
            (),
            (("field", "category"), ("setting", "routing.default_category")),
        )
        in decision.trace
    )
