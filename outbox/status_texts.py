"""The answer to a bare status question ("any news?") from a customer with several open
complaints: how each stands (`intake.status_questions`). Kept apart from outbox.texts (which
would outgrow a module) and merged into its `TEXTS`, as `outbox.chat_texts` is."""

from __future__ import annotations

STATUS_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "open_complaints": "Thank you for asking. Where your open complaints stand:\n\n"
        "{complaints}\n\nWe have added your message to complaint {number}. If you wanted to "
        "tell us something new, reply to this message and a person will read it.",
    },
    "es": {
        "open_complaints": "Gracias por su consulta. Así están sus reclamaciones abiertas:\n\n"
        "{complaints}\n\nHemos añadido su mensaje a la reclamación {number}. Si quería "
        "contarnos algo nuevo, responda a este mensaje y una persona lo leerá.",
    },
    "zh-Hans": {
        "open_complaints": "感谢您的询问。您目前未结的投诉进展如下：\n\n{complaints}\n\n"
        "我们已将您的留言记入投诉 {number}。如您还有新的情况要告诉我们，请直接回复本消息，"
        "工作人员会阅读。",
    },
    "zh-Hant": {
        "open_complaints": "感謝您的詢問。您目前未結案的投訴進度如下：\n\n{complaints}\n\n"
        "我們已將您的留言記入投訴 {number}。如您還有新的情況要告訴我們，請直接回覆本訊息，"
        "專人會閱讀。",
    },
}
