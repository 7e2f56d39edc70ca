"""The hourly limit of automatic answers to one sender (`[email] max_replies_per_hour`), in one
place: intake asks it before answering a sender's message, and the progress sweep before
sending an acknowledgement the limit withheld (outbox.late_acknowledgement).

It is against mail loops with autoresponders that mark nothing, so it counts only what such a
loop can cause: the bot's answers to the sender's own messages, acknowledgements and follow-up
confirmations (`store.queries.replies_since`). Notices that staff or the schedule cause are
neither counted nor held back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from store import queries

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class ReplyLimit:
    per_hour: Mapping[str, int] = field(default_factory=dict)
    """Per channel, the most answers one sender gets in an hour; a channel not named has no
    limit."""

    def over(self, session: Session, *, identity_id: int, channel: str, now: datetime) -> str:
        """Why no answer may go to this sender now (for the timeline), or "" when one may."""
        limit = self.per_hour.get(channel)
        if limit is None:
            return ""
        sent = queries.replies_since(session, identity_id, now - WINDOW)
        if sent >= limit:
            return f"{sent} automatic replies to this sender in the last hour (limit {limit})"
        return ""

    def room_at(
        self, session: Session, *, identity_id: int, channel: str, now: datetime
    ) -> datetime | None:
        """When the next answer may go to this sender: None if now, else just after enough
        of the answers within the hour have grown an hour old (`over` still counts one
        exactly an hour old)."""
        limit = self.per_hour.get(channel)
        if limit is None:
            return None
        times = queries.reply_times_since(session, identity_id, now - WINDOW)
        if len(times) < limit:
            return None
        return times[len(times) - limit] + WINDOW + timedelta(seconds=1)
