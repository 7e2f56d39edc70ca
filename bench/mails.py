"""Complaint mails as mail clients write them, for the SMTP benchmarks.

The texts are the webhook benchmark's complaints (bench/corpus.py) in the four languages, from
different senders (some recurring), in UTF-8 and the local charsets, base64 and
quoted-printable, some with an HTML alternative or a small attachment, CRLF line endings and
unique Message-IDs.
"""

from __future__ import annotations

import email.policy
import html
import random
import re
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from bench.corpus import NAMES, SUBJECTS, complaints

BOT_ADDRESS = "complaints@example.com"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
COMPLAINT_NUMBER = re.compile(rb"\bC-\d{4}-\d{6,}\b")


LANGUAGE_OF = {name: language for language, names in NAMES.items() for name in names.split("|")}
DOMAINS = {
    "en": "gmail.example|outlook.example|btinternet.example",
    "es": "gmail.example|telefonica.example|correo.example",
    "zh-Hans": "qq.example|163.example|126.example",
    "zh-Hant": "yahoo-tw.example|hinet.example|gmail.example",
}
# (charset, transfer encoding) as mail clients write them; the local charsets are the reason
# the bot decodes text itself.
ENCODINGS = {
    "en": [("us-ascii", "7bit"), ("utf-8", "quoted-printable")],
    "es": [("utf-8", "quoted-printable"), ("iso-8859-1", "quoted-printable")],
    "zh-Hans": [("utf-8", "base64"), ("gbk", "base64"), ("gb18030", "base64")],
    "zh-Hant": [("utf-8", "base64"), ("big5", "base64")],
}
SIGN_OFFS = {
    "en": "Regards,|Best wishes,|Thanks,|Sent from my iPhone",
    "es": "Saludos,|Un saludo,|Atentamente,|Enviado desde mi iPhone",
    "zh-Hans": "此致|谢谢|发自我的iPhone",
    "zh-Hant": "敬上|謝謝|從我的iPhone傳送",
}
ATTACHMENTS = {
    "en": "photo.jpg|receipt.pdf|IMG_2041.jpg",
    "es": "foto.jpg|factura.pdf|IMG_2041.jpg",
    "zh-Hans": "照片.jpg|发票.pdf|IMG_2041.jpg",
    "zh-Hant": "照片.jpg|收據.pdf|IMG_2041.jpg",
}


@dataclass(frozen=True)
class Mail:
    sender: str
    raw: bytes
    language: str
    attachment: bool


def fake_file(name: str, rng: random.Random) -> tuple[bytes, str, str]:
    """A few kilobytes that look like a phone photo or a scanned receipt."""
    if name.endswith(".pdf"):
        objects = b"".join(b"%d 0 obj << /Length 64 >> stream\n" % n for n in range(40))
        data = rng.randbytes(rng.randint(1500, 4000))
        return b"%PDF-1.4\n" + objects + data + b"\n%%EOF\n", "application", "pdf"
    data = rng.randbytes(rng.randint(3000, 12000))
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + data + b"\xff\xd9", "image", "jpeg"


# The end-to-end run's mix: more of the charsets that mail clients in each region still write.
MIXED_ENCODINGS = {
    "en": [
        ("us-ascii", "7bit"),
        ("utf-8", "quoted-printable"),
        ("windows-1252", "quoted-printable"),
    ],
    "es": [
        ("utf-8", "quoted-printable"),
        ("utf-8", "base64"),
        ("iso-8859-1", "quoted-printable"),
        ("windows-1252", "quoted-printable"),
    ],
    "zh-Hans": [("utf-8", "base64"), ("gb2312", "base64"), ("gbk", "base64")],
    "zh-Hant": [("utf-8", "base64"), ("big5", "base64"), ("utf-8", "quoted-printable")],
}


def mails(
    count: int,
    seed: int,
    start: int = 0,
    encodings: dict[str, list[tuple[str, str]]] | None = None,
    html_only: float = 0.0,
) -> list[Mail]:
    """`count` distinct complaint mails to the bot, built on the webhook bench's complaints;
    a share `html_only` of them has no plain-text part, as some webmail clients send."""
    rng = random.Random(seed + 1 + start)
    found = []
    for index, body in enumerate(complaints(count, seed, start), start):
        customer, text = body["customer"], body["text"]
        language = LANGUAGE_OF[customer["name"]]
        domain = rng.choice(DOMAINS[language].split("|"))
        sender = f"{customer['id']}@{domain}"
        sign_off = rng.choice(SIGN_OFFS[language].split("|"))
        text = f"{text}\n\n{sign_off}\n{customer['name']}\n"
        charset, transfer = rng.choice((encodings or ENCODINGS)[language])
        try:
            text.encode(charset)
        except UnicodeEncodeError:
            charset = "utf-8"
        message = EmailMessage()
        message["From"] = formataddr((customer["name"], sender))
        message["To"] = f"Customer care <{BOT_ADDRESS}>"
        subject = body.get("subject") or rng.choice(SUBJECTS[language].split("|"))
        message["Subject"] = subject
        message["Date"] = formatdate(time.time() - rng.randint(0, 3600))
        message["Message-ID"] = f"<{rng.getrandbits(64):016x}.{index:06d}@{domain}>"
        message["X-Mailer"] = rng.choice(["Apple Mail (2.3774)", "Foxmail 7.2", "Outlook 16.0"])
        markup = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line)
        page = f"<html><body>{markup}</body></html>"
        if html_only and rng.random() < html_only:
            message.set_content(page, subtype="html", charset=charset, cte=transfer)
        else:
            message.set_content(text, charset=charset, cte=transfer)
            if rng.random() < 0.25:
                message.add_alternative(page, subtype="html", charset=charset, cte=transfer)
        attachment = rng.random() < 0.15
        if attachment:
            name = rng.choice(ATTACHMENTS[language].split("|"))
            data, maintype, subtype = fake_file(name, rng)
            message.add_attachment(data, maintype, subtype, filename=name)
        raw = message.as_bytes(policy=email.policy.SMTP)
        assert raw.count(b"\r\n") == raw.count(b"\n"), "CRLF line endings only"
        found.append(Mail(sender, raw, language, attachment))
    return found
