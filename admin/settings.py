"""The admin side's settings: `[[agents]]`, staff who act from Telegram groups (their departments
are checked against the rule set by `config`, which has both), and `[triage]`, the learned
category suggestion."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from complaints.durations import PositiveDuration

log = logging.getLogger(__name__)


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
    grade_threshold: float = Field(default=0.65, ge=0.0, le=1.0)
    """The grade model raises the grade to its own when its probability reaches this; 1 turns
    it off in effect (only a certain guess would count)."""
    urgent_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    """As grade_threshold, to raise to urgent: a false urgent pages the safety team."""
    retrain_every: PositiveDuration = timedelta(minutes=1)
    """How often each instance looks for new corrections and, when there are, retrains."""
    model_cache: str = "auto"
    """The folder where this machine keeps fitted models by their digest, so a start on a new
    database loads one instead of fitting it (about 20 s): "auto" is the user's cache folder
    (`cache_folder`), "" keeps none, anything else is an absolute folder ("~" allowed)."""

    @field_validator("model_cache")
    @classmethod
    def _absolute(cls, value: str) -> str:
        """A relative folder would depend on the folder the bot happens to be started from. A
        folder under "~" is not expanded here: with no home folder known, expanding it fails,
        and `cache_folder` says so when it is used."""
        if value in ("", "auto") or value.startswith("~") or Path(value).is_absolute():
            return value
        raise ValueError(
            'write an absolute folder, e.g. "/var/cache/complaint-bot/triage", '
            '"auto" for the user\'s cache folder or "" for no cache'
        )

    def cache_folder(self, environ: Mapping[str, str] = os.environ) -> Path | None:
        """The folder `model_cache` names, None when it is off. "auto" follows the XDG base
        directories: $XDG_CACHE_HOME/complaint-bot/triage, else ~/.cache/complaint-bot/triage.

        With no home folder known (no HOME and no passwd entry: a container run under an
        arbitrary user id), "~" and "auto" without XDG_CACHE_HOME name no folder: a warning, and
        no cache, rather than a bot that does not start for want of an optional speed-up."""
        if not self.model_cache:
            return None
        try:
            if self.model_cache != "auto":
                return Path(self.model_cache).expanduser()
            base = environ.get("XDG_CACHE_HOME", "")
            root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
        except RuntimeError:
            log.warning(
                "triage model cache off: [triage] model_cache = %r needs a home folder and this "
                "user has none; set [triage] model_cache to an absolute folder the bot may "
                'write, or "" for no cache',
                self.model_cache,
            )
            return None
        return root / "complaint-bot" / "triage"
