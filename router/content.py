"""Whether a message says anything of a complaint: "hello", "ok", an e-mail whose subject is
"photo" and whose body is empty, "add this to the case please", "你好", "見附件" say nothing a
classifier could read, yet the triage model, which always has a likeliest category, read them
with confidence (privacy at 0.77, labelling raised to urgent at 0.80). Such a message is not the
model's to categorise or grade: it keeps the default category with the tag needs-triage.

A message has complaint content when, once the words of `FILLER` are set aside (greetings,
thanks, "ok", "please see attached", "add this to the case", the names of the complaint, of the
kind of message and of a photo, and the little words between them), a word of at least two
letters or one Chinese character is left. Digits, punctuation and emoji are never content
("12345", "👍", "???"). The bar is that low on purpose: the training files hold one-character and
two-word complaints ("煙", smoke; "no signal", "sin señal", "没信号"), and each of them must still
reach the model. Nothing here may say that a real complaint is empty, so `FILLER` holds no word
that can carry a complaint by itself: no negation ("no", "not", 没), no question word ("where",
"y el…?"), no "again" or "still". ("help" alone says only that something is wrong: it is filler,
and the model had read it as staff attitude at 0.86.) So are the words that only name the kind
of message, as an e-mail's subject does ("Question", "Problem", "Re:", "AW:", "consulta",
"reclamación", 问题反馈, 諮詢): with them the model read "Question" + "hola" as staff attitude at
0.78. "Urgent" too names no complaint: "URGENT" + "hello" was safety at 0.70 (graded important
by its floor); a rule may still grade by the word, and a complaint beside it reaches the model
whole, "urgent" included.

A message that only asks how things stand ("any news?", "¿Hay alguna novedad?",
"我的投诉有消息了吗？", "我的投訴有進展了嗎？") says nothing of a complaint
either: from a customer with no open complaint the model read them as privacy
(important) or stock. Its words (news, update, progress, status, novedad,
estado, 消息, 进展, 有…) join `FILLER`; one with anything more ("any news? the
dryer broke too") keeps its content. (intake.status_questions recognises the
same questions by a whole-message grammar, to continue the customer's one open
complaint; the router may not import intake, so content is judged here, word by
word, as for every other message.)

The lists are per language, in one place, so a desk can read and extend them; every list
applies to every text, since a short text's language is the hardest to tell. Latin words are
matched whole on the folded text (router.text.fold: "Adjuntó" is "adjunto"); Chinese phrases
anywhere in a run of Chinese characters, longest first.
"""

from __future__ import annotations

import re

from router.text import CJK_RANGES, fold

# fmt: off
FILLER: dict[str, tuple[str, ...]] = {
    "en": (
        "hello", "hi", "hey", "hiya", "yo", "dear", "sir", "sirs", "madam", "team", "all",
        "everyone", "there", "good", "morning", "afternoon", "evening", "day", "thanks", "thank",
        "thx", "ty", "much", "cheers", "regards", "best", "kind", "kindly", "sincerely", "please",
        "pls", "plz", "ok", "okay", "kk", "yes", "yep", "yeah", "sure", "fine", "alright",
        "great", "noted", "fyi", "see", "find", "attached", "attach", "attaching", "attachment",
        "attachments", "enclosed", "photo", "photos", "picture", "pictures", "pic", "pics",
        "image", "images", "img", "screenshot", "screenshots", "file", "files", "document",
        "documents", "doc", "pdf", "jpg", "jpeg", "png", "heic", "scan", "add", "added",
        "adding", "send", "sending", "sent", "forward", "forwarding", "case", "ticket",
        "complaint", "ref", "re", "fw", "fwd", "here", "is", "are", "this", "that", "these",
        "it", "the", "to", "for", "of", "and", "with", "in", "on", "as", "my", "our", "your",
        "you", "me", "we", "us", "anyone", "anybody", "requested", "asked", "discussed", "per",
        "from", "iphone", "ipad", "android", "outlook", "help", "hmm", "lol",
        # the kind of message, as a subject names it: "Question", "Re: Problem", "URGENT"
        "question", "questions", "query", "problem", "problems", "issue", "issues", "inquiry",
        "enquiry", "request", "information", "info", "feedback", "urgent", "aw", "wg", "about",
        # a bare status question: "any news?", "any update on my complaint yet?"
        "any", "news", "update", "updates", "progress", "status", "yet", "so", "far", "have",
        "do", "got", "regarding",
    ),
    "es": (
        "hola", "buenas", "buenos", "buen", "dia", "dias", "tardes", "noches", "saludos",
        "saludo", "cordiales", "atentamente", "estimado", "estimada", "estimados", "senor",
        "senora", "equipo", "gracias", "muchas", "mil", "por", "favor", "porfa", "porfavor",
        "okey", "vale", "si", "claro", "bien", "perfecto", "listo", "adjunto", "adjunta",
        "adjuntos", "adjuntas", "adjuntado", "adjuntamos", "archivo", "archivos", "foto",
        "fotos", "fotografia", "imagen", "imagenes", "captura", "capturas", "pantalla",
        "documento", "documentos", "ver", "vea", "aqui", "envio", "mando", "agregar", "agreguen",
        "agregue", "anadir", "anadan", "anada", "caso", "expediente", "queja", "reclamo", "rv",
        "ayuda", "esto", "este", "esta", "es", "el", "la", "los", "las", "lo", "un", "una", "de",
        "del", "al", "en", "con", "para", "mi", "mis", "su", "le", "te", "tu", "nos", "enviado",
        "desde",
        "consulta", "pregunta", "duda", "problema", "reclamacion", "incidencia", "solicitud",
        "informacion", "urgente", "sobre",
        # "¿Hay alguna novedad?", "¿Hay novedades sobre mi reclamación?"
        "hay", "alguna", "algun", "novedad", "novedades", "noticia", "noticias", "actualizacion",
        "estado", "tienen", "ya",
    ),
    "zh-Hans": (
        "你好", "您好", "大家好", "早上好", "下午好", "晚上好", "哈喽", "在吗", "在不在", "谢谢",
        "多谢", "感谢", "麻烦", "请看", "请", "好的", "收到", "见附件", "附件", "如图", "图片",
        "照片", "截图", "一张", "张", "图", "见", "看", "发", "加到", "添加", "加入", "补充",
        "投诉", "案件", "工单", "这个", "这", "里", "帮我", "帮", "把", "发自", "下", "上", "中",
        "问题", "咨询", "反馈", "紧急", "求助", "回复", "答复", "转发",
        # 我的投诉有消息了吗？请问有进展吗
        "请问", "消息", "进展", "进度", "现在",
    ),
    "zh-Hant": (
        "你好", "您好", "大家好", "早安", "午安", "晚安", "哈囉", "在嗎", "在不在", "謝謝",
        "多謝", "感謝", "唔該", "麻煩", "請看", "請", "好的", "收到", "見附件", "附件", "如圖",
        "圖片", "照片", "相片", "截圖", "一張", "張", "圖", "見", "看", "睇", "發", "加到",
        "添加", "加入", "補充", "投訴", "案件", "個案", "工單", "這個", "呢個", "這", "裡",
        "幫我", "幫", "把", "從", "傳送", "下", "上", "中",
        "問題", "諮詢", "查詢", "反饋", "緊急", "求助", "回覆", "答覆", "轉寄", "轉發",
        # 我的投訴有進展了嗎？請問有消息嗎
        "請問", "消息", "進展", "進度", "現在",
    ),
    "zh": (  # either script: interjections, particles, pronouns, "to", "and"
        "嗨", "喂", "嗯", "哦", "噢", "喔", "啊", "呀", "哈", "呢", "吧", "吗", "嗎", "啦", "了",
        "的", "好", "是", "对", "對", "我", "你", "您", "一", "此", "个", "個", "到", "给",
        "給", "和", "在", "有",
    ),
}
# fmt: on
"""Words (Latin, folded) and Chinese phrases that carry no complaint by themselves."""

_LATIN = re.compile(rf"[^\W\d_{CJK_RANGES}]{{2,}}")
"""A word the model can read: a run of two or more letters ("img_0412" holds "img", "4g" none)."""
_CJK_RUN = re.compile(f"[{CJK_RANGES}]+")
_LATIN_FILLER = frozenset(
    fold(word) for words in FILLER.values() for word in words if not _CJK_RUN.search(word)
)
_CJK_FILLER = re.compile(
    "|".join(
        sorted(
            (re.escape(fold(word)) for words in FILLER.values() for word in words
             if _CJK_RUN.fullmatch(word)),
            key=len,
            reverse=True,
        )
    )
)  # fmt: skip


def has_content(*folded: str) -> bool:
    """Whether the `folded` texts (router.text.fold: the subject, the text) hold a word or a
    Chinese character that is not `FILLER`: something of a complaint the model can read."""
    for text in folded:
        if any(word not in _LATIN_FILLER for word in _LATIN.findall(text)):
            return True
        if any(_CJK_FILLER.sub("", run) for run in _CJK_RUN.findall(text)):
            return True
    return False
