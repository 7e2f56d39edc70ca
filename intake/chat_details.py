"""What the guided chat can read from the customer's own words, so it does not ask for it.

Conservative by design: a field is filled only when the text names it unmistakably, and a
wrong guess costs more than a question.
- order number: after "order", "receipt", "pedido", "orden", "订单(号)", "訂單(號)", "单号"…,
  an identifier with a digit ("order A-123", "pedido nº 55821", "订单号A-123");
- purchase date: an explicit date (ISO, 2026/11/01, 2026年11月1日, "1 November 2026",
  "1 de noviembre de 2026") next to a purchase word ("bought on …", "comprada el …",
  "…买的", "購於…"); a date without one may be the day something broke;
- model: one code of capitals and digits (HD9252, KX-200), or what follows "model",
  "modelo", "型号", "型號"; never when two different codes are in the text;
- product: the short phrase around that model ("Philips HD9252 air fryer", "freidora de
  aire Philips HD9252", "飞利浦HD9252空气炸锅"), only when it is a bare noun phrase;
- phone: a number after its label ("电话13912345678", "mi teléfono es 600123456"), as in an
  e-mail signature (`complaints.phones`).
"""

from __future__ import annotations

import re
from datetime import date

from complaints.dates import purchase_date
from complaints.phones import labelled_phone

_ID = r"([A-Za-z0-9][A-Za-z0-9/_-]{1,30})"
_ORDER = re.compile(
    r"(?:\b(?:order|receipt|invoice|pedido|orden|factura|ticket)"
    r"(?:\s*(?:number|no\.?|num\.?|n[º°o]\.?|n[úu]mero|id|is|es|was|#|:))*"
    r"|订单编号|訂單編號|订单号|訂單號|订单|訂單|单号|單號|收据号|收據號)"
    r"[\s:：#.是为為]*" + _ID,
    re.IGNORECASE,
)
_MODEL_WORD = re.compile(r"(?:\bmodel(?:o)?\b|型号|型號)[\s:：#.]*" + _ID, re.IGNORECASE)
_CODE = re.compile(
    r"(?<![A-Za-z0-9-])([A-Z]{1,5}-?(?:[A-Z]{1,5}-?)?\d{2,6}[A-Z0-9]{0,4})(?![A-Za-z0-9-])"
)
_SERIAL = re.compile(r"(?:serial|s/n|serie|序列号|序號|序列號)\W{0,12}$", re.IGNORECASE)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "enero"),
            ("february", "feb", "febrero"),
            ("march", "mar", "marzo"),
            ("april", "apr", "abril"),
            ("may", "mayo"),
            ("june", "jun", "junio"),
            ("july", "jul", "julio"),
            ("august", "aug", "agosto"),
            ("september", "sep", "sept", "septiembre", "setiembre"),
            ("october", "oct", "octubre"),
            ("november", "nov", "noviembre"),
            ("december", "dec", "diciembre"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = (
    re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?"),
    re.compile(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:de\s+)?({_MONTH})\.?,?\s+(?:de\s+)?(\d{{4}})\b",
        re.IGNORECASE,
    ),
    re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE),
)
_BOUGHT_BEFORE = re.compile(
    r"(?:\b(?:bought|purchased|ordered|purchase|got it|compr[éeaó]\w*|adquir\w*)\b"
    r"|买|買|购|購)[^.!?。！？\n]{0,12}$",
    re.IGNORECASE,
)
_BOUGHT_AFTER = re.compile(r"^\s*(?:[在于於]?\S{0,4})?(?:买|買|购|購)")

_CLAUSES = re.compile(r"[,;:!?，。；：！？\n]|\.(?:\s|$)")
_LEADING = re.compile(
    r"^(?:my|the|a|an|our|this|mi|mis|el|la|los|las|un|una|nuestro|nuestra|este|esta)\s+",
    re.IGNORECASE,
)
_NOT_A_NOUN_PHRASE = re.compile(
    r"\b(?:i|it|is|was|are|has|have|had|not|doesn't|won't|stopped|broke|bought|that|which|"
    r"when|and|or|serial|model|modelo|serie|es|está|no|se|ha|he|dejó|compré|tengo|que|cuando|y|o)\b",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_STOP = "的我你他她它在是买買购購了坏壞有不没沒出冒于於从從和与與"


def found_details(text: str, today: date) -> dict[str, str]:
    """The registration fields `text` names unmistakably (see the module's docstring)."""
    found: dict[str, str] = {}
    phone = labelled_phone(text)
    if phone:
        found["phone"] = phone
        text = text.replace(phone, " ")  # its digits are no order number, date or model
    order = _order(text)
    if order:
        found["order_number"] = order
    when = _purchase_date(text, today)
    if when:
        found["purchase_date"] = when
    model = _model(text, exclude=order)
    if model:
        found["model"] = model
        product = _product(text, model)
        if product:
            found["product"] = product
    return found


def _order(text: str) -> str:
    for match in _ORDER.finditer(text):
        value = match.group(1).rstrip("-/_")
        if any(c.isdigit() for c in value) and len(value) >= 3:
            return value
    return ""


def _purchase_date(text: str, today: date) -> str:
    for shape, pattern in enumerate(_DATES):
        for match in pattern.finditer(text):
            bought = _BOUGHT_BEFORE.search(text[: match.start()]) or _BOUGHT_AFTER.match(
                text[match.end() :]
            )
            if not bought:
                continue
            parts = match.groups()
            if shape == 2:
                parts = (parts[2], str(_MONTHS[parts[1].lower()]), parts[0])
            elif shape == 3:
                parts = (parts[2], str(_MONTHS[parts[0].lower()]), parts[1])
            value = purchase_date("-".join(parts), today)
            if value:
                return value
    return ""


def _model(text: str, exclude: str) -> str:
    named = _MODEL_WORD.search(text)
    if named and any(c.isdigit() for c in named.group(1)):
        return named.group(1)
    codes = {
        match.group(1)
        for match in _CODE.finditer(text)
        if match.group(1) != exclude and not _SERIAL.search(text[: match.start()])
    }
    return codes.pop() if len(codes) == 1 else ""


def _product(text: str, model: str) -> str:
    clause = next((part for part in _CLAUSES.split(text) if model in part), "").strip()
    if _CJK.search(clause):
        before, _, after = clause.partition(model)
        head = _cjk_run(before[::-1])[::-1]
        tail = _cjk_run(after)
        product = f"{head}{model}{tail}"
        return product if len(product) <= 30 and (head or tail) else ""
    product = _LEADING.sub("", clause)
    words = product.split()
    others = [word for word in words if word != model and any(c.isdigit() for c in word)]
    if not 2 <= len(words) <= 6 or others or _NOT_A_NOUN_PHRASE.search(product):
        return ""
    return product


def _cjk_run(text: str) -> str:
    run = ""
    for char in text:
        if char in _CJK_STOP or not (_CJK.match(char) or char.isalnum()):
            break
        run += char
    return run[:12]
