"""Fixtures of the channel tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mailpeers import Sink


@pytest.fixture
async def mailbot(start_bot: Any, sink: Sink) -> Any:
    """The bot with its mail relay the test's sink; `smtp_port` is its SMTP intake's port.
    A file that needs other settings defines its own `mailbot`."""
    bot = await start_bot({"email": {"relay": {"port": sink.port}}})
    bot.smtp_port = bot.app.state.services.channels["email"].smtp_port
    return bot
