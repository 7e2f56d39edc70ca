"""Mail whose 8-bit body carries no charset label: the bytes are read in the charset the mail
itself hints at (its encoded words), else guessed, and answered in the language they hold."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import sqlalchemy as sa

from channels.email.parse import parse_mail
from tests.mailpeers import Sink, send


def raw_mail(text: str, codec: str, subject: str, *, label: str = "text/plain") -> bytes:
    """A mail as an old client writes it: 8-bit body, no charset, an encoded-word subject."""
    word = base64.b64encode(subject.encode(codec)).decode()
    head = (
        "From: Zhao <zhao@customer.test>\r\nTo: complaints@example.com\r\n"
        f"Subject: =?{codec}?b?{word}?=\r\nMessage-ID: <u-{codec}@customer.test>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {label}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode() + text.encode(codec).replace(b"\n", b"\r\n") + b"\r\n"


GBK = "新买的空调晚上噪音太大，根本睡不着觉，请尽快派人上门检修。"
BIG5 = "新買的冷氣晚上噪音太大，根本睡不著覺，請盡快派人到府檢修。"
LATIN1 = "La lavadora que compré hace un mes no centrifuga y pierde agua. ¿Qué hago?"


async def test_a_gbk_body_without_a_charset_is_read_and_answered_in_chinese(
    mailbot: Any, sink: Sink
) -> None:
    await send(mailbot.smtp_port, raw_mail(GBK, "gbk", "空调噪音"), sender="zhao@customer.test")
    ack = await sink.next()
    engine = sa.create_engine(mailbot.store_url)
    with engine.connect() as connection:
        [row] = connection.execute(
            sa.text(
                "SELECT m.text, c.language FROM messages m JOIN complaints c"
                " WHERE m.direction = 'in'"
            )
        ).all()
    engine.dispose()
    assert (row.text, row.language) == (GBK, "zh-Hans")
    plain = ack.get_body(("plain",))
    assert plain is not None and "Dear" not in plain.get_content()
    assert "投诉编号" in plain.get_content()


@pytest.mark.parametrize(
    ("text", "codec", "subject"),
    [
        (GBK, "gbk", "空调噪音"),
        (GBK, "gb18030", "空调噪音"),
        (BIG5, "big5", "冷氣噪音"),
        ("電視問題", "big5", "電視"),  # short Big5 also reads as GB18030 Chinese: the hint decides
        (LATIN1, "iso-8859-1", "Lavadora rota"),
        (LATIN1, "iso-8859-1", "Lavadora"),
    ],
)
@pytest.mark.parametrize("label", ["text/plain", "text/plain; charset=us-ascii"])
def test_an_unlabelled_body_is_read_in_the_charset_of_its_encoded_words(
    text: str, codec: str, subject: str, label: str
) -> None:
    parsed = parse_mail(raw_mail(text, codec, subject, label=label))
    assert (parsed.text, parsed.subject) == (text, subject)


@pytest.mark.parametrize(("text", "codec"), [(GBK, "gbk"), (BIG5, "big5"), (LATIN1, "latin-1")])
def test_without_any_hint_the_body_is_guessed(text: str, codec: str) -> None:
    raw = raw_mail(text, codec, "x").replace(f"=?{codec}?b?eA==?=".encode(), b"Complaint")
    assert b"Subject: Complaint" in raw
    assert parse_mail(raw).text == text
