"""The webhook channel's settings: one `[webhook.sources.NAME]` table per calling system."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebhookSource:
    name: str
    secret: str
    callback_url: str = ""
