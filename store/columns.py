"""Column types shared by the tables: aware UTC times stored naive, and JSON values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no offset, and comparisons must agree."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is UTC:  # the usual case, without astimezone's cost (hot on intake)
            return value.replace(tzinfo=None)
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def time_field(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), index=index, nullable=nullable))


def json_field() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.JSON(), nullable=True))
