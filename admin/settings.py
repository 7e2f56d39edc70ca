"""The admin side's settings: `[[agents]]`, staff who act from Telegram groups (their departments
are checked against the rule set by `config`, which has both), and `[triage]`, the learned
category suggestion."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field


class AgentSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    telegram_user_id: int | None = None
    departments: tuple[str, ...] = ()
    senior: bool = False


class TriageSettings(BaseModel):
    """`[triage]`: the learned category suggestion used where no rule sets the category, and
    the learned grade that may raise the rules' grade."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    """The model decides the category when its top probability reaches this; below it the
    complaint gets routing.default_category and the tag needs-triage."""
    grade_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    """The grade model raises the grade to its own when its probability reaches this; 1 turns
    it off in effect (only a certain guess would count)."""
    urgent_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    """As grade_threshold, to raise to urgent: a false urgent pages the safety team."""
    retrain_every: timedelta = timedelta(minutes=1)
    """How often each instance looks for new corrections and, when there are, retrains."""
