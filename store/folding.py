"""Search text: what a complaint, its customer and its messages are searched by, folded so that
an agent finds them however they type.

`fold` makes one form of a text for search: lower case (`casefold`), compatibility forms
unified and accents dropped (NFKD, then the combining marks removed: "LÁMPARA" and "lampara",
"Martínez" and "martinez", full-width "Ｃ－２０２６" and "c-2026"; "ñ" becomes "n"), and
traditional Chinese characters written as simplified ones ("陳美玲" and "陈美玲", "電視機" and
"电视机"). The Chinese mapping is OpenCC's Hong Kong traditional to simplified table (`hk2s`:
the standard traditional characters, and Hong Kong's variants such as 衞; shipped as a file,
see `store.fold_table`), taken character by character: a phrase table would fold a word
differently from a word inside it, and a search for part of a text must find the text.

The searched tables keep the fold of their searched columns (`SEARCHED`) in `search_text`,
written with every row: Core inserts through `searchable`, ORM writes through the listeners
`keep_search_text` registers. A search folds its words the same way and looks for them in
`search_text` with LIKE, the same on SQLite and PostgreSQL (both sides are folded already, so
neither database's own case rules matter).

The fold costs well under 1 µs for an English text (ASCII: only lowered), about 20 µs for 330
characters of Spanish and 7 µs for 120 Chinese characters (CPU time on the 2-core machine, under
load); its table (about 6,500 entries) is built once per process on first use.
"""

from __future__ import annotations

import functools
import itertools
import sys
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from store import fold_table

SEPARATOR = "\n"
"""Between a row's searched fields: a word never spans two of them."""


def fold(text: str) -> str:
    """The search form of `text` (see the module docstring). Folding a folded text changes
    nothing, so a word found in a text's fold is found by its own fold."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).casefold().translate(_table())


def fold_fields(values: Mapping[str, Any], fields: Sequence[str]) -> str:
    """The search text of a row: its searched fields that hold something, folded, one per line
    (a word never spans two fields). Empty when they all are (an erased customer)."""
    return fold(SEPARATOR.join(text for field in fields if (text := values.get(field))))


@functools.cache
def _table() -> dict[int, str | None]:
    """Combining marks dropped, traditional characters mapped to simplified ones."""
    table: dict[int, str | None] = dict.fromkeys(_combining_marks())
    table.update(_simplified())
    return table


def _combining_marks() -> Iterator[int]:
    """The code points of combining marks (category Mn): NFKD puts accents in them. Walked, not
    listed: a list of every code point would leave megabytes in the process's arenas."""
    planes = itertools.chain(range(0x20000), range(0xE0000, sys.maxunicode + 1))
    return (point for point in planes if unicodedata.category(chr(point)) == "Mn")


def _simplified() -> dict[int, str]:
    """Traditional characters and their simplified forms (`store.fold_table`)."""
    return {ord(char): into for char, into in fold_table.shipped().items()}


def searchable(fields: Sequence[str], row: Mapping[str, Any]) -> dict[str, Any]:
    """`row` (a Core insert's values) with its `search_text`."""
    return {**row, "search_text": fold_fields(row, fields)}


def blank_search_text(row: Any) -> None:
    """Nothing of this loaded row is to be found by search any more, whatever its fields say
    (erasure: a message's text becomes "[erased]"). Kept by `keep_search_text`'s listener,
    also when the search text was blank already."""
    row.search_text = ""
    flag_modified(row, "search_text")


def keep_search_text(model: type[Any], fields: Sequence[str]) -> None:
    """Keep `model.search_text` the fold of `fields` on every ORM insert and update. A
    search text the writer set itself (`blank_search_text`) is kept."""

    def on_insert(_mapper: Any, _connection: Any, target: Any) -> None:
        target.search_text = fold_fields(
            {field: getattr(target, field) for field in fields}, fields
        )

    def on_update(_mapper: Any, _connection: Any, target: Any) -> None:
        state = sa.inspect(target)
        if state.attrs.search_text.history.has_changes():
            return
        if any(state.attrs[field].history.has_changes() for field in fields):
            target.search_text = fold_fields(
                {field: getattr(target, field) for field in fields}, fields
            )

    sa.event.listen(model, "before_insert", on_insert)
    sa.event.listen(model, "before_update", on_update)


def fold_rows(
    connection: sa.Connection, name: str, fields: Sequence[str], batch: int = 1000
) -> None:
    """Write the search text of every row of table `name` from its `fields`, `batch` rows at a
    time by id: how a migration folds the rows stored before a table's searched columns
    changed. Only the rows whose text changes are written."""
    table = sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column("search_text", sa.String()),
        *(sa.column(field, sa.String()) for field in fields),
    )
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(search_text=sa.bindparam("folded"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.search_text, *(table.c[field] for field in fields))
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        changed = []
        for row_id, was, *values in rows:
            folded = fold_fields(dict(zip(fields, values, strict=True)), fields)
            if folded != was:
                changed.append({"row_id": row_id, "folded": folded})
        if changed:
            connection.execute(update, changed)
        last = rows[-1][0]
