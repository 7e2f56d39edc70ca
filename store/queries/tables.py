"""The Core tables the hot paths write through, and the model defaults Core inserts need.

Intake writes through these Core tables: building ORM objects and flushing them cost several
times more than the SQL itself on the hot path (see bench/intake.py).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

# registers every table on SQLModel.metadata
import store.models
import store.models_triage  # noqa: F401
from store.folding import searchable
from store.models import SEARCHED

CUSTOMERS = SQLModel.metadata.tables["customers"]
IDENTITIES = SQLModel.metadata.tables["identities"]
COMPLAINTS = SQLModel.metadata.tables["complaints"]
MESSAGES = SQLModel.metadata.tables["messages"]
ATTACHMENTS = SQLModel.metadata.tables["attachments"]
EVENTS = SQLModel.metadata.tables["events"]
OUTBOX = SQLModel.metadata.tables["outbox"]
SOLUTIONS = SQLModel.metadata.tables["solutions"]
SUPPRESSIONS = SQLModel.metadata.tables["suppressions"]
RULE_SETS = SQLModel.metadata.tables["rule_sets"]
"""Read as a Core table, so listing versions does not load every version's text."""
HOT_SPOT_ALERTS = SQLModel.metadata.tables["hot_spot_alerts"]


@functools.cache
def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """The model's Python-side defaults, which Core inserts do not apply by themselves."""
    return {
        name: field.default
        for name, field in model.model_fields.items()
        if field.default is not PydanticUndefined and name != "id"
    }


def with_defaults(model: type[SQLModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` completed with the model's defaults, ready for a Core insert; for a searched
    table (complaints, messages) with its search text, folded from the values."""
    row = {**_defaults(model), **values}
    fields = SEARCHED.get(model)
    return row if fields is None else searchable(fields, row)
