"""Who sees a customer's contact data on a complaint, and the masked form others see: the one
home of what is masked.

The contact fields are what lets someone reach the customer: the e-mail address, the phone and
the channel addresses. Admins, the supervisors of the complaint's department and its assignee
see them whole; other agents see enough to recognise the customer (the mail domain, a few
digits), never a Telegram chat id, since that lets anyone write to the customer. The name is
not contact data: it is shown whole to everyone who may see the complaint, as the queue, the
letters in its timeline and the greeting of a canned reply show it. Only a name that is itself
a contact (an e-mail address or a phone number that a mail client or a chat put where the name
goes, "ana@example.com" <ana@example.com>) has that contact masked in it (`name_for`), so the
name cannot carry what the contact fields hide.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from complaints.access import at_least, sees
from complaints.addresses import CONTACT_IN_TEXT, TELEGRAM
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


def name_for(viewer: Agent, complaint: Complaint, name: str) -> str:
    """The customer's name as `viewer` sees it on `complaint` (the queue, the complaint page,
    the API): whole, as everyone who may see the complaint sees it."""
    return _name(name, may_see_contact(viewer, complaint))


def _name(name: str, whole: bool) -> str:
    """`name` whole, except an address or a number in it, masked as the contact it is when the
    viewer may not see contact data."""
    if whole:
        return name
    return CONTACT_IN_TEXT.sub(
        lambda found: mask_email(found[0]) if "@" in found[0] else mask_phone(found[0]), name
    )


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
    """The customer as `viewer` may see them on `complaint`: the name (and each address's
    display name) whole, the contact fields masked unless `may_see_contact`; `masked` says
    which."""
    whole = may_see_contact(viewer, complaint)
    return {
        "masked": not whole,
        "name": _name(customer.name, whole),
        "email": customer.email if whole else mask_email(customer.email),
        "phone": customer.phone if whole else mask_phone(customer.phone),
        "tier": customer.tier,
        "erased": customer.erased_at is not None,
        "identities": [
            {
                "channel": identity.channel,
                "address": identity.address if whole else _mask_address(identity),
                "display_name": _name(identity.display_name, whole),
            }
            for identity in identities
        ],
    }
