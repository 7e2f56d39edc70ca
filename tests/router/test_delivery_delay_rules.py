"""The shipped rule for late or lost deliveries (settings.toml, "late or lost delivery"), rules
alone: it names the order or parcel with its fate in every language, and stays off complaints
whose decisive fact is damage, stock or money, so the category rules before it and the triage
model keep those (router/data/labelled/README.md, "Category boundaries")."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings, load_settings
from tests.router.shipped import by_rules

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS_PATH)


LATE_OR_LOST = [
    "my order has not arrived after two weeks",
    "Where is my parcel? It's been 12 days.",
    "Tracking hasn't updated since Monday and the order still hasn't arrived.",
    "The app says delivered but nothing came. It's marked as delivered at 2pm, I was home.",
    "The courier lost my parcel and nobody will tell me what happens next.",
    "Ten days and it hasn't been dispatched.",
    "mi pedido no ha llegado y ya pasaron 15 días",
    "¿Dónde está mi paquete? Lleva en reparto desde el martes.",
    "Pone entregado y aquí no ha llegado nada.",
    "El seguimiento no se actualiza desde hace una semana.",
    "订单下了十天还没发货，物流一直不更新",
    "快递显示已签收，可是我根本没收到",
    "包裹丢了，客服一直让我等",
    "包裹顯示已送達但我根本沒收到",
    "下單兩個禮拜還沒出貨",
    "物流一直沒更新，客服只會叫我等",
]


@pytest.mark.parametrize("text", LATE_OR_LOST)
def test_a_late_or_lost_order_is_a_delivery_delay_for_logistics(
    settings: Settings, text: str
) -> None:
    decision = by_rules(settings, text)
    assert (decision.category, decision.department) == ("delivery_delay", "logistics")


NOT_A_DELAY = [
    # damage: the damage rule comes first and keeps it
    ("It finally arrived two weeks late and the lamp arrived broken.", "delivery_damage"),
    ("Llegó con una semana de retraso y la pantalla llegó rota.", "delivery_damage"),
    ("晚了两个星期，收到时屏幕碎了", "delivery_damage"),
    # stock: the stock rule comes first and keeps it
    ("My order hasn't been dispatched because it's out of stock.", "stock"),
    ("Mi pedido no ha llegado porque está agotado en el almacén.", "stock"),
    ("还没发货，客服说缺货了", "stock"),
    ("還沒出貨，說是缺貨", "stock"),
]


@pytest.mark.parametrize(("text", "category"), NOT_A_DELAY)
def test_damage_and_stock_keep_their_own_rules(
    settings: Settings, text: str, category: str
) -> None:
    assert by_rules(settings, text).category == category


NOT_THE_RULES_TO_SAY = [
    # money: a refund for a lost parcel that has not come is billing, the model's to decide
    "You agreed to a refund for the lost parcel and it never arrived in my account.",
    "I was charged twice for delivery.",
    "El reembolso del paquete perdido no me ha llegado.",
    "丢件说好退款，钱到现在没到账",
    # negated: not a lost parcel, not late
    "This is not a lost parcel: your warehouse never had the chairs.",
    "不是快递丢了，是仓库根本没这个货",
    # a detail of another story: the order not shipped yet is why the address could change
    "改收货地址的按钮是灰的，单子明明还没发货",
    # "never arrived" without an order or parcel: a code, an e-mail
    "The PAC code never arrived by text.",
    "La contraseña nueva nunca llegó al correo.",
]


@pytest.mark.parametrize("text", NOT_THE_RULES_TO_SAY)
def test_the_rule_stays_off_money_negations_and_other_things_that_never_arrived(
    settings: Settings, text: str
) -> None:
    assert by_rules(settings, text).category != "delivery_delay"
