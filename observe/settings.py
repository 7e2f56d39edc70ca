"""What operators set about the bot's own reporting: `[log]` and `[metrics]`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class LogSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["text", "json"] = "text"
    """"json": one JSON object per line, for a log collector; "text" for people."""
    level: str = "INFO"
    """The command line's --log-level, when given, wins."""

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in LEVELS:
            raise ValueError(f"must be one of {', '.join(LEVELS)}")
        return value.upper()


class MetricsSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    """Serve Prometheus metrics at GET /metrics."""
    token: str = ""
    """When set, /metrics answers only requests with `Authorization: Bearer <token>`: for a bot
    whose HTTP port is reachable from the internet (webhooks, Telegram), so complaint volumes
    are not public."""
