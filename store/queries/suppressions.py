"""Addresses that bounce: counted, and suppressed past a threshold until mail comes from them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from store.direct import Direct
from store.models import Suppression
from store.queries.tables import SUPPRESSIONS

_CLEAR_SUPPRESSION = Direct(
    sa.update(SUPPRESSIONS)
    .where(
        SUPPRESSIONS.c.channel == sa.bindparam("b_channel"),
        SUPPRESSIONS.c.address == sa.bindparam("b_address"),
        sa.or_(SUPPRESSIONS.c.bounces > 0, SUPPRESSIONS.c.suppressed),
    )
    .values(
        bounces=0,
        suppressed=False,
        updated_at=sa.bindparam("b_now", type_=SUPPRESSIONS.c.updated_at.type),
    )
)


def is_suppressed(session: Session, channel: str, address: str) -> bool:
    found = session.get(Suppression, (channel, address))
    return bool(found and found.suppressed)


def clear_suppression(session: Session, channel: str, address: str, now: datetime) -> None:
    """Mail arrived from the address: it works, so bounces so far no longer count."""
    _CLEAR_SUPPRESSION.rows(session, {"b_channel": channel, "b_address": address, "b_now": now})


def count_bounce(
    session: Session, channel: str, address: str, reason: str, threshold: int, now: datetime
) -> bool:
    """Count a bounce for `address`; return True when it has just become suppressed."""
    found = session.get(Suppression, (channel, address))
    if found is None:
        found = Suppression(channel=channel, address=address, updated_at=now)
        session.add(found)
    found.bounces += 1
    found.last_reason, found.updated_at = reason[:300], now
    if found.bounces >= threshold and not found.suppressed:
        found.suppressed = True
        return True
    return False


def suppressions_of(session: Session, *, addresses: Sequence[tuple[str, str]]) -> list[Suppression]:
    """The suppression rows of these (channel, address) pairs that exist."""
    return [
        found
        for found in (session.get(Suppression, address) for address in addresses)
        if found is not None
    ]


def forget_suppressions(session: Session, *, addresses: Sequence[tuple[str, str]]) -> int:
    """Delete the suppression rows of these (channel, address) pairs; how many there were."""
    found = suppressions_of(session, addresses=addresses)
    for suppression in found:
        session.delete(suppression)
    return len(found)


def suppressed_among(
    session: Session, *, addresses: Sequence[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these (channel, address) pairs are suppressed, in one query for a batch."""
    if not addresses:
        return set()
    rows = session.connection().execute(
        sa.select(SUPPRESSIONS.c.channel, SUPPRESSIONS.c.address).where(
            SUPPRESSIONS.c.suppressed,
            sa.tuple_(SUPPRESSIONS.c.channel, SUPPRESSIONS.c.address).in_(list(set(addresses))),
        )
    )
    return {(channel, address) for channel, address in rows}
