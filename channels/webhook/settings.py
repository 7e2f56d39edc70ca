"""The webhook channel's settings: `[webhook]` and one `[webhook.sources.NAME]` table per
calling system."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)


class WebhookSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(json_schema_extra={"from_table_name": True})
    """The table's name (`shop` in `[webhook.sources.shop]`), filled in from the key: settings.toml
    may not write it (config.reading refuses it as an unknown key rather than overwrite it)."""
    secret: str = Field(default="", repr=False, validate_default=True)
    """Signs every request body (HMAC); both sides know it."""
    callback_url: str = ""
    """Where every message to the customer is also POSTed; empty: none."""

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str, info: ValidationInfo) -> str:
        if not value:  # left out, or written empty: say what to set, not what it lacks
            variable = re.sub(r"\W", "_", str(info.data.get("name", "source"))).upper()
            raise ValueError(
                "required: set a shared secret of at least 16 characters, "
                f'e.g. "${{{variable}_WEBHOOK_SECRET}}"'
            )
        if len(value) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @field_validator("callback_url")
    @classmethod
    def _callback_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


class WebhookSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_body_bytes: int = Field(default=10 << 20, ge=1024)
    """Larger requests are refused with 413."""
    sources: Mapping[str, WebhookSource] = {}

    @model_validator(mode="before")
    @classmethod
    def _name_the_sources(cls, data: Any) -> Any:
        """A source is named by its table, so its `name` comes from the key, not a value."""
        sources = data.get("sources") if isinstance(data, dict) else None
        if not isinstance(sources, dict):
            return data
        named = {
            key: {**value, "name": key} if isinstance(value, dict) else value
            for key, value in sources.items()
        }
        return {**data, "sources": named}
