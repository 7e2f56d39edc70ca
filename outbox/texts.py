"""What the bot says in a chat, in each supported language (the acknowledgement itself comes
from the editable templates; these are the short conversational lines around it)."""

from __future__ import annotations

from outbox.chat_texts import CHAT_TEXTS
from outbox.intake_questions import INTAKE_QUESTIONS
from outbox.status_texts import STATUS_TEXTS
from outbox.typography import CONTINUED, filled, sentence

__all__ = ["CONTINUED", "LANGUAGE_NAMES", "TEXTS", "say", "sentence"]

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "reopened_notice": "Thank you for writing. We have reopened your complaint {number}; "
        "a person will answer you by {due}.",
        "reopened_by_desk": "We have reopened your complaint {number} to look at it again; a "
        "person will answer you by {due}.",
        "dispute_received": "Thank you for your reply about {number}. We have reopened it: a "
        "supervisor will review our decision, and a person will answer you by {due}.",
        "dispute_received_by_team": "Thank you for your reply about {number}. We have reopened "
        "it: our complaints team will review our decision, and a person will answer you by {due}.",
        "survey_stale": "This survey is no longer open. If something is still wrong, just "
        "write to us here.",
        "proposal_notice": "About your complaint {number}, we propose: {solution}\n\nPlease "
        "reply to this message to tell us whether this works for you.",
        "handler_unavailable": "We have recorded your request for someone else to handle your "
        "complaint; our complaints team will assign another person to it.",
        "assigned_notice": "Your complaint {number} is now being handled by {name}.",
        "rejected_notice": "Thank you for contacting us about {number}. After looking into it "
        "carefully we cannot treat it as a complaint: {explanation}\n\nIf you disagree, just "
        "reply to this message and we will look again.",
        "progress": "Update on your complaint {number}: it is {status}{owner}. {next} Thank you "
        "for your patience.",
        "next.first_response": "A person will answer you by {due}.",
        "next.first_response_late": "We are sorry it is taking longer than promised; a person "
        "will answer you as soon as possible.",
        "next.resolution": "We aim to resolve it by {due}.",
        "next.resolution_late": "We are sorry it is taking longer than planned; it has been "
        "given priority and we will tell you as soon as it is resolved.",
        "staff_subject": "Complaint {number}: notice for staff",
        "survey": "Your complaint {number} was resolved. How satisfied are you with how we "
        "handled it, from 1 (not at all) to 5 (very)? Reply with a number.",
        "closed_thanks": "We have closed your complaint {number}. Thank you for telling us; it "
        "helps us improve.",
        "reopened": "We are sorry the solution did not satisfy you. We have reopened your "
        "complaint {number} and a supervisor will look at it.",
        "reopened_by_team": "We are sorry the solution did not satisfy you. We have reopened "
        "your complaint {number} and our complaints team will look at it again.",
        "owner": ", handled by {name}",
        "no_complaints": "You have no complaints with us yet. Just tell me what went wrong.",
        "file_too_large": "Sorry, the file {name} is too large for us to receive: files can "
        "be at most {limit}. Please send a smaller one (a compressed photo or a screenshot), "
        "or describe the problem in words.",
        "attachments_not_kept": "We could not keep these attachments: {files}. We accept at most "
        "{count} files of up to {limit} each; please send a smaller version (a compressed "
        "video or photo, or a screenshot) in a reply to this message.",
        "mail_kept_subject": "We could not register your e-mail",
        "mail_kept.empty": "Thank you for writing to {company}. Your e-mail reached us without "
        "any text, so we could not register it as a complaint. Please write again and tell us "
        "in a few words what went wrong.",
        "mail_kept_reply_subject": "Your reply reached us empty",
        "mail_kept.empty_reply": "Thank you for your reply. Your e-mail reached us without any "
        "text, so nothing was added to complaint {number}. If you wanted to add something, "
        "please reply to this e-mail and write it in your message; we will add it to your "
        "complaint.",
        "mail_kept.attachments": "Thank you for writing to {company}. We could not register "
        "your e-mail as a complaint because of its attachments: we accept at most {count} "
        "files of up to {limit} each. We have kept your e-mail and our team will look at it; "
        "you can also send it again with fewer or smaller files.",
        "status_line": "{number} - {status}.",
        "new": "All right: your next message starts a new, separate complaint.",
        "choose_language": "Choose your language:",
        "language_set": "From now on I will write in English.",
        "link_sent": "I have sent a 6-digit code to {email}. Send it here to link that "
        "address to this chat.",
        "link_usage": "Write /link followed by your e-mail address, e.g. /link you@example.com",
        "link_unavailable": "Linking an e-mail address is not available at the moment.",
        "link_done": "Done: {email} and this chat now belong to the same customer record.",
        "link_wrong": "That code is not right or has expired. Use /link again for a new one.",
        "link_too_many": "You have asked for several codes in a short time. Please use the "
        "last code you received, or ask again in {minutes} minutes.",
        "link_mail": "Your code to link this address to our chat is {code}. It is valid for "
        "15 minutes. If you did not ask for it, ignore this message.",
        "survey_thanks": "Thank you for your rating! If you like, write a short comment.",
        "survey_done": "Thank you, your answer is recorded.",
        "survey_comment_thanks": "Thank you for your comment.",
        "survey_glad": "Thank you! We are glad your complaint {number} is solved. If you like, "
        "rate it with a number from 1 (not at all satisfied) to 5 (very satisfied).",
        "resolved": "Your complaint {number} has been resolved: {summary}\n\nIf you are not "
        "satisfied with this, just reply to this message: your complaint will be reopened and "
        "a person will look at it again.",
        "greeting": "Dear {name},",
        "greeting_name": "customer",
        "closing": "Kind regards,",
        "subject": "Your complaint {number}",
        "merged_notice": "Your complaints {source} and {target} are about the same matter; we "
        "now handle them together as {target}.",
    },
    "es": {
        "reopened_notice": "Gracias por escribirnos. Hemos reabierto su reclamación {number}; "
        "una persona le responderá antes del {due}.",
        "reopened_by_desk": "Hemos reabierto su reclamación {number} para revisarla de nuevo; "
        "una persona le responderá antes del {due}.",
        "dispute_received": "Gracias por su respuesta sobre {number}. Hemos reabierto su "
        "reclamación: un supervisor revisará nuestra decisión y una persona le responderá "
        "antes del {due}.",
        "dispute_received_by_team": "Gracias por su respuesta sobre {number}. Hemos "
        "reabierto su reclamación: nuestro equipo de reclamaciones revisará nuestra decisión "
        "y una persona le responderá antes del {due}.",
        "survey_stale": "Esta encuesta ya no está abierta. Si algo sigue mal, escríbanos aquí.",
        "proposal_notice": "Sobre su reclamación {number}, le proponemos: {solution}\n\n"
        "Responda a este mensaje para decirnos si le parece bien.",
        "handler_unavailable": "Hemos registrado su petición de que otra persona gestione su "
        "reclamación; nuestro equipo de reclamaciones asignará a otra persona.",
        "assigned_notice": "Su reclamación {number} la gestiona ahora {name}.",
        "rejected_notice": "Gracias por escribirnos sobre {number}. Tras revisarlo con atención, "
        "no podemos tramitarlo como reclamación. {explanation}\n\nSi no está de acuerdo, "
        "responda a este mensaje y lo revisaremos de nuevo.",
        "progress": "Novedades de su reclamación {number}: está {status}{owner}. {next} Gracias "
        "por su paciencia.",
        "next.first_response": "Una persona le responderá antes del {due}.",
        "next.first_response_late": "Lamentamos el retraso; una persona le responderá lo antes "
        "posible.",
        "next.resolution": "Nuestro objetivo es resolverla antes del {due}.",
        "next.resolution_late": "Lamentamos que esté tardando más de lo previsto; la hemos "
        "priorizado y le avisaremos en cuanto esté resuelta.",
        "staff_subject": "Reclamación {number}: aviso interno",
        "survey": "Su reclamación {number} se ha resuelto. ¿Cuál es su grado de satisfacción "
        "con nuestra gestión, de 1 (nada) a 5 (mucho)? Responda con un número.",
        "closed_thanks": "Hemos cerrado su reclamación {number}. Gracias por contárnoslo; nos "
        "ayuda a mejorar.",
        "reopened": "Lamentamos que la solución no le haya satisfecho. Hemos reabierto su "
        "reclamación {number} y la revisará un supervisor.",
        "reopened_by_team": "Lamentamos que la solución no le haya satisfecho. Hemos reabierto "
        "su reclamación {number} y nuestro equipo de reclamaciones la revisará de nuevo.",
        "owner": ", gestionada por {name}",
        "no_complaints": "Aún no tiene reclamaciones con nosotros. Cuénteme qué ha pasado.",
        "file_too_large": "Lo sentimos, el archivo {name} es demasiado grande para recibirlo: "
        "el máximo es {limit}. Envíenos uno más pequeño (una foto comprimida o una captura de "
        "pantalla) o describa el problema con palabras.",
        "attachments_not_kept": "No pudimos guardar estos adjuntos: {files}. Aceptamos como "
        "máximo {count} archivos de hasta {limit} cada uno; envíenos una versión más pequeña "
        "(un vídeo o una foto comprimidos, o una captura de pantalla) respondiendo a este "
        "mensaje.",
        "mail_kept_subject": "No pudimos registrar su correo",
        "mail_kept.empty": "Gracias por escribir a {company}. Su correo nos llegó sin texto, "
        "así que no pudimos registrarlo como reclamación. Escríbanos de nuevo y cuéntenos en "
        "pocas palabras qué ha pasado.",
        "mail_kept_reply_subject": "Su respuesta nos llegó vacía",
        "mail_kept.empty_reply": "Gracias por su respuesta. Su correo nos llegó sin texto, así "
        "que no hemos añadido nada a la reclamación {number}. Si quería añadir algo, responda "
        "a este correo y escríbalo en su mensaje; lo añadiremos a su reclamación.",
        "mail_kept.attachments": "Gracias por escribir a {company}. No pudimos registrar su "
        "correo como reclamación por sus adjuntos: aceptamos como máximo {count} archivos de "
        "hasta {limit} cada uno. Hemos guardado su correo y nuestro equipo lo revisará; "
        "también puede enviarlo de nuevo con menos archivos o más pequeños.",
        "status_line": "{number} - {status}.",
        "new": "De acuerdo: su próximo mensaje abrirá una reclamación nueva.",
        "choose_language": "Elija su idioma:",
        "language_set": "A partir de ahora le escribiré en español.",
        "link_sent": "He enviado un código de 6 cifras a {email}. Envíelo aquí para vincular "
        "esa dirección con este chat.",
        "link_usage": "Escriba /link seguido de su correo, p. ej. /link usted@ejemplo.com",
        "link_unavailable": "En este momento no es posible vincular un correo.",
        "link_done": "Hecho: {email} y este chat pertenecen ahora al mismo cliente.",
        "link_wrong": "El código no es correcto o ha caducado. Use /link de nuevo.",
        "link_too_many": "Ha pedido varios códigos en poco tiempo. Use el último código que "
        "recibió o vuelva a pedirlo dentro de {minutes} minutos.",
        "link_mail": "Su código para vincular esta dirección con nuestro chat es {code}. Es "
        "válido durante 15 minutos. Si no lo ha pedido, ignore este mensaje.",
        "survey_thanks": "¡Gracias por su valoración! Si quiere, escriba un breve comentario.",
        "survey_done": "Gracias, su respuesta ha quedado registrada.",
        "survey_comment_thanks": "Gracias por su comentario.",
        "survey_glad": "¡Gracias! Nos alegra que su reclamación {number} esté resuelta. Si quiere, "
        "valórela con un número del 1 (nada satisfecho) al 5 (muy satisfecho).",
        "resolved": "Su reclamación {number} ha quedado resuelta. {summary}\n\nSi no está "
        "satisfecho/a con esta solución, responda a este mensaje: reabriremos su reclamación y "
        "una persona la revisará de nuevo.",
        "greeting": "Estimado/a {name}:",
        "greeting_name": "cliente",
        "closing": "Atentamente,",
        "subject": "Su reclamación {number}",
        "merged_notice": "Sus reclamaciones {source} y {target} tratan del mismo asunto; a partir "
        "de ahora las gestionamos juntas como {target}.",
    },
    "zh-Hans": {
        "reopened_notice": "感谢您的来信。我们已重新打开投诉 {number}，工作人员将在 {due}之前"
        "答复您。",
        "reopened_by_desk": "我们已重新打开投诉 {number}，将再次跟进处理，工作人员将在 {due}之前"
        "答复您。",
        "dispute_received": "感谢您就 {number} 的回复。我们已重新打开此案：主管将重新审核我们的"
        "决定，工作人员将在 {due}之前答复您。",
        "dispute_received_by_team": "感谢您就 {number} 的回复。我们已重新打开此案：投诉处理团队"
        "将重新审核我们的决定，工作人员将在 {due}之前答复您。",
        "survey_stale": "此调查已结束。如果问题仍未解决，请直接在这里告诉我们。",
        "proposal_notice": "关于您的投诉 {number}，我们的处理方案是：{solution}\n\n请回复本消息，"
        "告诉我们您是否接受。",
        "handler_unavailable": "我们已记录您更换处理人的请求，投诉处理团队将安排其他人员负责您的"
        "投诉。",
        "assigned_notice": "您的投诉 {number} 现由{name}负责处理。",
        "rejected_notice": "感谢您就 {number} 联系我们。经过仔细核实，我们无法将其作为投诉受理："
        "{explanation}\n\n如有异议，请直接回复本消息，我们会重新审核。",
        "progress": "您的投诉 {number} 进展：当前状态为{status}{owner}。{next}感谢您的耐心。",
        "next.first_response": "工作人员将在 {due}之前答复您。",
        "next.first_response_late": "很抱歉让您久等，工作人员将尽快答复您。",
        "next.resolution": "我们争取在 {due}之前处理完毕。",
        "next.resolution_late": "很抱歉处理时间超出预期，我们已优先处理，解决后会立即通知您。",
        "staff_subject": "投诉 {number}：内部通知",
        "survey": "您的投诉 {number} 已处理完毕。您对我们的处理满意吗？请回复 1（很不满意）到 "
        "5（非常满意）之间的数字。",
        "closed_thanks": "您的投诉 {number} 已结案。感谢您的反馈，这能帮助我们改进。",
        "reopened": "很抱歉处理结果未能让您满意。我们已重新打开投诉 {number}，并由主管跟进。",
        "reopened_by_team": "很抱歉处理结果未能让您满意。我们已重新打开投诉 {number}，投诉处理"
        "团队将重新跟进。",
        "owner": "，由{name}负责",
        "no_complaints": "您目前还没有投诉记录。请告诉我发生了什么。",
        "file_too_large": "抱歉，文件 {name} 太大，我们无法接收：每个文件最大 {limit}。"
        "请发送较小的文件（例如压缩后的照片或截图），或用文字描述问题。",
        "attachments_not_kept": "以下附件未能保存：{files}。我们最多接受 {count} 个文件，"
        "每个不超过 {limit}；请回复本消息，发送较小的版本（例如压缩后的视频或照片，或截图）。",
        "mail_kept_subject": "我们无法登记您的邮件",
        "mail_kept.empty": "感谢您联系{company}。您的邮件没有任何文字内容，因此我们无法将其"
        "登记为投诉。请再次来信，简单说明发生了什么。",
        "mail_kept_reply_subject": "您的回复没有内容",
        "mail_kept.empty_reply": "感谢您的回复。您的邮件没有任何文字内容，因此我们没有在投诉 "
        "{number} 中添加任何内容。如果您想补充什么，请回复本邮件并写下您要补充的内容，我们会"
        "将其加入您的投诉。",
        "mail_kept.attachments": "感谢您联系{company}。由于附件的原因，我们无法将您的邮件登记"
        "为投诉：最多接受 {count} 个文件，每个不超过 {limit}。我们已保存您的邮件，工作人员会"
        "查看；您也可以减少附件数量或缩小文件后重新发送。",
        "status_line": "{number} - {status}。",
        "new": "好的：您的下一条消息将开启一个新的投诉。",
        "choose_language": "请选择语言：",
        "language_set": "好的，今后我将使用简体中文。",
        "link_sent": "我已向 {email} 发送了 6 位验证码，请在此发送该验证码以绑定邮箱。",
        "link_usage": "请输入 /link 加您的邮箱，例如 /link you@example.com",
        "link_unavailable": "目前无法绑定邮箱。",
        "link_done": "完成：{email} 与此聊天现已归属同一客户。",
        "link_wrong": "验证码不正确或已过期，请重新使用 /link。",
        "link_too_many": "您在短时间内已申请了多个验证码。请使用最近收到的验证码，"
        "或在 {minutes} 分钟后再试。",
        "link_mail": "您用于绑定邮箱与聊天的验证码是 {code}，15 分钟内有效。如非本人操作，"
        "请忽略此邮件。",
        "survey_thanks": "感谢您的评分！如愿意，可以再写一句意见。",
        "survey_done": "谢谢，您的评价已记录。",
        "survey_comment_thanks": "感谢您的意见。",
        "survey_glad": "谢谢！很高兴您的投诉 {number} 已经解决。如愿意，请回复 1（很不满意）到 "
        "5（非常满意）的数字为我们评分。",
        "resolved": "您的投诉 {number} 已处理完毕：{summary}\n\n如您对处理结果不满意，请直接"
        "回复本消息：我们将重新开启您的投诉，并由工作人员再次跟进。",
        "greeting": "{name}，您好：",
        "greeting_name": "尊敬的客户",
        "closing": "祝您生活愉快！",
        "subject": "您的投诉 {number}",
        "merged_notice": "您的投诉 {source} 和 {target} 涉及同一事项；我们现已将其合并为 {target} "
        "一并处理。",
    },
    "zh-Hant": {
        "reopened_notice": "感謝您的來信。我們已重新開啟投訴 {number}，專人將於 {due}之前回覆您。",
        "reopened_by_desk": "我們已重新開啟投訴 {number}，將再次跟進處理，專人將於 {due}之前"
        "回覆您。",
        "dispute_received": "感謝您就 {number} 的回覆。我們已重新開啟此案：主管將重新審核我們的"
        "決定，專人將於 {due}之前回覆您。",
        "dispute_received_by_team": "感謝您就 {number} 的回覆。我們已重新開啟此案：投訴處理團隊"
        "將重新審核我們的決定，專人將於 {due}之前回覆您。",
        "survey_stale": "此調查已結束。如果問題仍未解決，請直接在這裡告訴我們。",
        "proposal_notice": "關於您的投訴 {number}，我們的處理方案是：{solution}\n\n請回覆本訊息，"
        "告訴我們您是否接受。",
        "handler_unavailable": "我們已記錄您更換處理人的請求，投訴處理團隊將安排其他人員負責您的"
        "投訴。",
        "assigned_notice": "您的投訴 {number} 現由{name}負責處理。",
        "rejected_notice": "感謝您就 {number} 與我們聯絡。經仔細查核，我們無法將其作為投訴受理："
        "{explanation}\n\n如有異議，請直接回覆本訊息，我們會重新審核。",
        "progress": "您的投訴 {number} 進度：目前狀態為{status}{owner}。{next}感謝您的耐心。",
        "next.first_response": "專人將於 {due}之前回覆您。",
        "next.first_response_late": "很抱歉讓您久等，專人將盡快回覆您。",
        "next.resolution": "我們力求在 {due}之前處理完成。",
        "next.resolution_late": "很抱歉處理時間超出預期，我們已優先處理，解決後會立即通知您。",
        "staff_subject": "投訴 {number}：內部通知",
        "survey": "您的投訴 {number} 已處理完成。您對我們的處理滿意嗎？請回覆 1（很不滿意）到 "
        "5（非常滿意）之間的數字。",
        "closed_thanks": "您的投訴 {number} 已結案。感謝您的回饋，這能幫助我們改進。",
        "reopened": "很抱歉處理結果未能讓您滿意。我們已重新開啟投訴 {number}，並由主管跟進。",
        "reopened_by_team": "很抱歉處理結果未能讓您滿意。我們已重新開啟投訴 {number}，投訴處理"
        "團隊將重新跟進。",
        "owner": "，由{name}負責",
        "no_complaints": "您目前還沒有投訴紀錄。請告訴我發生了什麼。",
        "file_too_large": "抱歉，檔案 {name} 太大，我們無法接收：每個檔案最大 {limit}。"
        "請傳送較小的檔案（例如壓縮後的照片或截圖），或用文字描述問題。",
        "attachments_not_kept": "以下附件未能保存：{files}。我們最多接受 {count} 個檔案，"
        "每個不超過 {limit}；請回覆此訊息，傳送較小的版本（例如壓縮後的影片或照片，或截圖）。",
        "mail_kept_subject": "我們無法登記您的郵件",
        "mail_kept.empty": "感謝您聯絡{company}。您的郵件沒有任何文字內容，因此我們無法將其"
        "登記為投訴。請再次來信，簡單說明發生了什麼。",
        "mail_kept_reply_subject": "您的回覆沒有內容",
        "mail_kept.empty_reply": "感謝您的回覆。您的郵件沒有任何文字內容，因此我們沒有在投訴 "
        "{number} 中新增任何內容。如果您想補充什麼，請回覆此郵件並寫下您要補充的內容，我們會"
        "將其加入您的投訴。",
        "mail_kept.attachments": "感謝您聯絡{company}。由於附件的緣故，我們無法將您的郵件登記"
        "為投訴：最多接受 {count} 個檔案，每個不超過 {limit}。我們已保存您的郵件，工作人員會"
        "查看；您也可以減少附件數量或縮小檔案後重新傳送。",
        "status_line": "{number} - {status}。",
        "new": "好的：您的下一則訊息將開啟一個新的投訴。",
        "choose_language": "請選擇語言：",
        "language_set": "好的，之後我會使用繁體中文。",
        "link_sent": "我已寄送 6 位數驗證碼至 {email}，請在此傳送該驗證碼以綁定電子郵件。",
        "link_usage": "請輸入 /link 加您的電子郵件，例如 /link you@example.com",
        "link_unavailable": "目前無法綁定電子郵件。",
        "link_done": "完成：{email} 與此聊天現已屬於同一位客戶。",
        "link_wrong": "驗證碼不正確或已過期，請重新使用 /link。",
        "link_too_many": "您在短時間內已申請了多個驗證碼。請使用最近收到的驗證碼，"
        "或在 {minutes} 分鐘後再試。",
        "link_mail": "您用於綁定電子郵件與聊天的驗證碼是 {code}，15 分鐘內有效。如非本人操作，"
        "請忽略此郵件。",
        "survey_thanks": "感謝您的評分！如願意，可以再寫一句意見。",
        "survey_done": "謝謝，您的評價已記錄。",
        "survey_comment_thanks": "感謝您的意見。",
        "survey_glad": "謝謝！很高興您的投訴 {number} 已經解決。如願意，請回覆 1（很不滿意）到 "
        "5（非常滿意）的數字為我們評分。",
        "resolved": "您的投訴 {number} 已處理完成：{summary}\n\n如您對處理結果不滿意，請直接"
        "回覆本訊息：我們將重新開啟您的投訴，並由專人再次跟進。",
        "greeting": "{name}，您好：",
        "greeting_name": "親愛的客戶",
        "closing": "祝您生活愉快！",
        "subject": "您的投訴 {number}",
        "merged_notice": "您的投訴 {source} 和 {target} 涉及同一事項；我們現已將其合併為 {target} "
        "一併處理。",
    },
}
for _language in TEXTS:
    TEXTS[_language].update(
        CHAT_TEXTS[_language], **STATUS_TEXTS[_language], **INTAKE_QUESTIONS[_language]
    )

LANGUAGE_NAMES = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "es": "Español", "en": "English"}


def say(language: str, key: str, **values: object) -> str:
    language = language if language in TEXTS else "en"
    table = TEXTS[language]
    ended = {name: filled(name, value, language) for name, value in values.items()}
    return table.get(key, TEXTS["en"][key]).format(**ended)
