"""What the router reads of a message: its own small input type, not a channel's `Inbound`.

The router sits below the channels (design.md: `router` imports only `complaints`), so the caller
copies out the few facts a rule can test. That keeps `route` pure and lets a dry run or a
backtest build the same input from a pasted text or a stored complaint without pretending to be
a transport.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RoutingInput:
    """One message as the rules see it.

    `received_at` is the only clock the router has: deadlines count from it and `repeat` looks
    back from it. `tier` is the sender's tier as the channel reported it ("" when it did not);
    it wins over the tier in the customer's history.
    """

    text: str
    received_at: datetime
    subject: str = ""
    channel: str = ""
    language_hint: str = ""
    tier: str = ""
    has_attachment: bool = False
