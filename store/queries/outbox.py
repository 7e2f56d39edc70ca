"""The outbox: everything that must still be delivered, queued in the transaction of its cause
and claimed by the dispatcher under a lease."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from complaints.addresses import WEBHOOK
from store.direct import DirectInsert
from store.models import Complaint, OutboxItem
from store.queries.messages import add_messages
from store.queries.tables import OUTBOX, with_defaults

_INSERT_DELIVERY = DirectInsert(OUTBOX)


Lane = tuple[str, str]
"""Deliveries the dispatcher sends apart from the rest: a channel and, for a webhook callback,
the source's prefix of the address, e.g. `("email", "")` or `("webhook", "shop:")`."""


def lane_of(channel: str, address: str) -> Lane:
    """A delivery's lane: `(channel, "")`, or for a webhook callback `("webhook", "shop:")`
    (the source of `shop:42`; an address without a source is in the channel's own lane)."""
    source, colon, _customer = address.partition(":")
    if channel != WEBHOOK or not colon:
        return channel, ""
    return channel, source + colon


def lane_key(lane: Lane) -> str:
    """The lane as the `outbox.lane` column holds it: `email:`, `webhook:shop:` (migration
    0013 computes the same in SQL for the rows queued before it)."""
    channel, prefix = lane
    return f"{channel}:{prefix}"


def queue_delivery(session: Session, values: Mapping[str, Any]) -> None:
    lane = lane_key(lane_of(values["channel"], values["address"]))
    _INSERT_DELIVERY.rows(session, [with_defaults(OutboxItem, {**values, "lane": lane})])


def claim_due_deliveries(
    session: Session,
    now: datetime,
    lease: timedelta,
    limit: int,
    *,
    skipping: Collection[Lane] = (),
    since: datetime | None = None,
) -> list[OutboxItem]:
    """Take up to `limit` due deliveries, none of the lanes in `skipping`, and lease them, so
    no other dispatcher sends them.

    The lease is `next_attempt_at` moved forward: if this process dies while sending, the item
    becomes due again when the lease runs out. On PostgreSQL, SKIP LOCKED lets several
    dispatchers claim disjoint items at once. `since`: the caller knows of no item of the
    other lanes due earlier, so the scan starts there, past the skipped lanes' older backlog.
    """
    items = list(
        session.exec(
            select(OutboxItem)
            .where(
                OutboxItem.status == "pending",
                OutboxItem.next_attempt_at <= now,
                *_outside(skipping, since),
            )
            .order_by(col(OutboxItem.next_attempt_at), col(OutboxItem.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for item in items:
        item.attempts += 1
        item.next_attempt_at = now + lease
    return items


def _outside(lanes: Collection[Lane], since: datetime | None) -> list[sa.ColumnElement[bool]]:
    """Conditions that leave out the deliveries of these lanes and those due before `since`."""
    conditions: list[sa.ColumnElement[bool]] = []
    if since is not None:
        conditions.append(col(OutboxItem.next_attempt_at) >= since)
    if lanes:
        conditions.append(col(OutboxItem.lane).not_in([lane_key(lane) for lane in lanes]))
    return conditions


def renew_leases(session: Session, claims: Sequence[tuple[int, int]], until: datetime) -> int:
    """Move the lease of claimed deliveries to `until`; how many were still this claim's.

    A claim is `(id, attempts)` as claimed: an item that another dispatcher claimed since
    (its lease had run out, so `attempts` grew) or whose outcome is recorded is left alone."""
    if not claims:
        return 0
    result = session.connection().execute(
        sa.update(OUTBOX)
        .where(
            OUTBOX.c.status == "pending",
            sa.tuple_(OUTBOX.c.id, OUTBOX.c.attempts).in_(list(claims)),
        )
        .values(next_attempt_at=until)
    )
    return result.rowcount


def _next_due_statement() -> sa.Select[Any]:
    """The first due time of the pending deliveries outside the lanes bound as `skipped`.

    A few index lookups per lane with pending deliveries (ix_outbox_lane_due), whatever their
    number: the lanes are found one after the other (each the first lane above the last), and
    each lane not skipped gives its first due time. Scanning the pending deliveries in time
    order instead reads past every delivery of the skipped lanes due before the first of the
    others': 8 ms per 10,000 waiting behind a callback target that never answers, at every look
    (bench/outbox_lanes.py). Built once: building it takes longer than running it."""
    step, row = OUTBOX.alias("step"), OUTBOX.alias("row")
    lanes = (
        sa.select(func.min(OUTBOX.c.lane).label("lane"))
        .where(OUTBOX.c.status == "pending")
        .cte("lanes", recursive=True)
    )
    above = (
        sa.select(func.min(step.c.lane))
        .where(step.c.status == "pending", step.c.lane > lanes.c.lane)
        .scalar_subquery()
    )
    lanes = lanes.union_all(sa.select(above).where(lanes.c.lane.is_not(None)))
    # The lane's first due time as the first row at or after the lane in the index's order: with
    # `lane =` and min(), PostgreSQL's planner takes the min from ix_outbox_due and filters by
    # lane, which is the very pass over a stuck lane's backlog this query exists to avoid.
    first_due = (
        sa.select(row.c.next_attempt_at)
        .where(row.c.status == "pending", row.c.lane >= lanes.c.lane)
        .order_by(row.c.lane, row.c.next_attempt_at)
        .limit(1)
        .scalar_subquery()
    )
    due = sa.select(first_due.label("due")).where(
        lanes.c.lane.is_not(None),
        lanes.c.lane.not_in(sa.bindparam("skipped", expanding=True)),
    )
    return sa.select(func.min(due.subquery().c.due))


_NEXT_DUE = _next_due_statement()


def next_delivery_due(session: Session, *, skipping: Collection[Lane] = ()) -> datetime | None:
    """When the next pending delivery, none of the lanes in `skipping`, falls due."""
    skipped = [lane_key(lane) for lane in skipping]
    due: datetime | None = session.connection().execute(_NEXT_DUE, {"skipped": skipped}).scalar()
    return due


def delivery(session: Session, item_id: int) -> OutboxItem | None:
    return session.get(OutboxItem, item_id)


def deliveries_with_complaints(
    session: Session, item_ids: Sequence[int]
) -> dict[int, tuple[OutboxItem, Complaint | None]]:
    """The deliveries by id, each with its complaint, in one query: recording a batch of
    outcomes reads them all at once instead of two lookups per delivery."""
    if not item_ids:
        return {}
    rows = session.exec(
        select(OutboxItem, Complaint)
        .join(Complaint, col(Complaint.id) == OutboxItem.complaint_id, isouter=True)
        .where(col(OutboxItem.id).in_(list(item_ids)))
    )
    return {item.id or 0: (item, complaint) for item, complaint in rows}


def deliveries_by_transport_id(
    session: Session, channel: str, transport_ids: Sequence[str]
) -> list[OutboxItem]:
    """The deliveries the transport knows by any of these ids. A delivery sent as several
    messages (a long Telegram text in parts) holds each part's id, space-separated, and is
    found by any of them."""
    column = col(OutboxItem.transport_id)
    among = [
        condition
        for wanted in transport_ids
        for condition in (
            column.startswith(f"{wanted} ", autoescape=True),
            column.endswith(f" {wanted}", autoescape=True),
            column.contains(f" {wanted} ", autoescape=True),
        )
    ]
    found = sa.or_(column.in_(transport_ids), *among)
    return list(session.exec(select(OutboxItem).where(OutboxItem.channel == channel, found)))


def deliveries_concerning(
    session: Session,
    *,
    addresses: Sequence[tuple[str, str]],
    complaint_ids: Sequence[int],
    message_ids: Sequence[int],
) -> list[OutboxItem]:
    """Deliveries to any of these (channel, address) pairs, or about these complaints or
    messages, oldest first."""
    addressed = [
        sa.and_(col(OutboxItem.channel) == channel, col(OutboxItem.address) == address)
        for channel, address in addresses
    ]
    return list(
        session.exec(
            select(OutboxItem)
            .where(
                sa.or_(
                    *addressed,
                    col(OutboxItem.complaint_id).in_(complaint_ids),
                    col(OutboxItem.message_id).in_(message_ids),
                )
            )
            .order_by(col(OutboxItem.id))
        )
    )


def queue_message(
    session: Session,
    complaint: Complaint,
    channel: str,
    address: str,
    kind: str,
    text: str,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
    *,
    to_customer: bool = True,
    text_key: str = "",
    author: str = "bot",
) -> int:
    """Record a message about `complaint` and queue it for `address`; return its id.
    A message to staff (`to_customer=False`) is not counted as written to the customer. The
    message is recorded as `text_key` (the text it says: "resolved", "rejected_notice"…, what
    the timeline shows) when given, else as `kind`, which its delivery keeps either way.
    `author` is the bot's, or the person's whose answer it carries (`agent:Ana`)."""
    assert complaint.id is not None
    (message_id,) = add_messages(
        session,
        [
            {
                "complaint_id": complaint.id,
                "direction": "out",
                "channel": channel,
                "identity_id": complaint.identity_id if to_customer else None,
                "author": author,
                "kind": text_key or kind,
                "text": text,
                "language": complaint.language,
                "created_at": now,
            }
        ],
    )
    queue_delivery(
        session,
        {
            "complaint_id": complaint.id,
            "message_id": message_id,
            "channel": channel,
            "address": address,
            "kind": kind,
            "next_attempt_at": now,
            "created_at": now,
            "payload": {
                "complaint": complaint.number,
                "text": text,
                "language": complaint.language,
                **(extra or {}),
            },
        },
    )
    return message_id


def cancel_pending(
    session: Session, *, complaint_id: int, kinds: Sequence[str], reason: str
) -> None:
    """Cancel the complaint's deliveries of these kinds that are still waiting to be sent."""
    session.execute(
        sa.update(OutboxItem)
        .where(
            col(OutboxItem.complaint_id) == complaint_id,
            col(OutboxItem.status) == "pending",
            col(OutboxItem.kind).in_(list(kinds)),
        )
        .values(status="cancelled", last_error=reason)
    )


class SentDelivery(NamedTuple):
    """A delivery just marked sent: what the dispatcher records about it."""

    id: int
    complaint_id: int
    message_id: int
    channel: str
    kind: str
    attempts: int


_MARK_SENT = (
    sa.update(OUTBOX)
    .where(OUTBOX.c.id == sa.bindparam("b_id"), OUTBOX.c.status == "pending")
    .values(
        status="sent",
        sent_at=sa.bindparam("b_now"),
        transport_id=sa.bindparam("b_transport_id"),
        last_error="",
    )
)


def mark_sent(session: Session, *, sent: Mapping[int, str], now: datetime) -> list[SentDelivery]:
    """Mark these deliveries (id → the transport's id) sent, those still pending only; the
    ones marked. One read and one executemany for a whole batch, without loading ORM objects
    (a batch of acknowledgements is recorded with every intake's group commit)."""
    if not sent:
        return []
    rows = session.connection().execute(
        sa.select(
            OUTBOX.c.id,
            OUTBOX.c.complaint_id,
            OUTBOX.c.message_id,
            OUTBOX.c.channel,
            OUTBOX.c.kind,
            OUTBOX.c.attempts,
        ).where(OUTBOX.c.id.in_(list(sent)), OUTBOX.c.status == "pending")
    )
    found = [SentDelivery(*row) for row in rows]
    if found:
        session.connection().execute(
            _MARK_SENT,
            [{"b_id": d.id, "b_now": now, "b_transport_id": sent[d.id]} for d in found],
        )
        expire_loaded(session, OutboxItem, [d.id for d in found])
    return found


def expire_loaded(session: Session, model: type[Any], ids: Sequence[int]) -> None:
    """Forget what the session holds of rows just changed by a Core statement, so work that
    shares the transaction (a group commit) reads them again instead of a stale copy."""
    for ident in ids:
        loaded = session.identity_map.get(session.identity_key(model, ident))
        if loaded is not None:
            session.expire(loaded)
