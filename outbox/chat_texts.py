"""The chat's lines about what the chat itself can take: edits, messages it cannot keep, /help
and commands it does not know, and its command menu. Kept apart from outbox.texts (which would
outgrow a module) and merged into its `TEXTS`, so `say` and the catalog tests see one table."""

from __future__ import annotations

CHAT_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "edited_mark": "(edited) {text}",
        "cannot_take": "Sorry, I cannot keep this kind of message (a sticker, a location, a "
        "contact…). Please write what happened in words; you can also send photos, videos, "
        "documents, voice or audio messages.",
        "help": "Tell me in your own words what went wrong, and send photos, videos or documents "
        "if they help. I will give you a complaint number and a person will answer you here."
        "\n\n/status - your complaints\n/new - a separate complaint\n/language - change the "
        "language\n/link you@example.com - link your e-mail address\n/handler - ask for "
        "another person to handle your complaint\n/help - this help",
        "unknown_command": "I do not know this command. Send /help to see what I can do, or "
        "just write your message.",
        "menu.status": "Your complaints",
        "menu.new": "A separate complaint",
        "menu.language": "Change the language",
        "menu.link": "Link your e-mail address",
        "menu.handler": "Ask for another person to handle your complaint",
        "menu.help": "What I can do",
    },
    "es": {
        "edited_mark": "(editado) {text}",
        "cannot_take": "Lo siento, no puedo guardar este tipo de mensaje (un sticker, una "
        "ubicación, un contacto…). Escriba con palabras qué ha pasado; también puede enviar "
        "fotos, vídeos, documentos, notas de voz o audios.",
        "help": "Cuénteme con sus palabras qué ha pasado y envíe fotos, vídeos o documentos si "
        "ayudan. Le daré un número de reclamación y una persona le responderá aquí.\n\n"
        "/status - sus reclamaciones\n/new - otra reclamación\n/language - cambiar de idioma\n"
        "/link usted@ejemplo.com - vincular su correo\n/handler - pedir que otra persona "
        "gestione su reclamación\n/help o /ayuda - esta ayuda",
        "unknown_command": "No conozco esta orden. Envíe /help para ver qué puedo hacer, o "
        "simplemente escriba su mensaje.",
        "menu.status": "Sus reclamaciones",
        "menu.new": "Otra reclamación",
        "menu.language": "Cambiar de idioma",
        "menu.link": "Vincular su correo",
        "menu.handler": "Pedir que otra persona gestione su reclamación",
        "menu.help": "Qué puedo hacer",
    },
    "zh-Hans": {
        "edited_mark": "（已编辑）{text}",
        "cannot_take": "抱歉，我无法保存这类消息（贴纸、位置、联系人等）。请用文字描述发生了什么；"
        "您也可以发送照片、视频、文件、语音或音频。",
        "help": "请用您自己的话告诉我发生了什么，如有帮助也可以发送照片、视频或文件。我会给您"
        "投诉编号，并由专人在这里答复您。\n\n/status - 查看您的投诉\n/new - 另开一个投诉\n"
        "/language - 更改语言\n/link you@example.com - 绑定您的邮箱\n/handler - 要求更换"
        "处理人\n/help - 本帮助",
        "unknown_command": "我不认识这个命令。发送 /help 查看我能做什么，或直接写下您的消息。",
        "menu.status": "查看您的投诉",
        "menu.new": "另开一个投诉",
        "menu.language": "更改语言",
        "menu.link": "绑定您的邮箱",
        "menu.handler": "要求更换处理人",
        "menu.help": "我能做什么",
    },
    "zh-Hant": {
        "edited_mark": "（已編輯）{text}",
        "cannot_take": "抱歉，我無法保存這類訊息（貼圖、位置、聯絡人等）。請用文字描述發生了什麼；"
        "您也可以傳送照片、影片、文件、語音或音訊。",
        "help": "請用您自己的話告訴我發生了什麼，如有幫助也可以傳送照片、影片或文件。我會給您"
        "投訴編號，並由專人在這裡答覆您。\n\n/status - 查看您的投訴\n/new - 另開一個投訴\n"
        "/language - 變更語言\n/link you@example.com - 綁定您的電子郵件\n/handler - 要求更換"
        "處理人\n/help - 本說明",
        "unknown_command": "我不認識這個指令。傳送 /help 查看我能做什麼，或直接寫下您的訊息。",
        "menu.status": "查看您的投訴",
        "menu.new": "另開一個投訴",
        "menu.language": "變更語言",
        "menu.link": "綁定您的電子郵件",
        "menu.handler": "要求更換處理人",
        "menu.help": "我能做什麼",
    },
}
