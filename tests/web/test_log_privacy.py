"""No personal data and no secret in any log record: the real bot, with the logging set up as
`cli.main` sets it up, driven through the webhook, the customer search, a database error and
Telegram polling; every record (message and traceback) is searched for what must not be there."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from observe.logs import protect_logs
from tests.channels.test_telegram import CUSTOMER, TOKEN, fake, say, telegram_settings, until
from tests.conftest import signed
from tests.telegram_api import FakeTelegram
from tests.web.conftest import Desk

__all__ = ["fake"]  # the fixture, shared with the Telegram tests

ADDRESS = "ana.private@example.org"
TEXT = "my neighbour Señora Quintana-Whitfield broke the blender"
LOGGERS = ("uvicorn.access", "httpx", "mail.log", "telegram", "httpcore")


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record at INFO and above, with the bot's log protection in place (undone after)."""
    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [(logger.level, list(logger.filters)) for logger in loggers]
    caplog.set_level(logging.INFO)
    protect_logs()
    for name in ("uvicorn.access", "uvicorn.error", "httpx"):
        caplog.set_level(logging.INFO, logger=name)
    yield caplog
    for logger, (level, filters) in zip(loggers, saved, strict=True):
        logger.setLevel(level)
        logger.filters[:] = filters


def everything(caplog: pytest.LogCaptureFixture) -> str:
    """All records as a handler writes them: message and formatted traceback."""
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def complaint(id_: str) -> dict[str, Any]:
    return {
        "id": id_,
        "customer": {"id": "c-1", "name": "Ana Pérez", "email": ADDRESS},
        "text": TEXT,
    }


async def test_webhook_search_and_a_database_error_log_no_address_or_text(
    shop: Desk, logged: pytest.LogCaptureFixture
) -> None:
    await shop.complain(TEXT, id_="m-1", contact={"email": ADDRESS})
    admin = await shop.account("Root", role="admin", departments=())
    found = await admin.get("/api/customers", params={"q": ADDRESS})
    assert found.status_code == 200, found.text
    assert len(found.json()) == 1

    # A database error nobody handles: the store refuses every new message row.
    engine = sa.create_engine(shop.bot.store_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON messages "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
    engine.dispose()
    raw, headers = signed(complaint("m-2"))
    async with httpx.AsyncClient(base_url=shop.url, timeout=10) as client:
        failed = await client.post("/webhook/shop", content=raw, headers=headers)
    assert failed.status_code == 500

    text = everything(logged)
    assert "/api/customers" in text  # the access log is on, and was searched
    assert "refused by the test" in text  # the error was logged, and was searched
    assert "ana.private" not in text  # the address, as it is and as a URL quotes it
    assert "Quintana-Whitfield" not in text


async def test_telegram_polling_logs_no_token_or_text(
    fake: FakeTelegram, start_bot: Any, logged: pytest.LogCaptureFixture
) -> None:
    await start_bot(telegram_settings(fake))
    await say(fake, TEXT)
    await until(fake, CUSTOMER, "")

    text = everything(logged)
    assert "getUpdates" in text  # httpx's request log is on, and was searched
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    assert "Quintana-Whitfield" not in text
