"""The e-mail parser against a corpus of real-world shaped messages, plus its text helpers.

Every file in `mail_corpus/` has one row in `EXPECTED`, and a file without a row fails the test,
so the corpus cannot grow untested. A row says what must be read from the message (sender,
subject, fragments of the new text), what must not leak into the text (quoted history,
signatures, the other alternative), the attachments, and the automated or bounce verdict; or
that the input is refused with `MalformedMail`, and why.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels.base import Bounce
from channels.email.history import read_body, signature_phone, strip_quoted
from channels.email.parse import ParsedMail, parse_mail
from channels.email.text import html_to_text
from complaints.errors import MalformedMail

CORPUS = Path(__file__).parent / "mail_corpus"
PDF, JPEG, PNG = 995, 781, 70  # sizes of the decoded test files
SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class Expect:
    """What parsing one corpus file must give. Unset fields are not checked, except that
    `attachments`, `automated` and `bounce` default to "none"."""

    subject: str | None = None
    from_address: str | None = None
    from_name: str | None = None
    has: tuple[str, ...] = ()
    """Fragments the new text must contain."""
    lacks: tuple[str, ...] = ()
    """Fragments the new text must not contain (quoted history, signatures, the other part)."""
    full_has: tuple[str, ...] = ()
    attachments: tuple[tuple[str, str, int | None], ...] = ()
    """(filename, content type, size or None) in order."""
    attachment_contains: tuple[bytes, ...] = ()
    automated: str = ""
    bounce: Bounce | None = None
    malformed: str = ""
    """A fragment of the MalformedMail reason: the input must be refused."""
    fields: dict[str, Any] = field(default_factory=dict)
    """Other ParsedMail attributes that must equal these values."""


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, second, tzinfo=UTC)


REPLY_QUOTES_EN = ("wrote:", "Thank you for contacting us", "Sales Manager", "-- ")

EXPECTED: dict[str, Expect] = {
    # --- charsets ---------------------------------------------------------------------------
    "charset-utf8-plain.eml": Expect(
        subject="Devolucion del pedido 1001",
        from_address="ana@example.com",
        from_name="Ana Perez",
        has=("Compré una cafetera y llegó rota", "devolución", "咖啡机坏了"),
        fields={
            "date": at(10, 15),
            "message_id": "charset-utf8-plain@mail.example.com",
        },
    ),
    "charset-gb2312-with-gbk-chars.eml": Expect(
        subject="投诉：王喆的电水壶",
        has=("我叫王喆，住在镕城", "电水壶漏水了"),
    ),
    "charset-gbk.eml": Expect(has=("空调外机噪音很大", "KFR-35GW", "请派师傅上门")),
    "charset-gb18030.eml": Expect(has=("“䶮”字", "𠮷野家", "😀")),
    "charset-big5.eml": Expect(has=("我買的電視螢幕有一條亮線", "請協助換貨")),
    "charset-big5-hkscs.eml": Expect(has=("部雪櫃壞咗，冇得用，啲客服都唔理我",)),
    "charset-iso-8859-1.eml": Expect(
        has=("Buenos días", "hace un ruido extraño", "¿Pueden enviar un técnico?")
    ),
    "charset-iso-8859-15.eml": Expect(has=("Me cobraron 49,99 € de más",)),
    "charset-windows-1252.eml": Expect(
        has=("El pedido “urgente” llegó tarde…", "12 € por el envío")
    ),
    "charset-windows-1251.eml": Expect(has=("Здравствуйте!", "Телевизор не включается")),
    "charset-koi8-r.eml": Expect(has=("Стиральная машина протекает",)),
    "charset-shift-jis.eml": Expect(has=("電子レンジが壊れました。返金をお願いします。",)),
    "charset-unknown-label.eml": Expect(has=("冰箱不制冷了", "要求赔偿")),
    "charset-misspelled-utf8.eml": Expect(has=("La batidora dejó de funcionar. ¿Qué hago?",)),
    "charset-us-ascii-8bit.eml": Expect(
        has=("La factura nº 2026-77 tiene un importe erróneo: 30 € más.",)
    ),
    "charset-missing-8bit-utf8.eml": Expect(has=("El técnico no vino el martes.",)),
    # --- transfer encodings -----------------------------------------------------------------
    "transfer-quoted-printable.eml": Expect(
        has=(
            "los saltos de línea suaves del quoted-printable: el aspirador",
            "Número de pedido 1007.",
        )
    ),
    "transfer-base64.eml": Expect(
        subject="电饭煲问题", has=("电饭煲用了三天就不加热了，订单号 1008",)
    ),
    # --- HTML only --------------------------------------------------------------------------
    "html-only-zh.eml": Expect(
        subject="热水器投诉",
        has=(
            "热水器安装后一直漏水 & 漏电",
            "非常危险！\n详细情况如下：",
            "- 订单号：1005\n- 型号：JSQ-20",
            "安装日期 2026-02-20",
            "请尽快处理 <紧急>",
        ),
        lacks=("页面标题不应出现", "font-family", "tracking", "<p>", "&nbsp;"),
    ),
    "html-only-es.eml": Expect(
        has=(
            "Buenos días:\n\nEl televisor llegó con la pantalla rota. "
            "Pagué 499 € y quiero una solución.",
            "Pedido Fecha\n1009 28/02/2026",
            "Saludos,\nJosé Núñez",
        ),
        lacks=("&oacute;", "<table>"),
    ),
    # --- multipart/alternative --------------------------------------------------------------
    "alternative-plain-and-html.eml": Expect(
        has=("Plain version: the fridge makes a loud noise at night.",),
        lacks=("HTML version",),
        fields={"date": at(14, 30), "message_id": "alt-1@mail.example.org"},
    ),
    "alternative-empty-plain.eml": Expect(has=("La nevera hace un ruido fuerte y no enfría.",)),
    # --- attachments ------------------------------------------------------------------------
    "attachment-pdf.eml": Expect(
        has=("Adjunto la factura 1001",),
        attachments=(("factura-1001.pdf", "application/pdf", PDF),),
        attachment_contains=(b"%PDF-1.4\n", b"%%EOF\n"),
    ),
    "attachment-jpeg-rfc2231.eml": Expect(
        has=("Envío dos fotos del hervidor dañado.",),
        attachments=(
            ("foto del hervidor dañado.jpg", "image/jpeg", JPEG),
            ("发票照片.jpg", "image/jpeg", JPEG),
        ),
        attachment_contains=(b"\xff\xd8\xff\xe0",),
    ),
    "attachment-rfc2047-filename.eml": Expect(
        subject="维修记录",
        from_name="王喆",
        has=("附件是维修记录，请查收。王喆",),
        attachments=(("维修记录-王喆.pdf", "application/pdf", PDF),),
    ),
    "attachment-inline-image.eml": Expect(
        has=("The screen arrived cracked, see the photo:",),
        lacks=("cid:",),
        attachments=(("attachment-1.png", "image/png", PNG),),
        attachment_contains=(b"\x89PNG\r\n",),
    ),
    "forwarded-message.eml": Expect(
        has=(
            "they promised a refund by Friday and nothing came",
            "Forwarded message",
            "From: Shop <shop@shop.example.net>",
            "Subject: Your refund",
            "We will refund you by Friday 27 February.",
        ),
        lacks=("Message-ID",),
        attachments=(("forwarded.eml", "message/rfc822", None),),
        attachment_contains=(b"Message-ID: <refund-42@shop.example.net>", b"We will refund you"),
    ),
    "nested-multipart.eml": Expect(
        has=("The dishwasher is still under warranty but the shop refuses to repair it.",),
        lacks=("<b>",),
        attachments=(
            ("attachment-1.png", "image/png", PNG),
            ("garantia.pdf", "application/pdf", PDF),
        ),
    ),
    # --- encoded and raw headers ------------------------------------------------------------
    "subject-b-utf8-zh.eml": Expect(
        subject="投诉：洗衣机漏水严重", from_name="李伟", has=("洗衣机漏水，地板都泡坏了。",)
    ),
    "subject-q-iso-es.eml": Expect(
        subject="Reclamación por cobro indebido - pedido nº 1006",
        from_name="José Núñez",
        from_address="jose.nunez@example.es",
        has=("Me cobraron dos veces el pedido nº 1006.",),
        fields={"language_hint": "es-ES"},
    ),
    "subject-gb2312-mislabelled.eml": Expect(
        subject="关于镕铸锅漏水的投诉",
        from_name="王喆",
        has=("锅底漏水。",),
        fields={"language_hint": "zh-CN"},
    ),
    "header-raw-utf8.eml": Expect(
        subject="Reclamación: 电饭煲坏了", from_name="José Núñez", has=("El arrocero no calienta.",)
    ),
    # --- replies: quoted history and signatures ---------------------------------------------
    "reply-gmail-en.eml": Expect(
        subject="Re: Your complaint C-2026-000123",
        has=(
            "The replacement kettle you sent also leaks from the base. "
            "I would like a\nrefund instead.",
        ),
        lacks=REPLY_QUOTES_EN,
        full_has=("Thank you for contacting us",),
        fields={
            "date": at(15, 4, 5),
            "message_id": "CAF=abc123@mail.gmail.com",
            "in_reply_to": ("C-2026-000123.M2.aa11@complaints.example.com",),
            "references": (
                "C-2026-000123.M1.ff00@complaints.example.com",
                "C-2026-000123.M2.aa11@complaints.example.com",
            ),
        },
    ),
    "reply-gmail-es.eml": Expect(
        has=("Quiero la devolución del dinero.", "Saludos,\nAna"),
        lacks=("escribió", "Estimada Ana", "C-2026-000124", "service@"),
        fields={"in_reply_to": ("C-2026-000124.M1.bb22@complaints.example.com",)},
    ),
    "reply-gmail-zh-hans.eml": Expect(
        subject="Re: 您的投诉 C-2026-000125",
        from_name="李伟",
        has=("我上周收到的洗衣机又坏了，要求退货退款。", "李伟"),
        lacks=("写道", "尊敬的李伟", "C-2026-000125"),
    ),
    "reply-gmail-zh-hant.eml": Expect(
        subject="Re: 投訴 C-2026-000126",
        has=("手機訊號一直很差，已經一個月了，請盡快處理。",),
        lacks=("寫道", "陳先生您好", "C-2026-000126"),
    ),
    "reply-outlook-en.eml": Expect(
        has=(
            "I still have not received the refund for order 1001. This is the third time I write.",
            "Regards,\nJohn Smith",
        ),
        lacks=("________", "From:", "Sent:", "your refund is being processed"),
        fields={"language_hint": "en-GB"},
    ),
    "reply-outlook-es.eml": Expect(
        from_name="Ana Pérez",
        has=(
            "la lavadora sigue haciendo ruido. Necesito una solución urgente.",
            "Atentamente,\nAna Pérez",
        ),
        lacks=("Mensaje original", "De:", "Enviado el:", "hemos recibido su reclamo"),
    ),
    "reply-outlook-zh-hant.eml": Expect(
        subject="RE: 冷氣漏水",
        from_name="林小姐",
        has=("冷氣安裝後一直漏水，師傅也沒有再來，請安排維修。",),
        lacks=("寄件者", "寄件日期", "我們已收到您的投訴"),
    ),
    "reply-outlook-zh-hans-html.eml": Expect(
        subject="回复: 冰箱门损坏",
        has=("快递把冰箱的门摔坏了，要求换货。", "王喆"),
        lacks=("发件人", "发送时间", "您的投诉已受理", "DengXian"),
    ),
    "reply-apple-mail-en.eml": Expect(
        has=("The screen cracked on its own after two days. Please replace it.",),
        lacks=("Sent from my iPhone", "wrote:", "Please send us a photo"),
    ),
    "reply-apple-mail-es.eml": Expect(
        has=("Adjunto la foto que pidieron. La pantalla llegó rota.",),
        lacks=("Enviado desde mi iPhone", "escribió", "¿podría enviarnos una foto?"),
        attachments=(("IMG_0001.jpeg", "image/jpeg", JPEG),),
    ),
    "reply-apple-mail-zh-hant.eml": Expect(
        has=("收到的耳機左邊沒有聲音，請問怎樣換貨？",),
        lacks=("從我的 iPhone 傳送", "寫道", "請問耳機有什麼問題"),
    ),
    "reply-apple-mail-zh-hans.eml": Expect(
        subject="Re: 退货",
        has=("退回去的吸尘器已经签收一周了，退款还没有到账。",),
        lacks=("发自我的iPhone", "写道", "三个工作日"),
    ),
    "reply-foxmail-zh-hant.eml": Expect(
        subject="回覆：帳單錯誤",
        from_name="陳大文",
        has=("這個月的帳單多收了一百元，請更正。", "陳大文"),
        lacks=("原始郵件", "寄件者", "帳單已經寄出"),
    ),
    "reply-foxmail-zh-hans.eml": Expect(
        subject="回复：发票问题",
        from_name="李伟",
        has=("发票抬头开错了，麻烦重新开一张。",),
        lacks=("原始邮件", "发件人", "发票已经寄出"),
    ),
    "reply-qq-iphone-zh-hans.eml": Expect(
        from_address="12345678@qq.com",
        has=("我要投诉，快递员态度非常差，还把包裹扔在门口。",),
        lacks=("发自我的iPhone", "Original", "请描述一下情况"),
    ),
    "reply-bottom-quote-en.eml": Expect(
        has=("the serial number is SN-55-1234",),
        lacks=("schrieb", "Could you give us", ">"),
    ),
    "format-flowed.eml": Expect(
        has=(
            "Hello, the blender I bought (order 1002) stopped working after one use. "
            "I would like a replacement.",
        ),
        lacks=("Mary Jones", "wrote:", "describe the problem"),
        full_has=("> Dear Mary, please describe the problem.",),
    ),
    # --- automated mail ---------------------------------------------------------------------
    "auto-reply-auto-submitted.eml": Expect(
        has=("out of the office",), automated="Auto-Submitted: auto-replied"
    ),
    "auto-reply-x-autoreply.eml": Expect(subject="自动回复：您的投诉", automated="X-Autoreply"),
    "auto-reply-precedence.eml": Expect(
        subject="Respuesta automática", automated="Precedence: bulk"
    ),
    "auto-reply-outlook-suppress.eml": Expect(automated="X-Auto-Response-Suppress: All"),
    "mailing-list.eml": Expect(automated="List-Id"),
    "null-sender.eml": Expect(automated="Return-Path: <> (null sender)"),
    "auto-submitted-no.eml": Expect(has=("My toaster burns everything.",), automated=""),
    # --- bounces ----------------------------------------------------------------------------
    "bounce-dsn-rfc822.eml": Expect(
        from_address="mailer-daemon@mx.example.net",
        automated="delivery status notification",
        has=("could not\nbe delivered",),
        attachments=(("forwarded.eml", "message/rfc822", None),),
        attachment_contains=(b"<C-2026-000123.M45.abcdef@complaints.example.com>",),
        bounce=Bounce(
            original_message_ids=("C-2026-000123.M45.abcdef@complaints.example.com",),
            recipients=("nobody@example.net",),
            status="5.1.1",
            permanent=True,
            diagnostic="550 5.1.1 <nobody@example.net>: Recipient address rejected: "
            "User unknown in virtual mailbox table",
        ),
    ),
    "bounce-dsn-headers-only.eml": Expect(
        automated="delivery status notification",
        lacks=("Reporting-MTA", "Message-ID"),
        bounce=Bounce(
            original_message_ids=("C-2026-000124.M46.0a1b2c@complaints.example.com",),
            recipients=("full.box@example.com",),
            status="5.2.2",
            permanent=True,
            diagnostic="552 5.2.2 Mailbox full",
        ),
    ),
    "bounce-dsn-delayed.eml": Expect(
        automated="delivery status notification",
        bounce=Bounce(
            original_message_ids=("C-2026-000125.M47.ddeeff@complaints.example.com",),
            recipients=("slow@example.com",),
            status="4.4.7",
            permanent=False,
            diagnostic="connect to mail.example.com[198.51.100.7]:25: Connection timed out",
        ),
    ),
    "bounce-qmail.eml": Expect(
        automated="delivery status notification",
        fields={"date": at(9, 0, 2)},
        bounce=Bounce(
            original_message_ids=("C-2026-000127.M50.99ffee@complaints.example.com",),
            recipients=("old.customer@example.org",),
            status="5.1.1",
            permanent=True,
            diagnostic="Sorry, no mailbox here by that name. (#5.1.1)",
        ),
    ),
    "bounce-exim.eml": Expect(
        automated="delivery status notification",
        bounce=Bounce(
            original_message_ids=("C-2026-000128.M51.123abc@complaints.example.com",),
            recipients=("missing@example.com",),
            status="5.1.1",
            permanent=True,
            diagnostic="550 5.1.1 <missing@example.com>: Recipient address rejected: User unknown",
        ),
    ),
    # --- malformed --------------------------------------------------------------------------
    "malformed-missing-boundary.eml": Expect(
        has=("La impresora no imprime en color. Número de pedido 1003.",),
        lacks=("--=_Part_1", "Content-Type"),
        attachments=(("ticket.pdf", "application/pdf", PDF),),
    ),
    "malformed-truncated-base64.eml": Expect(
        has=("洗碗机洗不干净，而且有异味。订单号 1004，请尽快联系",),
        lacks=("5rSX",),
    ),
    "malformed-header-without-colon.eml": Expect(
        subject="Broken header",
        has=("The kettle switches itself off after ten seconds.",),
        lacks=("This-header-has-no-colon", "Date:"),
        fields={"date": at(14, 30)},
    ),
    "malformed-broken-header-values.eml": Expect(
        subject="你好café =?utf-8?B?!!!broken?= end",
        from_address="ana@example.com",
        from_name="Ana Pérez",
        has=("El producto llegó dañado.",),
        fields={"date": None, "message_id": "no-closing-bracket@example.com"},
    ),
    "malformed-empty.eml": Expect(malformed="empty"),
    "malformed-binary-garbage.eml": Expect(malformed="no header"),
    "malformed-no-from.eml": Expect(malformed="From"),
}


def test_every_corpus_file_has_an_expectation() -> None:
    files = {path.name for path in CORPUS.iterdir()}
    assert files - EXPECTED.keys() == set(), "add a row to EXPECTED for each new corpus file"
    assert EXPECTED.keys() - files == set(), "a row names a file that is not in the corpus"
    assert len(files) >= 44


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name: str) -> None:
    expect = EXPECTED[name]
    raw = (CORPUS / name).read_bytes()
    if expect.malformed:
        with pytest.raises(MalformedMail, match=expect.malformed):
            parse_mail(raw)
        return
    mail = parse_mail(raw)

    assert_clean(mail)
    for attribute in ("subject", "from_address", "from_name"):
        if (wanted := getattr(expect, attribute)) is not None:
            assert getattr(mail, attribute) == wanted, attribute
    for fragment in expect.has:
        assert fragment in mail.text
    for fragment in expect.lacks:
        assert fragment not in mail.text
    for fragment in expect.full_has:
        assert fragment in mail.full_text
    found = tuple((a.filename, a.content_type, len(a.data)) for a in mail.attachments)
    assert [(n, t) for n, t, _ in found] == [(n, t) for n, t, _ in expect.attachments]
    for (_, _, size), (_, _, wanted_size) in zip(found, expect.attachments, strict=True):
        assert wanted_size is None or size == wanted_size
    for fragment in expect.attachment_contains:
        assert any(fragment in a.data for a in mail.attachments)
    assert mail.automated == expect.automated
    assert mail.bounce == expect.bounce
    for attribute, wanted in expect.fields.items():
        assert getattr(mail, attribute) == wanted, attribute


def assert_clean(mail: ParsedMail) -> None:
    """What holds for every usable message, whatever it contains."""
    for text in (mail.text, mail.full_text, mail.subject, mail.from_name):
        assert "\ufffd" not in text
        assert not SURROGATE.search(text)
    assert mail.text and mail.text == mail.text.strip()
    assert all(paragraph in mail.full_text for paragraph in mail.text.split("\n\n"))
    assert all(paragraph in mail.shown_text for paragraph in mail.text.split("\n\n"))
    assert mail.from_address == mail.from_address.lower() and "@" in mail.from_address
    assert mail.date is None or mail.date.tzinfo == UTC
    assert all(not i.startswith("<") and not i.endswith(">") for i in mail.references)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_damaged_copies_raise_only_malformed_mail(name: str) -> None:
    """Truncated and bit-flipped copies of every file parse or raise MalformedMail, nothing else."""
    raw = (CORPUS / name).read_bytes()
    rng = random.Random(name)
    for _ in range(8):
        damaged = bytearray(raw[: rng.randrange(len(raw) + 1)])
        for _ in range(rng.randrange(4) if damaged else 0):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            mail = parse_mail(bytes(damaged))
        except MalformedMail as exc:
            assert str(exc)
        else:
            assert not SURROGATE.search(mail.text + mail.subject + mail.from_name)


def header_mail(*lines: str, body: bytes = b"Hello.\n") -> bytes:
    return (
        "From: Ana <ana@example.com>\n" + "".join(f"{line}\n" for line in lines) + "\n"
    ).encode() + body


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        pytest.param("gb2312", "喆镕".encode("gbk"), "喆镕", id="gb2312-holding-gbk"),
        pytest.param("GBK", "䶮".encode("gb18030"), "䶮", id="gbk-holding-gb18030"),
        pytest.param("big5", "冇啲".encode("big5hkscs"), "冇啲", id="big5-holding-hkscs"),
        pytest.param("x-unknown", "退货".encode("gbk"), "退货", id="unknown-label-guesses-gb18030"),
        pytest.param("utf-8lol", "señor".encode(), "señor", id="misspelt-label-guesses-utf8"),
        pytest.param("us-ascii", "señor".encode("cp1252"), "señor", id="ascii-with-cp1252-bytes"),
        pytest.param("us-ascii", "señor".encode(), "señor", id="ascii-with-utf8-bytes"),
        pytest.param("base64", b"hola", "hola", id="not-a-text-codec"),
        pytest.param("unicode-escape", b"a\\u4f60", "a\\u4f60", id="escape-codec-refused"),
        pytest.param("utf-8", "坏了".encode()[:-1], "坏", id="truncated-last-character"),
        pytest.param("utf-8", "señor".encode("latin-1"), "se\ufffdor", id="undecodable-byte"),
    ],
)
def test_charset_labels(charset: str, body: bytes, expected: str) -> None:
    raw = header_mail(f"Content-Type: text/plain; charset={charset}", body=body)
    assert parse_mail(raw).text == expected


def test_utf7_surrogates_do_not_reach_the_text() -> None:
    raw = header_mail(
        "Subject: =?utf-7?Q?+2AA-?= x", "Content-Type: text/plain; charset=utf-7", body=b"+2AA-ok"
    )
    mail = parse_mail(raw)
    assert not SURROGATE.search(mail.text + mail.subject)
    mail.text.encode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b" \r\n\t\n", "empty", id="white-space"),
        pytest.param(b"\x00\x01\x02binary\xff\xfe", "no header", id="binary"),
        pytest.param(
            b"Return-Path: <ana@example.com>\r\nnot an e-mail", "no header", id="trace-line-only"
        ),
        pytest.param(b"Subject: hi\n\nbody\n", "From", id="no-from"),
        pytest.param(b"From: Ana\nSubject: hi\n\nbody\n", "From", id="from-without-address"),
        pytest.param(b"Subject: x\n\n", "From", id="headers-only"),
    ],
)
def test_unusable_input_raises_malformed_mail(raw: bytes, reason: str) -> None:
    with pytest.raises(MalformedMail, match=reason):
        parse_mail(raw)


@pytest.mark.parametrize(
    ("from_", "expected"),
    [
        pytest.param(
            "=?utf-8?b?546L5LyfIDx3YW5nQGV4YW1wbGUuY29tPg==?=",
            ("王伟", "wang@example.com"),
            id="compat32-base64",
        ),
        pytest.param(
            "=?utf-8?q?=E7=8E=8B=E4=BC=9F_<wang@example.com>?=",
            ("王伟", "wang@example.com"),
            id="q-encoded-with-brackets-inside",
        ),
        pytest.param(
            "=?utf-8?b?546L5LyfIA==?= =?utf-8?b?PHdhbmdAZXhhbXBsZS5jb20+?=",
            ("王伟", "wang@example.com"),
            id="split-across-words",
        ),
        pytest.param("=?utf-8?b?d2FuZ0BleGFtcGxlLmNvbQ==?=", ("", "wang@example.com"), id="bare"),
    ],
)
def test_a_from_header_encoded_whole_is_decoded_before_its_address_is_read(
    from_: str, expected: tuple[str, str]
) -> None:
    mail = parse_mail(f"From: {from_}\nSubject: hi\n\nbody\n".encode())
    assert (mail.from_name, mail.from_address) == expected


def test_the_envelope_sender_answers_for_a_from_that_names_nobody() -> None:
    raw = b"Return-Path: <Ana@Example.com>\nFrom: Ana\nSubject: hi\n\nbody\n"
    assert parse_mail(raw).from_address == "ana@example.com"
    for unusable in (b"Return-Path: <>\n", b"Return-Path: nobody\n", b""):
        with pytest.raises(MalformedMail, match="From"):
            parse_mail(unusable + b"From: Ana\nSubject: hi\n\nbody\n")


def test_from_with_an_encoded_word_holding_a_comma() -> None:
    mail = parse_mail(header_mail().replace(b"Ana <", b"=?utf-8?Q?P=C3=A9rez,_Ana?= <"))
    assert (mail.from_name, mail.from_address) == ("Pérez, Ana", "ana@example.com")


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param("<p>One</p><p>Two</p>", "One\n\nTwo", id="paragraphs"),
        pytest.param("a<br>b<br/>c", "a\nb\nc", id="line-breaks"),
        pytest.param("<div>a</div>\n\n\n<div>b</div>", "a\nb", id="divs"),
        pytest.param("<ul><li>x</li><li>y</li></ul>after", "- x\n- y\nafter", id="list"),
        pytest.param(
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc", id="table"
        ),
        pytest.param(
            "<head><title>T</title><style>p{color:red}</style></head>"
            "<body><script>alert(1)</script>Hi</body>",
            "Hi",
            id="head-script-style-dropped",
        ),
        pytest.param("<head><title>T</title><body>Text", "Text", id="unclosed-head"),
        pytest.param(
            "caf&eacute; &amp; &lt;tea&gt;&nbsp;&#20320;", "café & <tea> 你", id="entities"
        ),
        pytest.param("<div>Hello\n     world</div>", "Hello world", id="white-space-collapsed"),
        pytest.param("<p>a</p><p></p><p></p><br><br><p>b</p>", "a\n\nb", id="blank-runs-collapsed"),
        pytest.param("<p>x</p><![foo[ y", "x", id="broken-marked-section"),
        pytest.param("", "", id="empty"),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


NEW = "The kettle leaks."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            f"{NEW}\n\nOn Mon, 2 Mar 2026 at 10:00, Ana <a@b> wrote:\n> old", NEW, id="gmail-en"
        ),
        pytest.param(
            f"{NEW}\n\nOn Mon, 2 Mar 2026 at 10:00, Ana <\na@b> wrote:\n\n> old",
            NEW,
            id="gmail-wrapped",
        ),
        pytest.param(
            f"{NEW}\n\nEl lun, 2 mar 2026 a las 10:00, Ana escribió:\n> viejo", NEW, id="gmail-es"
        ),
        pytest.param(f"{NEW}\n\n在 2026年3月2日 10:00，Ana <a@b> 写道：\n> 旧", NEW, id="zh-hans"),
        pytest.param(f"{NEW}\n\n於 2026年3月2日 上午10:00，Ana 寫道：\n> 舊", NEW, id="zh-hant"),
        pytest.param(
            f"{NEW}\n\n-----Original Message-----\nFrom: Ana\nold", NEW, id="outlook-original"
        ),
        pytest.param(
            f"{NEW}\n\nFrom: Ana <a@b>\nSent: Monday\nTo: me\n\nold", NEW, id="outlook-from-sent"
        ),
        pytest.param(f"{NEW}\n\n*From:* Ana\n*Sent:* Monday\n\nold", NEW, id="outlook-bold"),
        pytest.param(f"{NEW}\n\nDe: Ana\nEnviado: lunes\n\nviejo", NEW, id="outlook-es"),
        pytest.param(f"{NEW}\n\nDe: Ana\nEnviado el: lunes\n\nviejo", NEW, id="outlook-es-el"),
        pytest.param(
            f"{NEW}\n\n发件人: 客服\n发送时间: 2026年3月2日\n旧", NEW, id="outlook-zh-hans"
        ),
        pytest.param(f"{NEW}\n\n寄件者：客服\n舊", NEW, id="outlook-zh-hant"),
        pytest.param(f"{NEW}\n________________________________\nFrom: Ana", NEW, id="outlook-rule"),
        pytest.param(f"{NEW}\n\n-- \nAna\nPhone 555", NEW, id="signature-dash-dash-space"),
        pytest.param(f"{NEW}\n--\nAna", NEW, id="signature-dash-dash"),
        pytest.param(f"{NEW}\n\nSent from my iPhone", NEW, id="sent-from-iphone"),
        pytest.param(f"{NEW}\n\nEnviado desde mi iPhone", NEW, id="enviado-desde"),
        pytest.param(f"{NEW}\n\n发自我的iPhone", NEW, id="fa-zi-wo-de"),
        pytest.param(f"{NEW}\n\n從我的 iPhone 傳送", NEW, id="cong-wo-de"),
        pytest.param(f"{NEW}\n\n> old\n>\n> older\n\n", NEW, id="trailing-quote-block"),
        pytest.param(f"{NEW}\n\nAm 02.03.2026 schrieb Ana:\n> alt", NEW, id="unknown-attribution"),
        pytest.param(
            "> question 1\nanswer 1\n> question 2\nanswer 2",
            "> question 1\nanswer 1\n> question 2\nanswer 2",
            id="interleaved-kept",
        ),
        pytest.param("> only quoted\n> text", "> only quoted\n> text", id="nothing-left-keeps-all"),
        pytest.param(
            "-- \nonly a signature", "-- \nonly a signature", id="signature-only-keeps-all"
        ),
        pytest.param(
            "From: the shop I got nothing.\nPlease help.",
            "From: the shop I got nothing.\nPlease help.",
            id="from-line-without-sent",
        ),
        pytest.param(
            "On Monday at 10:00 the kettle exploded.\nIt wrote: error 5",
            "On Monday at 10:00 the kettle exploded.\nIt wrote: error 5",
            id="not-an-attribution",
        ),
        pytest.param("  \r\nHello\r\n\r\n", "Hello", id="trimmed"),
    ],
)
def test_strip_quoted(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


@pytest.mark.parametrize(
    ("signature", "phone"),
    [
        pytest.param("-- \nPablo Ruiz\nTel. 612 345 678\nCalle Mayor 5, Madrid", "612 345 678"),
        pytest.param("--\n刘洋\n手机：13700001234", "13700001234"),
        pytest.param("-- \n陳大文\n電話: (02) 2345-6789", "(02) 2345-6789"),
        pytest.param("-- \nAna\nMobile: +34 699 000 111\nFax: 91 000 00 00", "+34 699 000 111"),
        pytest.param("-- \nAna\n+44 20 7946 0958", "+44 20 7946 0958"),
        pytest.param("-- \nAna\nFax: 91 000 00 00", "", id="fax-only"),
        pytest.param("-- \nAna\n612 345 678\n699 000 111", "", id="two-bare-numbers"),
        pytest.param("-- \nAna\nCalle Mayor 5, 28013 Madrid", "", id="an-address"),
        pytest.param("-- \nAna\nOrder 2026-000123", "", id="words-before-number"),
        pytest.param("Sent from my iPhone", "", id="no-number"),
    ],
)
def test_signature_phone(signature: str, phone: str) -> None:
    assert signature_phone(signature) == phone


def test_the_signature_is_shown_but_not_read() -> None:
    reading = read_body(
        "Broken TV.\n\n-- \nPablo\nTel. 612 345 678\n\nOn Mon, 2 Mar 2026 "
        "at 10:00, Desk wrote:\n> old"
    )
    assert reading.text == "Broken TV."
    assert reading.shown == "Broken TV.\n\n-- \nPablo\nTel. 612 345 678"
    assert reading.signature == "-- \nPablo\nTel. 612 345 678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(f"On Mon, 2 Mar 2026 at 10:00, Desk wrote:\n> old\n>\n> older\n\n{NEW}", NEW),
        pytest.param(f"On Mon, 2 Mar 2026 at 10:00, Desk <\nd@x> wrote:\n> old\n\n{NEW}", NEW),
        pytest.param(f"在 2026年3月2日 10:00，客服 写道：\n> 旧\n\n{NEW}", NEW, id="zh"),
        pytest.param(f"> old\n> older\n\n{NEW}\n\n-- \nAna", NEW, id="no-attribution"),
        pytest.param("> q1\nanswer 1\n> q2\nanswer 2", "> q1\nanswer 1\n> q2\nanswer 2"),
    ],
)
def test_a_bottom_posted_reply_keeps_the_new_words(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


def test_an_html_signature_block_is_read_as_a_signature() -> None:
    """Gmail's HTML has no "-- " line before the signature; its plain part does."""
    html = (
        '<div dir="ltr">The TV switches off.<br clear="all"><div><div dir="ltr" '
        'class="gmail_signature">Pablo Ruiz<br>Tel. 612 345 678</div></div></div>'
    )
    reading = read_body(html_to_text(html))
    assert reading.text == "The TV switches off."
    assert signature_phone(reading.signature) == "612 345 678"
    assert "Tel. 612 345 678" in reading.shown
