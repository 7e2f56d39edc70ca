"""The complaints every benchmark sends: distinct, realistic, in the four languages.

`complaints(count, seed, start)` yields webhook bodies with unique ids from `start` on, so each
round of a benchmark sends complaints no server has seen; the mail benchmarks wrap the same
texts in mails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SOURCE = "bench"
SECRET = "bench-secret-0123456789abcdef"
COMPLAINT_NUMBER = re.compile(r"\bC-\d{4}-\d{6,}\b")

# ---- the complaints --------------------------------------------------------------------------

# Per language: short lists as "a|b|c" strings, and complaint texts with {slots}. The texts touch
# most routing rules (quality, billing, delivery, installation, staff, network, stock, labelling,
# safety, privacy, repair) and never mention a complaint number, so each opens a new complaint.
TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "product": "washing machine|phone|laptop|kettle|vacuum cleaner|microwave|headphones"
        "|router|air fryer|television|electric heater|fridge",
        "store": "Oxford Street|Manchester Piccadilly|Leeds city centre|Bristol",
        "date": "3 March|the 14th|last Monday|12 February|the weekend",
        "extra": "||Thank you.|I expect an answer this week.|Please call me back."
        "|This is not the first time.|I have been a customer for ten years.",
        "text": [
            "The {product} I bought on {date} stopped working after {days} days. "
            "I want a replacement or my money back.",
            "I was charged twice for order {order}. Please refund the duplicate charge "
            "as soon as possible.",
            "The courier left the parcel outside in the rain and the box was crushed; "
            "the {product} inside is cracked. Order {order}.",
            "Your technician was supposed to install my {product} on {date}, but nobody came "
            "and nobody called to explain.",
            "The staff at your {store} store were rude to me when I asked about my {product}. "
            "One of them laughed at me.",
            "I have had no signal at home for {days} days and I cannot make calls. "
            "This is my only phone line.",
            "The {product} has been out of stock for weeks although your website says it is "
            "available for delivery.",
            "The label on the {product} box has no instructions in English and no country of "
            "origin.",
            "My {product} started sparking and caught fire while it was on last night. "
            "Nobody was hurt, but this is dangerous.",
            "Someone at your company shared my personal data with a marketing firm without my "
            "consent. I keep getting calls.",
            "I sent my {product} for repair on {date} and it came back still not fixed. "
            "Order {order}.",
            "Order {order} arrived a week late and the {product} was the wrong model. "
            "I would like this sorted out.",
        ],
    },
    "es": {
        "product": "lavadora|móvil|portátil|hervidor|aspiradora|microondas|auriculares|router"
        "|freidora de aire|televisor|nevera|estufa",
        "store": "Gran Vía|Diagonal|Sevilla Este|Valencia centro",
        "date": "3 de marzo|día 14|lunes pasado|12 de febrero|fin de semana",
        "extra": "||Gracias.|Espero una respuesta esta semana.|Por favor, llámenme."
        "|No es la primera vez.|Soy cliente desde hace diez años.",
        "text": [
            "La {product} que compré el {date} dejó de funcionar a los {days} días. "
            "Quiero que me la cambien o que me devuelvan el dinero.",
            "Me cobraron dos veces el pedido {order}. Por favor, devuélvanme el cargo duplicado.",
            "El repartidor dejó el paquete bajo la lluvia y la caja llegó aplastada; "
            "la {product} está rota. Pedido {order}.",
            "El técnico tenía que venir a instalar la {product} el {date} y no vino nadie "
            "ni me llamaron.",
            "En la tienda de {store} me atendieron muy mal cuando pregunté por mi {product}. "
            "Me gritaron delante de todos.",
            "Llevo {days} días sin cobertura en casa y no puedo hacer llamadas.",
            "La {product} está agotada desde hace semanas aunque en la web pone que hay "
            "existencias.",
            "La etiqueta de la {product} no viene en español y no indica el país de origen.",
            "Mi {product} empezó a echar humo y chispas anoche. Nadie se hizo daño, pero es "
            "peligroso.",
            "Compartieron mis datos personales con una empresa de publicidad sin mi "
            "permiso. No paran de llamarme.",
            "Llevé la {product} al servicio técnico el {date} y me la devolvieron sin "
            "arreglar. Pedido {order}.",
            "El pedido {order} llegó con una semana de retraso y la {product} no era el "
            "modelo que pedí.",
        ],
    },
    "zh-Hans": {
        "product": "洗衣机|手机|笔记本电脑|电水壶|吸尘器|微波炉|耳机|路由器"
        "|空气炸锅|电视机|电暖器|冰箱",
        "store": "南京路|中关村|天河城|春熙路",
        "date": "3月3日|上周一|2月12日|周末|14号",
        "extra": "||谢谢。|希望本周内给我答复。|请尽快给我回电话。"
        "|这已经不是第一次了。|我是你们十年的老客户了。",
        "text": [
            "我{date}买的{product}用了{days}天就坏了，要求换货或者退款。",
            "订单{order}被重复扣款了两次，请尽快把多扣的钱退给我。",
            "快递员把包裹放在门外淋雨，外箱破损，里面的{product}也压坏了。订单号{order}。",
            "约好{date}上门安装{product}，结果一直没人来，也没有人打电话说明。",
            "{store}门店的店员态度很差，我问{product}的问题时直接不耐烦地吼我。",
            "家里已经{days}天没有信号了，电话打不出去，严重影响工作。",
            "官网显示{product}有货，可是下单后一直说缺货，已经等了好几周。",
            "{product}的包装上没有中文说明，也没有标注产地。",
            "昨晚{product}突然冒烟还冒火花，幸好没人受伤，但是太危险了。",
            "你们把我的个人信息泄露给了推销公司，我每天都接到骚扰电话。",
            "{date}把{product}送去维修，拿回来还是修不好。订单号{order}。",
            "订单{order}晚了一个星期才到，而且{product}的型号也发错了。",
        ],
    },
    "zh-Hant": {
        "product": "洗衣機|手機|筆記型電腦|電熱水壺|吸塵器|微波爐|耳機|路由器"
        "|氣炸鍋|電視機|電暖器|冰箱",
        "store": "信義|西門町|銅鑼灣|旺角",
        "date": "3月3日|上週一|2月12日|週末|14號",
        "extra": "||謝謝。|希望本週內給我答覆。|請儘快回電給我。"
        "|這已經不是第一次了。|我是你們十年的老客戶了。",
        "text": [
            "我{date}買的{product}用了{days}天就壞了，要求換貨或者退款。",
            "訂單{order}被重複扣款兩次，請儘快把多扣的錢退給我。",
            "快遞員把包裹放在門外淋雨，外箱破損，裡面的{product}也壓壞了。訂單編號{order}。",
            "約好{date}到府安裝{product}，結果一直沒有人來，也沒有人打電話說明。",
            "{store}門市的店員態度很差，我問{product}的問題時直接不耐煩地兇我。",
            "家裡已經{days}天沒有訊號了，電話打不出去，嚴重影響工作。",
            "官網顯示{product}有貨，可是下單後一直說缺貨，已經等了好幾週。",
            "{product}的包裝上沒有中文說明，也沒有標示產地。",
            "昨晚{product}突然冒煙還冒火花，幸好沒有人受傷，但是太危險了。",
            "你們把我的個人資料外洩給推銷公司，我每天都接到騷擾電話。",
            "{date}把{product}送去維修，拿回來還是沒修好。訂單編號{order}。",
            "訂單{order}晚了一個星期才到，而且{product}的型號也寄錯了。",
        ],
    },
}
NAMES = {
    "en": "James Carter|Emily Watson|Oliver Hughes|Sophie Turner|Harry Patel",
    "es": "Lucía Fernández|Javier Moreno|Carmen Ruiz|Pablo Navarro|Marta Gil",
    "zh-Hans": "王芳|李伟|张敏|刘洋|陈静",
    "zh-Hant": "陳美玲|林志明|黃淑芬|張家豪|李雅婷",
}
SUBJECTS = {
    "en": "Complaint|Faulty product|Refund request|Very disappointed",
    "es": "Reclamación|Producto defectuoso|Solicitud de reembolso|Muy decepcionado",
    "zh-Hans": "投诉|产品质量问题|申请退款|非常失望",
    "zh-Hant": "投訴|產品品質問題|申請退款|非常失望",
}
REGULARS = 12
"""Recurring customers: about one complaint in ten is theirs, so later ones count as repeats."""
ORDER_REFERENCE = {
    "en": " (order SO-{index:06d})",
    "es": " (pedido SO-{index:06d})",
    "zh-Hans": "（订单号 SO-{index:06d}）",
    "zh-Hant": "（訂單編號 SO-{index:06d}）",
}
"""Added to a regular's complaint, so two of theirs never say the same words: the bot joins
the same words from one sender within the hour to the first complaint (a resend)."""


def complaints(count: int, seed: int, start: int = 0) -> Iterator[dict[str, Any]]:
    """`count` distinct webhook bodies: unique ids from `start` on, new complaints (no complaint
    numbers), the same for the same seed and start."""
    rng = random.Random(seed * 1_000_003 + start)
    languages = list(TEXTS)
    regulars = [
        (f"regular-{n:02d}", languages[n % 4], "vip" if n % 3 == 0 else "") for n in range(REGULARS)
    ]
    for index in range(start, start + count):
        if rng.random() < 0.1:
            customer_id, language, tier = rng.choice(regulars)
        else:
            customer_id, language, tier = f"cust-{index:06d}", rng.choice(languages), ""
        words = TEXTS[language]
        text = rng.choice(words["text"]).format(
            product=rng.choice(words["product"].split("|")),
            store=rng.choice(words["store"].split("|")),
            date=rng.choice(words["date"].split("|")),
            days=rng.randint(2, 20),
            order=f"SO-{rng.randint(100000, 999999)}",
        )
        extra = rng.choice(words["extra"].split("|"))
        text = f"{text} {extra}".strip() if language in ("en", "es") else text + extra
        if customer_id.startswith("regular-"):
            text += ORDER_REFERENCE[language].format(index=index)
        assert not COMPLAINT_NUMBER.search(text)
        name = NAMES[language].split("|")[int(customer_id[-2:]) % 5]
        customer = {"id": customer_id, "name": name, "tier": tier}
        if rng.random() < 0.5:
            customer["email"] = f"{customer_id}@example.com"
        body: dict[str, Any] = {"id": f"msg-{index:06d}", "customer": customer, "text": text}
        if rng.random() < 0.5:
            body["language"] = language
        if rng.random() < 0.3:
            body["subject"] = rng.choice(SUBJECTS[language].split("|"))
        yield body


def write_requests(path: Path, bodies: Iterator[dict[str, Any]]) -> None:
    """One request a line: the signature header's value, a tab, the raw JSON body."""
    with path.open("wb") as out:
        for body in bodies:
            raw = json.dumps(body, ensure_ascii=False).encode()
            signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
            out.write(signature.encode() + b"\t" + raw + b"\n")
