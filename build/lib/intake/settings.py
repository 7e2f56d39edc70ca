"""Intake's settings: `[intake]` (limits on what a message may carry) and `[duplicates]`."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field


class IntakeSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attachment_bytes: int = Field(default=5 << 20, ge=1)
    max_attachments: int = Field(default=10, ge=0)


class DuplicateSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    window: timedelta = timedelta(days=2)
    """Complaints of one customer opened on other channels this long apart are compared."""
    similarity: float = Field(default=0.6, ge=0, le=1)
    """How alike two texts must be (0-1, word overlap) to be flagged as the same complaint."""
