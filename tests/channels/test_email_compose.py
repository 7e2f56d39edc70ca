"""The bot's mail as written directly to bytes reads back cleanly with the `email` package."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from channels.base import Outbound
from channels.email.compose import MessageIds, compose
from channels.email.headers import decode_words
from channels.email.settings import EmailSettings

SETTINGS = EmailSettings(
    address="complaints@example.com", display_name="Atención al cliente", signing_secret="s" * 32
)
IDS = MessageIds(SETTINGS.signing_secret, "example.com")


def written(subject: str, text: str, address: str = "ana@customer.test") -> EmailMessage:
    outbound = Outbound(
        message_id="7",
        complaint_number="C-2026-000042",
        kind="acknowledgement",
        text=text,
        language="es",
        subject=subject,
        extra={"in_reply_to": "m1@c.test", "references": [f"r{i}@c.test" for i in range(14)]},
    )
    mail = compose(SETTINGS, IDS, address, outbound)
    assert mail.data.count(b"\n") == mail.data.count(b"\r\n"), "CRLF line endings only"
    assert max(len(line) for line in mail.data.split(b"\r\n")) <= 998
    message = message_from_bytes(mail.data, policy=default)
    assert isinstance(message, EmailMessage)
    assert message["Message-ID"] == f"<{mail.message_id}>"
    assert IDS.verify(mail.message_id) == ("C-2026-000042", True)
    return message


@pytest.mark.parametrize(
    "subject", ["Broken kettle", "Lavadora rota: ¿cuándo?", "吹风机坏了" * 40, "=?utf-8?q?x?="]
)
def test_subject_text_and_threading_read_back(subject: str) -> None:
    text = "Estimada Ana,\n\n.Una línea con punto — 投诉编号 C-2026-000042.\n"
    message = written(subject, text)
    assert message["Subject"] == f"[C-2026-000042] Re: {subject}"
    assert message["From"].addresses[0].display_name == "Atención al cliente"
    assert message["In-Reply-To"] == "<m1@c.test>"
    # the first id roots the thread, the latest nine tie it to the mails just before
    assert message["References"].split() == [f"<r{i}@c.test>" for i in (0, *range(5, 14))]
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and plain.get_content() == text
    assert html is not None and "投诉编号" in html.get_content()
    assert not message.defects and not plain.defects


@pytest.mark.parametrize(
    "subject",
    [
        "Lavadora rota: ¿cuándo me devuelven el dinero? Ya van tres semanas esperando",
        "快递包裹破损，要求退款" * 7,
        "😡🔥 e\u0301 " * 12 + "!",
        "ａ" * 13 + "x",
        "tab\there",
        "x" * 950,
    ],
)
def test_a_subject_is_written_in_encoded_words_of_whole_characters(subject: str) -> None:
    """Each encoded word holds whole UTF-8 characters (readers decode word by word) and
    every line of the field, the first with its name, stays within RFC 5322's 78."""
    outbound = Outbound("7", "C-2026-000042", "acknowledgement", "Hi", "es", subject=subject)
    head = compose(SETTINGS, IDS, "ana@customer.test", outbound).data.split(b"\r\n\r\n")[0]
    lines = head.decode("ascii").split("\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Subject: "))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    field = lines[start:end]
    assert all(len(line) <= 78 for line in field)
    words = " ".join(field).removeprefix("Subject: ").split()
    for word in words:
        assert word.startswith("=?utf-8?b?") and word.endswith("?=")
        base64.b64decode(word[10:-2]).decode("utf-8")  # whole characters: no error
    read = message_from_bytes(head + b"\r\n\r\n", policy=default)["Subject"]
    assert read == f"[C-2026-000042] Re: {subject}"
    assert decode_words(" ".join(words)) == " ".join(read.split())


def test_a_line_break_in_a_value_cannot_add_a_header() -> None:
    message = written("Hello\r\nBcc: everyone@example.org", "Hi", "ana@customer.test\nX-Evil: 1")
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "everyone@example.org" in message["Subject"]


_DOT_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
MSG_ID = re.compile(rf"^<{_DOT_ATOM}@{_DOT_ATOM}>$")
"""RFC 5322 msg-id as a generator must write it: dot-atoms either side of the "@"."""


@pytest.mark.parametrize(
    ("number", "message_id", "kind"),
    [
        ("C-2026-000042", "C-2026-000042-M7", "acknowledgement"),  # about a complaint
        ("C-2026-000042", "C-2026-000042-M8", "reply"),  # an agent's answer
        ("", "-M9", "notification"),  # a staff notice about no complaint (outbox.outbound)
        ("", "kept-1", "notification"),  # the dead-letter notice (channels/email/channel.py)
        ("", "link-0a1b2c3d4e5f6a7b", "notification"),  # a /link code (intake/chat_link.py)
    ],
)
def test_every_kind_of_message_id_is_valid_and_dated_in_utc(
    number: str, message_id: str, kind: str
) -> None:
    outbound = Outbound(message_id, number, kind, "Hi", "en", subject="x")
    mail = compose(SETTINGS, IDS, "ana@customer.test", outbound)
    message = message_from_bytes(mail.data, policy=default)
    assert MSG_ID.match(message["Message-ID"]), message["Message-ID"]
    assert message["Message-ID"] == f"<{mail.message_id}>"
    assert IDS.verify(mail.message_id) == ((number, kind != "reply") if number else None)
    assert str(message["Date"]).endswith(" +0000"), "RFC 5322: -0000 means the zone is unknown"
    assert message["Date"].datetime.utcoffset() == timedelta(0)


NAMES = {
    "en": "Customer care",
    "es": "Atención al cliente",
    "zh-Hans": "客户服务部",
    "zh-Hant": "客戶服務部",
}


@pytest.mark.parametrize("language", sorted(NAMES))
def test_the_from_names_the_company_in_the_readers_language(language: str) -> None:
    settings = SETTINGS.model_copy(update={"display_name": NAMES})
    outbound = Outbound("7", "C-2026-000042", "acknowledgement", "Hi", language, subject="x")
    mail = compose(settings, IDS, "ana@customer.test", outbound)
    sender = message_from_bytes(mail.data, policy=default)["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (NAMES[language], "complaints@example.com")


def test_a_display_name_string_is_the_same_in_every_language() -> None:
    assert {SETTINGS.display_name_in(language) for language in NAMES} == {"Atención al cliente"}
