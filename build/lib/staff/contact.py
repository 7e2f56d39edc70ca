"""Who sees a customer's contact data on a complaint, and the masked form others see.

Admins, the supervisors of the complaint's department and its assignee see everything; other
agents see enough to recognise the customer (a first name, an initial, the mail domain), never
a Telegram chat id, since that lets anyone write to the customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from complaints.access import at_least, sees
from complaints.addresses import TELEGRAM
from store.models import Agent, Complaint, Customer, Identity


def may_see_contact(viewer: Agent, complaint: Complaint) -> bool:
    """Admins, supervisors of the complaint's department and its assignee need the contact
    data; other agents only need to recognise the customer."""
    if viewer.role == "admin":
        return True
    if at_least(viewer, "supervisor") and sees(viewer, complaint.department):
        return True
    return bool(complaint.assignee) and complaint.assignee == viewer.name


def mask_email(address: str) -> str:
    """ "ana.perez@example.com" → "a***@example.com"."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if at else mask_text(address)


def mask_phone(phone: str) -> str:
    """Keep the layout, the first three and the last two digits: "+34 612 345 612" →
    "+34 6** *** *12"."""
    digits = [i for i, char in enumerate(phone) if char.isdigit()]
    shown = set(digits[:3] + digits[-2:]) if len(digits) > 6 else set(digits[-2:])
    return "".join(
        "*" if char.isdigit() and i not in shown else char for i, char in enumerate(phone)
    )


def mask_name(name: str) -> str:
    """ "Ana Pérez García" → "Ana P. G.": enough to greet, not to look someone up."""
    first, *rest = name.split() or [""]
    return " ".join([first, *(f"{part[:1]}." for part in rest)])


def mask_text(value: str) -> str:
    return f"{value[:1]}***" if value else ""


def _mask_address(identity: Identity) -> str:
    if identity.channel == TELEGRAM:
        return "(hidden)"  # a chat id lets anyone write to the customer: never shown masked
    if "@" in identity.address:
        return mask_email(identity.address)
    source, colon, customer = identity.address.partition(":")
    return f"{source}:{mask_text(customer)}" if colon else mask_text(identity.address)


def contact_for(
    viewer: Agent, complaint: Complaint, customer: Customer, identities: Iterable[Identity]
) -> dict[str, Any]:
    """The customer's contact data as `viewer` may see it on `complaint`; `masked` says which."""
    whole = may_see_contact(viewer, complaint)
    return {
        "masked": not whole,
        "name": customer.name if whole else mask_name(customer.name),
        "email": customer.email if whole else mask_email(customer.email),
        "phone": customer.phone if whole else mask_phone(customer.phone),
        "tier": customer.tier,
        "erased": customer.erased_at is not None,
        "identities": [
            {
                "channel": identity.channel,
                "address": identity.address if whole else _mask_address(identity),
                "display_name": identity.display_name
                if whole
                else mask_name(identity.display_name),
            }
            for identity in identities
        ],
    }
