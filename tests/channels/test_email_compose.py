"""The bot's mail as written directly to bytes reads back cleanly with the `email` package."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from channels.base import Outbound
from channels.email.compose import MessageIds, compose
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
    assert message["References"].split() == [f"<r{i}@c.test>" for i in range(4, 14)]
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and plain.get_content() == text
    assert html is not None and "投诉编号" in html.get_content()
    assert not message.defects and not plain.defects


def test_a_line_break_in_a_value_cannot_add_a_header() -> None:
    message = written("Hello\r\nBcc: everyone@example.org", "Hi", "ana@customer.test\nX-Evil: 1")
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "everyone@example.org" in message["Subject"]
