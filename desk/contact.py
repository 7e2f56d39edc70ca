"""Who may see a customer's contact data (seed 000: personal data only to those who need it).

The complaint's assignee, supervisors of its department and admins see it whole; other agents
of the department see it masked: enough to recognise a customer, not enough to copy it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desk.accounts import at_least, sees
from store.models import Agent, Complaint, Customer, Identity


def may_see_contact(viewer: Agent, complaint: Complaint) -> bool:
    if viewer.role == "admin":
        return True
    if at_least(viewer, "supervisor") and sees(viewer, complaint.department):
        return True
    return bool(complaint.assignee) and complaint.assignee == viewer.name


def mask(value: str) -> str:
    """ "ana.perez@example.com" → "a***@example.com"; "+34 612 345 678" → "+3*********78"."""
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def contact_for(
    viewer: Agent, complaint: Complaint, customer: Customer, identities: Iterable[Identity]
) -> dict[str, Any]:
    """The customer's contact data as `viewer` may see it; `masked` says which it is."""
    whole = may_see_contact(viewer, complaint)
    show = (lambda value: value) if whole else mask
    return {
        "masked": not whole,
        "name": customer.name,
        "email": show(customer.email),
        "phone": show(customer.phone),
        "tier": customer.tier,
        "erased": customer.erased_at is not None,
        "identities": [
            {
                "channel": identity.channel,
                "address": show(identity.address),
                "display_name": identity.display_name,
            }
            for identity in identities
        ],
    }
