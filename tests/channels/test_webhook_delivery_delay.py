"""Late and lost deliveries, end to end: complaints posted to the real bot's webhook reach the
logistics department as `delivery_delay` in every language, while damaged parcels, orders
without stock and refunds for lost parcels keep their own categories (a walkthrough found late
deliveries the commonest misroute when they went to customer care as `other`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.channels.test_webhook import complaint, post

DELAY = ("delivery_delay", "logistics")

CASES = {
    "en": [
        ("my order has not arrived after two weeks", DELAY),
        ("Where's my parcel? Tracking hasn't moved in 9 days.", DELAY),
        ("The app says it was delivered at 2pm. I was home all day and nothing came.", DELAY),
        ("Ordered on the 3rd, it still hasn't been dispatched and nobody tells me why.", DELAY),
        ("The courier lost my parcel. I want my money back.", DELAY),
        ("The parcel arrived broken, the vase is in pieces.", ("delivery_damage", "logistics")),
        ("My order was cancelled because the item is out of stock.", ("stock", "logistics")),
        (
            "I was charged twice for the same order, please refund one charge.",
            ("billing", "billing"),
        ),
    ],
    "es": [
        ("mi pedido no ha llegado y ya pasaron 15 días", DELAY),
        ("¿Dónde está mi paquete? El seguimiento no se mueve desde el lunes.", DELAY),
        ("Pone entregado y aquí no ha llegado nada, estuve en casa toda la tarde.", DELAY),
        ("El repartidor no vino en la franja que reservé y ahora pone ausente.", DELAY),
        (
            "El paquete llegó roto y la lámpara está hecha pedazos.",
            ("delivery_damage", "logistics"),
        ),
        ("Me cancelaron el pedido porque el producto está agotado.", ("stock", "logistics")),
        (
            "Me cobraron dos veces la misma compra, quiero que me devuelvan el cobro duplicado.",
            ("billing", "billing"),
        ),
    ],
    "zh-Hans": [
        ("订单下了十天还没发货，物流一直不更新", DELAY),
        ("快递显示已签收，可是我根本没收到", DELAY),
        ("包裹丢了，客服一直让我等", DELAY),
        ("约好上午送货，等了一天都没人来", DELAY),
        ("收到的手机屏幕碎了，请尽快处理。", ("delivery_damage", "logistics")),
        ("等了一个星期商家说缺货，把订单取消了", ("stock", "logistics")),
        ("同一笔订单扣了我两次钱，请退回多扣的", ("billing", "billing")),
    ],
    "zh-Hant": [
        ("包裹顯示已送達但我根本沒收到", DELAY),
        ("下單兩個禮拜還沒出貨，物流一直沒更新", DELAY),
        ("速遞話送咗，但係我成日喺屋企，冇人拍門亦冇件貨", DELAY),
        ("寄丟的包裹客服一直叫我等", DELAY),
        ("我昨天收到的包裹外箱破損，裡面的螢幕已經碎裂。", ("delivery_damage", "logistics")),
        ("等了十天才說缺貨，訂單被取消", ("stock", "logistics")),
        ("這個月的帳單重複扣款了兩次，請盡快退款。", ("billing", "billing")),
    ],
}


@pytest.mark.parametrize("language", list(CASES))
async def test_late_or_lost_orders_reach_logistics_and_look_alikes_keep_their_category(
    start_bot: Any, language: str
) -> None:
    bot = await start_bot()
    routed = {}
    for number, (text, _) in enumerate(CASES[language]):
        response = await post(bot, complaint(f"{language}-{number}", text, f"c-{number}"))
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["language"] == language, body
        routed[text] = (body["category"], body["department"])
    assert routed == {text: expected for text, expected in CASES[language]}
