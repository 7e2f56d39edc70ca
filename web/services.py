"""The running bot's services, built once by `bot.py` and handed to the web side as one value.

`bot.py` stores a `Services` at `app.state.services`; routes never read it directly but
declare what they use with the `Annotated` aliases of `web.deps` (`AgentDeskDep`,
`RuleBookDep`, ...), so each route's signature says which services it touches. Frozen: the
set of services is fixed at start; what changes at run time (the active rule set) changes
inside a service (`RuleBook.current`), never by swapping an attribute here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from admin.accounts import Accounts
from admin.rule_book import RuleBook
from admin.triage import Triage
from complaints.clock import Clock
from config import Settings
from intake.dead_letters import DeadLetters, Reprocess
from intake.receive import Intake
from observe.metrics import Metrics
from outbox.dispatcher import Dispatcher
from outbox.templates import Replies
from scheduler.hot_spots import HotSpots
from scheduler.sweeps import Sweeps
from staff.actions import AgentDesk
from staff.canned_replies import CannedReplies
from staff.merge import Duplicates
from staff.solutions import Solutions
from store.database import Database


@dataclass(frozen=True, slots=True)
class Services:
    """Every service of one running bot; one instance per app."""

    settings: Settings
    clock: Clock
    database: Database
    rule_book: RuleBook
    triage: Triage
    """The triage model in force (`triage.current`), for dry runs and backtests."""
    accounts: Accounts
    agents: AgentDesk
    solutions: Solutions
    canned: CannedReplies
    duplicates: Duplicates
    replies: Replies
    intake: Intake
    dispatcher: Dispatcher
    sweeps: Sweeps
    hot_spots: HotSpots
    dead_letters: DeadLetters
    reprocessors: Mapping[str, Reprocess]
    """Per channel name, how its dead letters are reprocessed (the `dead-letters` command)."""
    can_send: Callable[[str, str], bool]
    """Whether a channel is running and can reach an address; what routes ask of channels."""
    metrics: Metrics
    """What the services count, rendered at /metrics (web/api_metrics.py)."""
    channels: Mapping[str, object]
    """The running transports by name, for `bot.py` and tests. Typed loosely on purpose: the
    web side does not import the transports, and routes reach them only through `can_send`."""
