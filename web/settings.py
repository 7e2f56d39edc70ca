"""The console's settings: `[console]` (sessions, and the approval limit of solutions)."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from complaints.durations import PositiveDuration


class ConsoleSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    session_lifetime: PositiveDuration = timedelta(hours=12)
    secure_cookies: bool = False
    """Mark the session cookie Secure: set it when the console is served over https."""
    approval_above: float = Field(default=100.0, ge=0)
    """A solution whose amount exceeds this (in `currency`) waits for a supervisor's approval."""
    currency: str = "EUR"

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError("must be an ISO 4217 code such as EUR or CNY")
        return value

    @property
    def approval_above_cents(self) -> int:
        return round(self.approval_above * 100)
