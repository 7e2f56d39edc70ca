"""What the console and the API show of the rule set versions: which one routes and why, and
each stored version's details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ActiveVersion:
    version: int
    origin: str
    """How it became active: settings (settings.toml at start), console, import, or rollback
    (an earlier version made active again)."""
    changed_at: datetime
    changed_by: str
    settings_version: int
    """The version settings.toml holds; differs from `version` when the console's wins."""

    @property
    def agrees_with_settings(self) -> bool:
        return self.version == self.settings_version

    @property
    def which_wins(self) -> str:
        """One sentence for the console: which rules route, and why."""
        if self.agrees_with_settings:
            return (
                f"settings.toml and the active rules agree (version {self.version}); "
                "a change in the console or in settings.toml makes a new version."
            )
        return (
            f"Version {self.version} ({self.origin}, by {self.changed_by or 'unknown'}) routes, "
            f"not settings.toml's version {self.settings_version}: the newest change wins, so "
            "it stays active across restarts until settings.toml's routing tables are edited, "
            "which makes the file's rules active again."
        )


@dataclass(frozen=True)
class VersionInfo:
    version: int
    origin: str
    author: str
    note: str
    created_at: datetime
    active: bool
