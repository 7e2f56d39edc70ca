"""Content a sloppy or hostile sender writes, through the real channels, on SQLite and on
PostgreSQL: NUL characters (PostgreSQL's text columns cannot hold them) are dropped at intake."""

from __future__ import annotations

import base64
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


@pytest.fixture
async def sink() -> Any:
    relay = await Sink().start()
    yield relay
    await relay.stop()


async def test_nul_characters_in_a_webhook_message_are_dropped_not_a_500(
    start_bot: Any, store_url: str
) -> None:
    bot = await start_bot({"store": {"url": store_url}})
    body = complaint(
        "n-\x001",
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
