"""The guided chat intake's lines (`intake.chat`, the Telegram `/start`): the welcome, the
question for each registration field still missing, Skip, the thanks when nothing is missing
and the date format. Kept apart from outbox.texts (which would outgrow a module) and merged
into its `TEXTS`, as `outbox.chat_texts` is, so `say` and the catalog tests see one table."""

from __future__ import annotations

INTAKE_QUESTIONS: dict[str, dict[str, str]] = {
    "en": {
        "welcome.hello": "Hello {name}!",
        "welcome.hello_nameless": "Hello!",
        "welcome": "{hello} I am the complaints assistant of {company}. Tell me in your own "
        "words what went wrong; you can also send photos or documents. I will give you a "
        "complaint number at once and ask only for what is missing.\n\nSend /status to see "
        "how your complaints are going, or /help to see everything I can do.",
        "ask.product": "Which product or service is this about?",
        "ask.model": "What is the model?",
        "ask.serial_number": "What is the serial number (on the label or the box)?",
        "ask.order_number": "What is the order or receipt number?",
        "ask.purchase_date": "When did you buy it? (for example 2026-03-02)",
        "ask.desired_outcome": "What would you like us to do: repair, exchange, refund, "
        "something else?",
        "ask.phone": "Which phone number is this about?",
        "skip": "Skip",
        "thanks_details": "Thank you, that is all we need for now. We will get back to you.",
        "date_format": "Please write the purchase date as a date, for example 2026-03-02 "
        "(year-month-day), or tap Skip.",
    },
    "es": {
        "welcome.hello": "¡Hola, {name}!",
        "welcome.hello_nameless": "¡Hola!",
        "welcome": "{hello} Soy el asistente de reclamaciones de {company}. Cuénteme con "
        "sus palabras qué ha pasado; también puede enviar fotos o documentos. Le daré un "
        "número de reclamación al momento y solo le preguntaré lo que falte.\n\nEnvíe /status "
        "para seguir sus reclamaciones, o /help para ver todo lo que puedo hacer.",
        "ask.product": "¿De qué producto o servicio se trata?",
        "ask.model": "¿Cuál es el modelo?",
        "ask.serial_number": "¿Cuál es el número de serie (en la etiqueta o la caja)?",
        "ask.order_number": "¿Cuál es el número de pedido o de ticket?",
        "ask.purchase_date": "¿Cuándo lo compró? (por ejemplo 02/03/2026)",
        "ask.desired_outcome": "¿Qué desea que hagamos: reparación, cambio, reembolso, otra cosa?",
        "ask.phone": "¿De qué número de teléfono se trata?",
        "skip": "Omitir",
        "thanks_details": "Gracias, es todo lo que necesitamos por ahora. Le responderemos pronto.",
        "date_format": "Escriba la fecha de compra como una fecha, por ejemplo 2026-03-02 "
        "(año-mes-día), o pulse Omitir.",
    },
    "zh-Hans": {
        "welcome.hello": "{name}，您好！",
        "welcome.hello_nameless": "您好！",
        "welcome": "{hello}我是{company}的投诉助手。请用您自己的话告诉我发生了什么，"
        "也可以发送照片或文件。我会立即给您投诉编号，并只询问缺少的信息。\n\n"
        "发送 /status 查看投诉进度，发送 /help 查看我能做什么。",
        "ask.product": "请问涉及哪个产品或服务？",
        "ask.model": "请问型号是什么？",
        "ask.serial_number": "请问序列号是多少（在标签或包装盒上）？",
        "ask.order_number": "请问订单号或小票号是多少？",
        "ask.purchase_date": "请问是什么时候购买的？（例如 2026-03-02）",
        "ask.desired_outcome": "您希望我们如何处理：维修、换货、退款，还是其他？",
        "ask.phone": "请问涉及哪个电话号码？",
        "skip": "跳过",
        "thanks_details": "谢谢，目前需要的信息已经齐全，我们会尽快回复您。",
        "date_format": "请按日期格式填写购买日期，例如 2026-03-02（年-月-日），或点击“跳过”。",
    },
    "zh-Hant": {
        "welcome.hello": "{name}，您好！",
        "welcome.hello_nameless": "您好！",
        "welcome": "{hello}我是{company}的投訴助理。請用您自己的話告訴我發生了什麼，"
        "也可以傳送照片或文件。我會立即給您投訴編號，並只詢問缺少的資料。\n\n"
        "傳送 /status 查看投訴進度，傳送 /help 查看我能做什麼。",
        "ask.product": "請問與哪個產品或服務有關？",
        "ask.model": "請問型號是什麼？",
        "ask.serial_number": "請問序號是多少（在標籤或包裝盒上）？",
        "ask.order_number": "請問訂單編號或收據號碼是多少？",
        "ask.purchase_date": "請問是什麼時候購買的？（例如 2026-03-02）",
        "ask.desired_outcome": "您希望我們如何處理：維修、換貨、退款，還是其他？",
        "ask.phone": "請問與哪個電話號碼有關？",
        "skip": "略過",
        "thanks_details": "謝謝，目前需要的資料已經齊全，我們會盡快回覆您。",
        "date_format": "請按日期格式填寫購買日期，例如 2026-03-02（年-月-日），或點選「略過」。",
    },
}
