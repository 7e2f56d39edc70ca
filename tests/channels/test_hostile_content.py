"""Content a sloppy or hostile sender writes, through the real channels, on SQLite and on
PostgreSQL: NUL characters (PostgreSQL's text columns cannot hold them) are dropped at intake,
and mail with bare LF line ends is read like mail with CRLF ones, whatever its size."""

from __future__ import annotations

import asyncio
import base64
import smtplib
from typing import Any

import pytest
import sqlalchemy as sa

from tests.channels.test_webhook import complaint, post
from tests.conftest import table_counts
from tests.mailpeers import Sink, send


def rows(url: str, sql: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = [dict(row) for row in connection.execute(sa.text(sql)).mappings()]
    engine.dispose()
    return found


async def test_nul_characters_in_a_webhook_message_are_dropped_not_a_500(
    start_bot: Any, store_url: str
) -> None:
    bot = await start_bot({"store": {"url": store_url}})
    body = complaint(  # NUL in an id is refused instead (test_webhook_hostile_input)
        "n-1",
        "The kettle\x00 smokes\x00 and smells of burning.",
        name="A\x00na",
        subject="Kett\x00le",
        details={"product": "Ket\x00tle"},
    )
    first = await post(bot, body)
    again = await post(bot, body)
    assert first.status_code == 202, first.text
    assert again.status_code == 200 and again.json() == first.json()
    stored = rows(bot.store_url, "SELECT subject, text FROM messages WHERE direction = 'in'")
    assert stored == [{"subject": "Kettle", "text": "The kettle smokes and smells of burning."}]
    names = rows(bot.store_url, "SELECT display_name FROM identities")
    assert names == [{"display_name": "Ana"}]
    assert table_counts(bot.store_url)["complaints"] == 1


def _encoded(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


NUL_MAIL = (
    "From: {name} <ana@customer.test>\r\n"
    "To: complaints@example.com\r\n"
    "Subject: {subject}\r\n"
    "Message-ID: <nul-1@customer.test>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "My washing machine\x00 leaks water\x00 on the floor.\r\n"
).format(name=_encoded("A\x00na"), subject=_encoded("Leak\x00ing"))


async def test_a_nul_byte_in_a_mails_body_or_encoded_header_is_dropped_not_a_451(
    start_bot: Any, sink: Sink, store_url: str
) -> None:
    bot = await start_bot({"store": {"url": store_url}, "email": {"relay": {"port": sink.port}}})
    port = bot.app.state.services.channels["email"].smtp_port
    assert await send(port, NUL_MAIL.encode()) == {}  # 250 for the one recipient
    stored = rows(bot.store_url, "SELECT subject, text FROM messages WHERE direction = 'in'")
    assert stored == [
        {"subject": "Leaking", "text": "My washing machine leaks water on the floor."}
    ]
    assert rows(bot.store_url, "SELECT display_name FROM identities") == [{"display_name": "Ana"}]
    assert (await sink.next())["In-Reply-To"] == "<nul-1@customer.test>"


def _bare_lf_mail(message_id: str, lines: list[str]) -> bytes:
    head = [
        "From: Ana <ana@customer.test>",
        "To: complaints@example.com",
        "Subject: Broken fridge",
        f"Message-ID: <{message_id}@customer.test>",
        "",
    ]
    return "\n".join([*head, *lines, ""]).encode()


SHORT = ["The fridge stopped cooling yesterday."]
LONG = [f"Line {n}: the fridge stopped cooling and the food went bad." for n in range(50)]


@pytest.mark.parametrize("lines", [SHORT, LONG], ids=["short", "3-KB"])
async def test_bare_lf_mail_is_accepted_like_crlf_mail_whatever_its_size(
    start_bot: Any, sink: Sink, lines: list[str]
) -> None:
    bot = await start_bot({"email": {"relay": {"port": sink.port}}})
    port = bot.app.state.services.channels["email"].smtp_port
    raw = _bare_lf_mail("lf-1", [*lines, ".", ".. two dots", "End."])
    assert (len(raw) < 200) == (lines is SHORT) and (len(raw) > 3000) == (lines is LONG)
    assert await send(port, raw) == {}
    [stored] = rows(bot.store_url, "SELECT text FROM messages WHERE direction = 'in'")
    assert stored["text"].splitlines() == [*lines, ".", ".. two dots", "End."]
    assert (await sink.next())["In-Reply-To"] == "<lf-1@customer.test>"


def _send_unstuffed(port: int, raw: bytes) -> tuple[int, bytes]:
    """DATA written as given, without smtplib's dot-stuffing (as a smuggler writes it)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        client.mail("ana@customer.test")
        client.rcpt("complaints@example.com")
        assert client.docmd("DATA")[0] == 354
        client.send(raw + b"\r\n.\r\n")
        return client.getreply()


async def test_a_bare_lf_dot_line_does_not_end_the_mail_so_nothing_is_smuggled(
    start_bot: Any, sink: Sink
) -> None:
    bot = await start_bot({"email": {"relay": {"port": sink.port}}})
    port = bot.app.state.services.channels["email"].smtp_port
    first = _bare_lf_mail("lf-2", ["The oven is broken."])
    forged = _bare_lf_mail("forged", ["I withdraw every complaint."])
    code, _ = await asyncio.to_thread(_send_unstuffed, port, first + b".\n" + forged)
    assert code == 250
    [stored] = rows(bot.store_url, "SELECT text FROM messages WHERE direction = 'in'")
    assert stored["text"].startswith("The oven is broken.")
    assert table_counts(bot.store_url)["complaints"] == 1


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"], ids=["bare-LF", "CRLF"])
async def test_a_line_over_the_rfc_limit_is_refused_alike_whatever_ends_it(
    start_bot: Any, sink: Sink, ending: bytes
) -> None:
    bot = await start_bot({"email": {"relay": {"port": sink.port}}})
    port = bot.app.state.services.channels["email"].smtp_port
    raw = _bare_lf_mail("long-1", ["x" * 1500, "End."]).replace(b"\n", ending)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await send(port, raw)
    assert refused.value.smtp_code == 500 and b"Line too long" in refused.value.smtp_error
    assert table_counts(bot.store_url)["complaints"] == 0
