"""The outbox's settings: `[outbox]`, how the dispatcher retries a message that did not go."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field


class OutboxSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=10, ge=1)
    """Then the message is marked failed and an event is recorded."""
    retry_base: timedelta = timedelta(seconds=5)
    """The first retry waits this long, each later one twice as long."""
    retry_max: timedelta = timedelta(hours=1)
    """The longest wait between two attempts."""
    send_timeout: timedelta = timedelta(seconds=10)
    lease: timedelta = Field(default=timedelta(seconds=30), ge=timedelta(seconds=1))
    """How long a claimed message is reserved for the instance sending it, renewed every third
    of it while the send runs: if that instance dies, another sends the message this long
    after the last renewal."""
