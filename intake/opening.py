"""A message that continues nothing opens a complaint: the router grades it, the due times
are set, and its department's group hears of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from channels.base import Inbound
from complaints.fields import REGISTRATION_FIELDS
from complaints.names import identifying
from intake.case import Case, event
from outbox.notify import Notifier
from outbox.staff_texts import StaffWord
from router import HISTORY_WINDOW, CustomerHistory, Decision, RoutingInput, RuleSet, route
from router.model import CategoryModel
from router.stored_trace import stored
from scheduler.due import DueTimes
from store import queries
from store.queries.complaints import complaint_by_id

GROUP_POST_LIMIT = 3000
"""Keep a group post within one Telegram message, so a reply to it always finds it."""


@dataclass(frozen=True)
class Opening:
    """What opening a complaint needs besides the message."""

    rules: RuleSet
    due: DueTimes
    default_language: str
    notifier: Notifier
    model: CategoryModel | None = None
    """The triage model: the category where no rule sets one."""


def routing_input(inbound: Inbound) -> RoutingInput:
    """What the router reads of a message."""
    return RoutingInput(
        text=inbound.text,
        received_at=inbound.received_at,
        subject=inbound.subject_besides_text,
        channel=inbound.channel,
        language_hint=inbound.language_hint,
        tier=inbound.sender.tier,
        has_attachment=bool(inbound.attachments),
    )


def open_complaint(
    session: Session,
    inbound: Inbound,
    party: queries.Party,
    now: datetime,
    events: list[dict[str, Any]],
    opening: Opening,
    *,
    answered_at_once: bool,
) -> Case:
    """Route the message and open its complaint; append the routing events. A channel that
    answers in its response (the webhook) acknowledges it at once."""
    history = CustomerHistory(
        party.tier,
        queries.complaint_times(session, party.customer_id, inbound.received_at - HISTORY_WINDOW)
        if party.known
        else (),
    )
    decision = route(
        routing_input(inbound),
        history,
        opening.rules,
        opening.due.service_levels,
        opening.default_language,
        model=opening.model,
    )
    status = "acknowledged" if answered_at_once else "new"
    values = {
        "customer_id": party.customer_id,
        "identity_id": party.identity_id,
        "channel": inbound.channel,
        "source": inbound.source,
        "status": status,
        "grade": decision.grade,
        "category": decision.category,
        "department": decision.department,
        "language": inbound.chosen_language or decision.language,  # the customer's choice wins
        "subject": inbound.subject[:200],
        "tags": list(decision.tags),
        "rule_set_version": decision.rule_set_version,
        "routing_trace": stored(decision.trace),
        "created_at": now,
        "updated_at": now,
        **opening.due.on_open(decision, now),
        **{key: inbound.details[key] for key in REGISTRATION_FIELDS if inbound.details.get(key)},
    }
    complaint_id, number = queries.open_complaint(session, values)
    events.append(event(complaint_id, now, "router", "routed", _routed(decision)))
    _post_to_department(session, inbound, party, decision, complaint_id, now, opening)
    if answered_at_once:
        why = f"acknowledged in the {inbound.channel} response"
        detail = {"from": "new", "to": "acknowledged", "why": why}
        events.append(event(complaint_id, now, "system", "status_changed", detail))
    return Case(
        complaint_id,
        number,
        status,
        decision.grade,
        decision.category,
        decision.department,
        inbound.chosen_language or decision.language,
        decision.first_response_due,
    )


def _routed(decision: Decision) -> dict[str, Any]:
    return {
        "category": decision.category,
        "department": decision.department,
        "grade": decision.grade,
        "language": decision.language,
        "tags": list(decision.tags),
        "rule_set_version": decision.rule_set_version,
    }


def _post_to_department(
    session: Session,
    inbound: Inbound,
    party: queries.Party,
    decision: Decision,
    complaint_id: int,
    now: datetime,
    opening: Opening,
) -> None:
    """Post the new complaint to its department's group, where agents answer by reply."""
    group = opening.notifier.department_group(decision.department)
    if group is None:
        return
    complaint = complaint_by_id(session, complaint_id=complaint_id)
    assert complaint is not None
    category = opening.rules.categories[decision.category].names.get(
        opening.default_language, decision.category
    )
    said = inbound.subject_besides_text
    subject = clip(said + "\n") if said else ""
    opening.notifier.tell_staff(
        session,
        complaint,
        group,
        "group_post",
        now,
        grade=decision.grade,
        category=category,
        customer=identifying(party.name) or StaffWord("customer"),
        channel=inbound.channel,
        subject=subject,
        text=clip(inbound.text),
    )


def clip(text: str, limit: int = GROUP_POST_LIMIT) -> str:
    """`text` within `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
