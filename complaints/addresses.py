"""Where a message goes or comes from, as one value: `email:ana@example.com`,
`telegram:123456` (a chat id; negative for groups), `webhook:shop:42`. The store keeps the
text form; the outbox turns it back into a channel and an address for the dispatcher."""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaints.errors import AccountError

EMAIL = "email"
TELEGRAM = "telegram"
WEBHOOK = "webhook"
CHANNELS = (EMAIL, TELEGRAM, WEBHOOK)
"""Every channel a complaint can come by, as `Complaint.channel` names it."""

EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
"""An e-mail address as the desk accepts one: something, @, a domain with a dot."""
STAFF_ADDRESS = re.compile(r"^(email:[^@\s]+@[^@\s]+\.[^@\s]+|telegram:-?\d+)$")
"""A staff member's address: `email:…` or `telegram:<chat id>`."""
CONTACT_IN_TEXT = re.compile(r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+|\+?\d[\d ().-]{5,}\d")
"""An e-mail address or a phone number (seven digits or more, with spaces, dots, hyphens or
brackets between) written in a message: how to reach the writer, not what they say."""
STAFF_ADDRESS_HINT = '"email:someone@example.com" or "telegram:<chat id>"'


@dataclass(frozen=True, slots=True)
class Address:
    channel: str
    address: str

    @classmethod
    def parse(cls, text: str) -> Address:
        """`email:ana@example.com` → Address("email", "ana@example.com")."""
        channel, _, address = text.partition(":")
        return cls(channel, address)

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


def account_email(text: str) -> str:
    """An account's e-mail address, trimmed; empty is allowed (no address), anything else must
    be an address (AccountError otherwise)."""
    email = text.strip()
    if email and not EMAIL_ADDRESS.match(email):
        raise AccountError(
            "'%(email)s' is not an e-mail address; write it like someone@example.com, or leave "
            "it empty",
            email=email,
        )
    return email
