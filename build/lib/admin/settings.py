"""The agents settings.toml names: `[[agents]]`, staff who act from Telegram groups.

Their departments are checked against the rule set by `config`, which has both.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AgentSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    telegram_user_id: int | None = None
    departments: tuple[str, ...] = ()
    senior: bool = False
