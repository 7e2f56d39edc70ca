"""Builders of realistic input shared by the tests."""

from __future__ import annotations

from channels.base import Attachment, Inbound, Sender
from tests.conftest import START

RECEIVED = START


def make_inbound(
    text: str,
    subject: str = "",
    channel: str = "webhook",
    tier: str = "",
    attachments: tuple[Attachment, ...] = (),
    language_hint: str = "",
    *,
    external_id: str = "msg-1",
    customer: str = "customer-1",
    source: str = "",
) -> Inbound:
    """One message from `customer`, received at `RECEIVED`, as a channel would hand it over."""
    return Inbound(
        channel=channel,
        external_id=external_id,
        sender=Sender(channel=channel, address=customer, display_name="Ana", tier=tier),
        text=text,
        received_at=RECEIVED,
        subject=subject,
        language_hint=language_hint,
        attachments=attachments,
        source=source,
    )
