"""The names the customer reads for a complaint's status and for the kinds of solution, in
each supported language."""

from __future__ import annotations

STATUS_NAMES: dict[str, dict[str, str]] = {
    # Every status of complaints.workflow.STATUSES, in every language (a test checks).
    "en": {
        "new": "new",
        "acknowledged": "acknowledged",
        "assigned": "assigned",
        "investigating": "being investigated",
        "solution_proposed": "waiting for your answer to our proposal",
        "awaiting_customer": "waiting for your answer",
        "resolved": "resolved",
        "closed": "closed",
        "rejected": "not accepted as a complaint",
        "reopened": "reopened",
        "merged": "merged with another complaint",
    },
    "es": {
        "new": "pendiente de tramitación",
        "acknowledged": "registrada",  # "está registrada": "está recibida" is not Spanish
        "assigned": "asignada",
        "investigating": "en investigación",
        "solution_proposed": "a la espera de su respuesta a nuestra propuesta",
        "awaiting_customer": "a la espera de su respuesta",
        "resolved": "resuelta",
        "closed": "cerrada",
        "rejected": "no admitida como reclamación",
        "reopened": "reabierta",
        "merged": "unida a otra reclamación",
    },
    "zh-Hans": {
        "new": "新建",
        "acknowledged": "已受理",
        "assigned": "处理中",
        "investigating": "调查中",
        "solution_proposed": "已提出解决方案，等待您的答复",
        "awaiting_customer": "等待您的答复",
        "resolved": "已解决",
        "closed": "已关闭",
        "rejected": "未予受理",
        "reopened": "重新打开",
        "merged": "已与其他投诉合并",
    },
    "zh-Hant": {
        "new": "新建",
        "acknowledged": "已受理",
        "assigned": "處理中",
        "investigating": "調查中",
        "solution_proposed": "已提出解決方案，等待您的回覆",
        "awaiting_customer": "等待您的回覆",
        "resolved": "已解決",
        "closed": "已結案",
        "rejected": "未予受理",
        "reopened": "重新開啟",
        "merged": "已與其他投訴合併",
    },
}


def status_name(language: str, status: str) -> str:
    return STATUS_NAMES.get(language, {}).get(status, status.replace("_", " "))


KIND_NAMES: dict[str, dict[str, str]] = {
    # How a proposed solution of each kind is named to the customer (staff.solutions.describe).
    "en": {
        "return": "a return of the product",
        "exchange": "an exchange for a new one",
        "repair": "a free repair",
        "refund": "a refund",
        "discount": "a discount",
        "compensation": "compensation",
        "apology": "our formal apology",
    },
    "es": {
        "return": "la devolución del producto",
        "exchange": "el cambio por uno nuevo",
        "repair": "la reparación gratuita",
        "refund": "el reembolso",
        "discount": "un descuento",
        "compensation": "una compensación",
        "apology": "nuestras disculpas formales",
    },
    "zh-Hans": {
        "return": "退货",
        "exchange": "换新",
        "repair": "免费维修",
        "refund": "退款",
        "discount": "折扣",
        "compensation": "赔偿",
        "apology": "正式致歉",
    },
    "zh-Hant": {
        "return": "退貨",
        "exchange": "換新",
        "repair": "免費維修",
        "refund": "退款",
        "discount": "折扣",
        "compensation": "賠償",
        "apology": "正式致歉",
    },
}
