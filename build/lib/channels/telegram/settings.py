"""The Telegram channel's settings: `[telegram]`.

When the channel is disabled its token and webhook keys are not checked: the shipped file
leaves them empty.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

_TOKEN = re.compile(r"^\d+:[\w-]{20,}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


class TelegramSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    token: str = Field(default="", repr=False, validate_default=True)
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = Field(default="", validate_default=True)
    webhook_secret: str = Field(default="", repr=False, validate_default=True)
    poll_timeout: int = Field(default=30, ge=0, le=600)

    @field_validator("token")
    @classmethod
    def _token(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("enabled") and not _TOKEN.match(value):
            raise ValueError(
                "must be the token @BotFather gave, like "
                "'123456789:AA…' (or \"${TELEGRAM_BOT_TOKEN}\")"
            )
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str, info: ValidationInfo) -> str:
        if _in_webhook_mode(info) and not value.startswith("https://"):
            raise ValueError(
                "the public https:// URL of /telegram/webhook is needed in webhook mode"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str, info: ValidationInfo) -> str:
        if _in_webhook_mode(info) and not _WEBHOOK_SECRET.match(value):
            raise ValueError(
                "16-256 characters of A-Z, a-z, 0-9, _ and - are needed in webhook mode"
            )
        return value


def _in_webhook_mode(info: ValidationInfo) -> bool:
    return bool(info.data.get("enabled")) and info.data.get("mode") == "webhook"
