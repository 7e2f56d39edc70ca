"""The console's settings: `[console]` (sessions, and the approval limit of solutions)."""

from __future__ import annotations

from datetime import timedelta

from babel.numbers import list_currencies
from pydantic import BaseModel, ConfigDict, Field, field_validator

from complaints.durations import PositiveDuration

_ISO_4217 = frozenset(list_currencies())
"""The currency codes Babel can write amounts in: the ISO 4217 list."""


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
        """A code Babel knows (its ISO 4217 list), since every amount is written with it: an
        unknown one ("XYZ") would pass a pattern and write "XYZ 150.00" to customers."""
        if value not in _ISO_4217:
            raise ValueError(
                'must be an ISO 4217 code such as "EUR", "USD", "CNY", "TWD" or "MXN", '
                f"not {value!r}"
            )
        return value

    @property
    def approval_above_cents(self) -> int:
        return round(self.approval_above * 100)
