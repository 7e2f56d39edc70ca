"""Every query and write, as plain functions over a `Session` the caller's transaction owns:
one module per aggregate. Nothing outside `store/` builds SQL.

New functions are keyword-only and imported from their module
(`from store.queries.accounts import agent_named`). The names below are the ones callers used
when this was one module (`queries.add_event(session, ...)`); they keep working.
"""

from store.queries.accounts import sync_agents
from store.queries.complaints import (
    change_status,
    complaint_by_number,
    complaint_by_references,
    complaint_of_customer,
    complaint_times,
    open_complaint,
)
from store.queries.customers import Party, identity_for, merge_customers
from store.queries.dead_letter_queue import dead_letters, keep_dead_letter
from store.queries.events import add_event, add_events
from store.queries.messages import (
    acknowledgement_written,
    add_attachments,
    add_messages,
    find_inbound,
    first_reply_after,
    origin_of,
    replies_since,
    reply_times_since,
    said_since,
)
from store.queries.outbox import (
    claim_due_deliveries,
    deliveries_by_transport_id,
    delivery,
    next_delivery_due,
    queue_delivery,
    queue_message,
)
from store.queries.rule_sets import record_rule_set, sync_departments
from store.queries.suppressions import clear_suppression, count_bounce, is_suppressed
from store.queries.tables import (
    ATTACHMENTS,
    COMPLAINTS,
    CUSTOMERS,
    EVENTS,
    IDENTITIES,
    MESSAGES,
    OUTBOX,
    SUPPRESSIONS,
)

__all__ = [
    "ATTACHMENTS",
    "COMPLAINTS",
    "CUSTOMERS",
    "EVENTS",
    "IDENTITIES",
    "MESSAGES",
    "OUTBOX",
    "SUPPRESSIONS",
    "Party",
    "acknowledgement_written",
    "add_attachments",
    "add_event",
    "add_events",
    "add_messages",
    "change_status",
    "claim_due_deliveries",
    "clear_suppression",
    "complaint_by_number",
    "complaint_by_references",
    "complaint_of_customer",
    "complaint_times",
    "count_bounce",
    "dead_letters",
    "deliveries_by_transport_id",
    "delivery",
    "find_inbound",
    "first_reply_after",
    "identity_for",
    "is_suppressed",
    "keep_dead_letter",
    "merge_customers",
    "next_delivery_due",
    "open_complaint",
    "origin_of",
    "queue_delivery",
    "queue_message",
    "record_rule_set",
    "replies_since",
    "reply_times_since",
    "said_since",
    "sync_agents",
    "sync_departments",
]
