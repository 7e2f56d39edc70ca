"""A factory for the router's input, so router tests need no channel types."""

from __future__ import annotations

from router import RoutingInput
from tests.factories import RECEIVED


def make_input(
    text: str,
    subject: str = "",
    channel: str = "webhook",
    tier: str = "",
    *,
    has_attachment: bool = False,
    language_hint: str = "",
) -> RoutingInput:
    """A message as the router sees it, received at `RECEIVED` (the factories' clock)."""
    return RoutingInput(
        text=text,
        received_at=RECEIVED,
        subject=subject,
        channel=channel,
        language_hint=language_hint,
        tier=tier,
        has_attachment=has_attachment,
    )
