"""The one error body of the whole HTTP surface: the staff API under /api and the webhook.

Every refusal is `{"detail": "<what is wrong and what to do>"}`. A request whose fields fail
validation gets 422 with `detail` a list instead, one `Problem` per wrong field, in the same
form whether the API or the webhook refused it. A `Problem` carries two spellings of the same
facts because clients of both exist: `field`/`error` are what webhook integrators have read
since the webhook's first version, `loc`/`msg`/`type` what clients of FastAPI's standard
validation body read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """One wrong field of a request."""

    field: str = Field(
        description='the field, dotted ("customer.id", "attachments.0.data"), "query.NAME" '
        'or "path.NAME" for a parameter, "body" for the body as a whole'
    )
    error: str = Field(description="what is wrong with it")
    loc: list[str | int] = Field(description='the same place as a path: ["body", "customer", "id"]')
    msg: str = Field(description="the same as error")
    type: str = Field(description='a stable name of the check that failed, e.g. "missing"')


class Refusal(BaseModel):
    """Every 4xx and 5xx answer but a validation 422."""

    detail: str = Field(description="what is wrong and what to do instead")


class Invalid(BaseModel):
    """A 422: a list of wrong fields, or one sentence when the input is wrong as a whole (an
    unknown complaint number, a date in the future, a rule set that does not load)."""

    detail: list[Problem] | str


def problem(loc: Iterable[str | int], message: str, kind: str) -> dict[str, Any]:
    """One `Problem` as JSON; `loc` starts with where the value was sent (body, query, path)."""
    where = list(loc) or ["body"]
    inner = where[1:] if where[0] == "body" else where
    field = ".".join(str(part) for part in inner) or "body"
    return {"field": field, "error": message, "loc": where, "msg": message, "type": kind}


MAX_PROBLEMS = 20
"""The most wrong fields one refusal names; a last entry says how many more there are, so a
body wrong in thousands of places gets a small answer."""


def problems(errors: Sequence[Mapping[str, Any]], where: str = "") -> list[dict[str, Any]]:
    """Pydantic's or FastAPI's validation errors as `Problem`s. `where` ("body") is put in
    front of locations that lack it, as when a body is validated by hand. The submitted value
    (pydantic's `input`) is left out: it may be a whole message, and the sender has it."""
    found = []
    for error in errors[:MAX_PROBLEMS]:
        loc = [part for part in error.get("loc", ()) if isinstance(part, str | int)]
        if where and (not loc or loc[0] != where):
            loc = [where, *loc]
        if error.get("type") == "json_invalid":
            loc = loc[:1]  # FastAPI adds the character offset; the body as a whole is wrong
        found.append(problem(loc, str(error.get("msg", "")), str(error.get("type", ""))))
    if len(errors) > MAX_PROBLEMS:
        more = len(errors) - MAX_PROBLEMS
        found.append(problem([], f"and {more} more wrong fields", "too_many_errors"))
    return found
