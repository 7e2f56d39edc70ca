"""What the bot tells staff (department groups, supervisors, escalation levels, admins) about a
complaint, in each supported language. They are rendered in the desk's language, `[bot]
default_language` (a department's supervisor may read another: Notifier.staff_language_at), by
outbox.notify.Notifier (`tell_staff`, `tell_supervisor`); a test checks
every key exists in every language with the same placeholders. Dates stay "YYYY-MM-DD HH:MM" UTC
and identifiers (grades, departments, solution kinds) stay as configured; a hot spot's category
is named in the notice's language (`StaffName`). A notice about more than its complaint (a hot
spot) has a subject line of its own: the text of its key with "_subject" after it
(`own_subject`)."""

from __future__ import annotations

from dataclasses import dataclass

from complaints.money import Amount

STAFF_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "group_post": "{number} · {grade} · {category}\n{customer} ({channel})\n\n"
        "{subject}{text}\n\nReply to this message to answer the customer.",
        "customer": "Customer",
        "nobody_yet": "nobody yet",
        "deadline.first_response": "first response",
        "deadline.resolution": "resolution",
        "deadline_warning": "{number}: the {deadline} deadline is {due} UTC ({grade}, owner: "
        "{owner}).",
        "deadline_overdue": "{number}: the resolution deadline passed at {overdue} UTC; it "
        "escalates again at {due} UTC ({grade}, owner: {owner}).",
        "escalated": "Escalation level {level}: {number} missed its {deadline} deadline. Grade "
        "{grade_from} -> {grade_to}; department {department}; owner: {owner}.",
        "escalated_same_grade": "Escalation level {level}: {number} missed its {deadline} "
        "deadline. Department {department}; owner: {owner}.",
        "dimension.category": "category",
        "dimension.product": "product",
        "hot_spot": "Hot spot: {dimension} {value} has {count} complaints between {start} and "
        "{end} UTC, against a baseline of {baseline} per window over the {windows} windows "
        "before (alert at {factor}x and at least {min_count}). Newest: {numbers}.",
        "hot_spot_subject": "Hot spot: {count} complaints about {value} ({dimension}) since "
        "{start} UTC",
        "dispute": "{number} was rejected and the customer disputes it; it is reopened for "
        "review. Please look at the customer's reply and decide again.",
        "survey_reopened": "{number} was reopened: the customer rated the solution {score}/5.",
        "reopened_by_staff": "{number} was reopened by {actor}: {reason}\nFirst response due "
        "{due} UTC ({grade}, owner: {owner}).",
        "no_senior": "{number}: the customer asked for another handler, and no senior agent is "
        "registered for {department}; {previous} keeps it for now.",
        "no_senior_unassigned": "{number}: the customer asked for another handler, and no "
        "senior agent is registered for {department}; it stays unassigned for now.",
        "handler_changed": "{number}: the customer asked for another handler; {senior} takes "
        "over from {previous}.",
        "handler_taken": "{number}: the customer asked for another handler; {senior} takes it.",
        "awaiting_approval": "{number}: {agent} proposes {kind} {amount}, above the approval "
        "limit; approve or reject it in the console.",
        "regraded": "{number}: the customer's latest message raises the grade {grade_from} -> "
        "{grade_to}; new deadlines apply.\n\n{text}\n\nReply to this message to answer the "
        "customer.",
        "undelivered": "{number}: a message to the customer could not be delivered by {channel} "
        "({reason}); they have not seen it. Contact them another way; the console shows their "
        "details.",
    },
    "es": {
        "group_post": "{number} · {grade} · {category}\n{customer} ({channel})\n\n"
        "{subject}{text}\n\nResponda a este mensaje para contestar al cliente.",
        "customer": "Cliente",
        "nobody_yet": "nadie todavía",
        "deadline.first_response": "primera respuesta",
        "deadline.resolution": "resolución",
        "deadline_warning": "{number}: el plazo de {deadline} vence el {due} UTC ({grade}, "
        "responsable: {owner}).",
        "deadline_overdue": "{number}: el plazo de resolución venció el {overdue} UTC; se "
        "escalará de nuevo el {due} UTC ({grade}, responsable: {owner}).",
        "escalated": "Escalado de nivel {level}: {number} incumplió su plazo de {deadline}. "
        "Prioridad {grade_from} -> {grade_to}; departamento {department}; responsable: "
        "{owner}.",
        "escalated_same_grade": "Escalado de nivel {level}: {number} incumplió su plazo de "
        "{deadline}. Departamento {department}; responsable: {owner}.",
        "dimension.category": "categoría",
        "dimension.product": "producto",
        "hot_spot": "Punto caliente: {dimension} {value} tiene {count} reclamaciones entre el "
        "{start} y el {end} UTC, frente a una referencia de {baseline} por intervalo en los "
        "{windows} intervalos anteriores (alerta a partir de {factor}x y al menos "
        "{min_count}). Más recientes: {numbers}.",
        "hot_spot_subject": "Punto caliente: {count} reclamaciones sobre {value} ({dimension}) "
        "desde el {start} UTC",
        "dispute": "{number} fue rechazada y el cliente lo impugna; se ha reabierto para su "
        "revisión. Lea la respuesta del cliente y decida de nuevo.",
        "survey_reopened": "{number} se ha reabierto: el cliente valoró la solución con {score}/5.",
        "reopened_by_staff": "{actor} ha reabierto {number}: {reason}\nPrimera respuesta antes "
        "del {due} UTC ({grade}, responsable: {owner}).",
        "no_senior": "{number}: el cliente pidió otro responsable y no hay ningún agente sénior "
        "registrado para {department}; {previous} la mantiene por ahora.",
        "no_senior_unassigned": "{number}: el cliente pidió otro responsable y no hay ningún "
        "agente sénior registrado para {department}; por ahora sigue sin responsable.",
        "handler_changed": "{number}: el cliente pidió otro responsable; {senior} sustituye a "
        "{previous}.",
        "handler_taken": "{number}: el cliente pidió otro responsable; {senior} se encarga.",
        "awaiting_approval": "{number}: {agent} propone {kind} {amount}, por encima del límite "
        "de aprobación; apruébelo o recházelo en la consola.",
        "regraded": "{number}: el último mensaje del cliente eleva la prioridad {grade_from} -> "
        "{grade_to}; rigen plazos nuevos.\n\n{text}\n\nResponda a este mensaje para contestar "
        "al cliente.",
        "undelivered": "{number}: un mensaje al cliente no se pudo entregar por {channel} "
        "({reason}); no lo ha visto. Contacte con el cliente de otra forma; la consola muestra "
        "sus datos.",
    },
    "zh-Hans": {
        "group_post": "{number} · {grade} · {category}\n{customer}（{channel}）\n\n"
        "{subject}{text}\n\n回复此消息即可答复客户。",
        "customer": "客户",
        "nobody_yet": "暂无",
        "deadline.first_response": "首次答复",
        "deadline.resolution": "解决",
        "deadline_warning": "{number}：{deadline}期限为 {due} UTC（{grade}，负责人：{owner}）。",
        "deadline_overdue": "{number}：解决期限已于 {overdue} UTC 到期；将于 {due} UTC 再次升级"
        "（{grade}，负责人：{owner}）。",
        "escalated": "第 {level} 级升级：{number} 错过了{deadline}期限。等级 {grade_from} -> "
        "{grade_to}；部门 {department}；负责人：{owner}。",
        "escalated_same_grade": "第 {level} 级升级：{number} 错过了{deadline}期限。部门 "
        "{department}；负责人：{owner}。",
        "dimension.category": "类别",
        "dimension.product": "产品",
        "hot_spot": "热点：{dimension} {value} 在 {start} 至 {end} UTC 之间有 {count} 件投诉，"
        "此前 {windows} 个时段的基线为每时段 {baseline} 件（达到 {factor} 倍且至少 "
        "{min_count} 件时报警）。最新：{numbers}。",
        "hot_spot_subject": "热点：自 {start} UTC 起，{dimension} {value} 有 {count} 件投诉",
        "dispute": "{number} 已被驳回，客户提出异议；现已重新打开以便复核。请查看客户的回复并"
        "重新决定。",
        "survey_reopened": "{number} 已重新打开：客户对解决方案的评分为 {score}/5。",
        "reopened_by_staff": "{actor} 已重新打开 {number}：{reason}\n首次回复期限为 {due} UTC"
        "（{grade}，负责人：{owner}）。",
        "no_senior": "{number}：客户要求更换处理人，但 {department} 没有登记的资深客服；暂由 "
        "{previous} 继续处理。",
        "no_senior_unassigned": "{number}：客户要求更换处理人，但 {department} 没有登记的资深"
        "客服；暂时仍无人处理。",
        "handler_changed": "{number}：客户要求更换处理人；由 {senior} 接替 {previous}。",
        "handler_taken": "{number}：客户要求更换处理人；由 {senior} 接手。",
        "awaiting_approval": "{number}：{agent} 提议 {kind} {amount}，超出审批限额；请在控制台"
        "批准或拒绝。",
        "regraded": "{number}：客户的最新消息使等级升高 {grade_from} -> {grade_to}，按新的期限"
        "处理。\n\n{text}\n\n回复此消息即可答复客户。",
        "undelivered": "{number}：发给客户的消息无法通过 {channel} 送达（{reason}），客户没有"
        "看到。请通过其他方式联系客户；控制台中有其联系信息。",
    },
    "zh-Hant": {
        "group_post": "{number} · {grade} · {category}\n{customer}（{channel}）\n\n"
        "{subject}{text}\n\n回覆此訊息即可答覆客戶。",
        "customer": "客戶",
        "nobody_yet": "暫無",
        "deadline.first_response": "首次答覆",
        "deadline.resolution": "解決",
        "deadline_warning": "{number}：{deadline}期限為 {due} UTC（{grade}，負責人：{owner}）。",
        "deadline_overdue": "{number}：解決期限已於 {overdue} UTC 到期；將於 {due} UTC 再次升級"
        "（{grade}，負責人：{owner}）。",
        "escalated": "第 {level} 級升級：{number} 錯過了{deadline}期限。等級 {grade_from} -> "
        "{grade_to}；部門 {department}；負責人：{owner}。",
        "escalated_same_grade": "第 {level} 級升級：{number} 錯過了{deadline}期限。部門 "
        "{department}；負責人：{owner}。",
        "dimension.category": "類別",
        "dimension.product": "產品",
        "hot_spot": "熱點：{dimension} {value} 在 {start} 至 {end} UTC 之間有 {count} 件投訴，"
        "此前 {windows} 個時段的基線為每時段 {baseline} 件（達到 {factor} 倍且至少 "
        "{min_count} 件時警示）。最新：{numbers}。",
        "hot_spot_subject": "熱點：自 {start} UTC 起，{dimension} {value} 有 {count} 件投訴",
        "dispute": "{number} 已被駁回，客戶提出異議；現已重新開啟以便複核。請查看客戶的回覆並"
        "重新決定。",
        "survey_reopened": "{number} 已重新開啟：客戶對解決方案的評分為 {score}/5。",
        "reopened_by_staff": "{actor} 已重新開啟 {number}：{reason}\n首次回覆期限為 {due} UTC"
        "（{grade}，負責人：{owner}）。",
        "no_senior": "{number}：客戶要求更換處理人，但 {department} 沒有登記的資深客服；暫由 "
        "{previous} 繼續處理。",
        "no_senior_unassigned": "{number}：客戶要求更換處理人，但 {department} 沒有登記的資深"
        "客服；暫時仍無人處理。",
        "handler_changed": "{number}：客戶要求更換處理人；由 {senior} 接替 {previous}。",
        "handler_taken": "{number}：客戶要求更換處理人；由 {senior} 接手。",
        "awaiting_approval": "{number}：{agent} 提議 {kind} {amount}，超出審批限額；請在控制台"
        "核准或拒絕。",
        "regraded": "{number}：客戶的最新訊息使等級升高 {grade_from} -> {grade_to}，按新的期限"
        "處理。\n\n{text}\n\n回覆此訊息即可答覆客戶。",
        "undelivered": "{number}：發給客戶的訊息無法透過 {channel} 送達（{reason}），客戶沒有"
        "看到。請透過其他方式聯絡客戶；控制台中有其聯絡資料。",
    },
}


@dataclass(frozen=True, slots=True)
class StaffWord:
    """A value that is a staff text itself ("nobody yet", a deadline's name), said in the
    language of the notice it fills, which only the notifier knows (a supervisor may read
    another language than the desk)."""

    key: str


@dataclass(frozen=True, slots=True)
class StaffName:
    """A department's or category's key, named (quoted, as the hot-spot alert quotes what it
    names) in the language of the notice it fills: the names are the rule set's, and only the
    notifier knows both the rules and that language (a supervisor may read another one)."""

    kind: str
    key: str


def own_subject(language: str, key: str, **values: object) -> str:
    """The subject line of the staff notice `key` when it has one of its own ("hot_spot":
    "hot_spot_subject"), filled as the notice is; "" for a notice about its one complaint,
    which mail tags with the number instead."""
    if f"{key}_subject" not in STAFF_TEXTS["en"]:
        return ""
    return say_staff(language, f"{key}_subject", **values)


def say_staff(language: str, key: str, **values: object) -> str:
    """The staff text `key` in `language` (English when the language is not one of ours)."""
    table = STAFF_TEXTS.get(language, STAFF_TEXTS["en"])
    said = {name: _filled(language, value) for name, value in values.items()}
    return table.get(key, STAFF_TEXTS["en"][key]).format(**said)


def _filled(language: str, value: object) -> object:
    """A value as the notice in `language` says it: a word in it, an amount its way."""
    if isinstance(value, StaffWord):
        return say_staff(language, value.key)
    if isinstance(value, Amount):
        return value.written(language)
    return value
