"""What every request of the staff API is held to before it reaches the desk: a body with a
key the model does not know is refused (a misspelt key would otherwise change nothing and
answer 200), its strings lose NUL before they are checked (`complaints.cleaning`), and a
number that ends in a database column fits one: SQLite and PostgreSQL keep a signed 64-bit
integer, and a larger one gave a 500 where a 422 naming the parameter belongs."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, model_validator

from complaints.cleaning import nul_free

STORE_MAX = 2**63 - 1
"""The largest integer a column holds (SQLite's INTEGER, PostgreSQL's BIGINT)."""

RowId = Annotated[int, Ge(1), Le(STORE_MAX)]
"""A row's id in a path or a body: ids start at 1."""
Offset = Annotated[int, Ge(0), Le(STORE_MAX)]
"""How many rows a page skips."""


class Body(BaseModel):
    """A request body: unknown keys refused, NUL dropped from strings before validation."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _without_nul(cls, data: Any) -> Any:
        return nul_free(data)
