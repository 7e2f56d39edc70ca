"""Hot-path statements run straight on the driver's cursor, inside the caller's transaction.

SQLAlchemy's Core `execute` costs about 40 µs for a one-row SELECT and 110 µs for a small
INSERT on this machine before SQLite does any work (building the execution context, the
result object, the caches' lookups), while the driver itself takes 2 to 15 µs: on intake's
single writer thread that overhead was a third of the time per complaint. A `Direct` statement
is a Core statement compiled once per dialect and set of keys, whose values go through the very
bind processors SQLAlchemy would use (the UTC times, JSON) and whose rows come back through its
result processors; so SQLite and PostgreSQL store and read exactly what the Core path would.

What stays the same for the callers: the statement runs on the session's connection (its
transaction and savepoints), `before_cursor_execute` listeners still see it (tests count
statements with them), and a driver error is raised as SQLAlchemy's own (`IntegrityError`,
`OperationalError`: the store's error handling keys on them), never with its parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

Processor = Callable[[Any], Any] | None


class _Compiled:
    """One statement's SQL for one dialect, and how to turn values into the driver's params."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self.positional = dialect.paramstyle in ("qmark", "numeric", "format")
        self.names: tuple[str, ...] = tuple(
            compiled.positiontup if self.positional and compiled.positiontup else compiled.binds
        )
        binds = compiled.binds
        if compiled.insert_prefetch or compiled.update_prefetch:
            missing = [
                column.key for column in [*compiled.insert_prefetch, *compiled.update_prefetch]
            ]
            raise ValueError(f"give {missing} explicitly: their defaults are computed per row")
        # the constants a statement carries, such as the column defaults of an INSERT
        self.fixed = {name: bind.value for name, bind in binds.items() if bind.value is not None}
        self.bind: dict[str, Processor] = {
            name: binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        }
        self.pairs = tuple((name, self.bind[name]) for name in self.names)
        self.result: list[Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in getattr(statement, "selected_columns", ())
        ] or [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in getattr(statement, "_returning", ())
        ]

    def params(self, values: Mapping[str, Any]) -> Any:
        fixed = self.fixed
        converted = []
        for name, process in self.pairs:  # one loop, no generator: this runs per row written
            value = values[name] if name in values else fixed[name]  # KeyError: value forgotten
            converted.append(value if process is None or value is None else process(value))
        return (
            tuple(converted) if self.positional else dict(zip(self.names, converted, strict=True))
        )

    def row(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None else process(value)
            for process, value in zip(self.result, row, strict=True)
        )


class Direct:
    """A SELECT, UPDATE or DELETE run on the driver (see the module docstring)."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return found

    def rows(self, session: Session, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run with these values; every row it returns."""
        connection = session.connection()
        compiled = self._for(connection.dialect)
        cursor = _execute(connection, compiled.sql, compiled.params(values), many=False)
        if cursor.description is None:
            return []
        return [compiled.row(row) for row in cursor.fetchall()]

    def first(self, session: Session, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        cursor_rows = self.rows(session, values)
        return cursor_rows[0] if cursor_rows else None

    def scalar(self, session: Session, values: Mapping[str, Any]) -> Any:
        found = self.first(session, values)
        return None if found is None else found[0]


class DirectInsert:
    """INSERTs into one table run on the driver: several rows in one statement (with
    `returning`, one multi-row VALUES whose rows come back in no promised order), or, without
    `returning`, one `executemany`. Each set of keys and row count compiles once."""

    def __init__(self, table: sa.Table, returning: Sequence[sa.Column[Any]] = ()) -> None:
        self.table = table
        self.returning = tuple(returning)
        self._compiled: dict[tuple[str, tuple[str, ...], int], _Compiled] = {}

    def _for(self, dialect: Dialect, keys: tuple[str, ...], count: int) -> _Compiled:
        key = (dialect.name, keys, count)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _Compiled(self._statement(keys, count), dialect)
        return found

    def _statement(self, keys: tuple[str, ...], count: int) -> Any:
        columns = self.table.c
        rows = [
            {key: sa.bindparam(_name(key, index, count), type_=columns[key].type) for key in keys}
            for index in range(count)
        ]
        statement = sa.insert(self.table).values(rows if count > 1 else rows[0])
        # inline: no implicit RETURNING of the key (PostgreSQL) when nothing is asked back
        return statement.returning(*self.returning) if self.returning else statement.inline()

    def rows(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Insert `rows` (all with the same keys); what `returning` gave for each."""
        if not rows:
            return []
        connection = session.connection()
        keys = tuple(sorted(rows[0]))
        if any(len(row) != len(keys) for row in rows[1:]) or not all(
            row.keys() == rows[0].keys() for row in rows[1:]
        ):
            raise ValueError(f"rows inserted together into {self.table.name} need the same keys")
        if not self.returning:
            compiled = self._for(connection.dialect, keys, 1)
            params = [compiled.params(row) for row in rows]
            many = len(params) > 1
            _execute(connection, compiled.sql, params if many else params[0], many=many)
            return []
        compiled = self._for(connection.dialect, keys, len(rows))
        values = (
            rows[0]
            if len(rows) == 1
            else {
                f"{key}__{index}": value
                for index, row in enumerate(rows)
                for key, value in row.items()
            }
        )
        cursor = _execute(connection, compiled.sql, compiled.params(values), many=False)
        return [compiled.row(row) for row in cursor.fetchall()]

    def one(self, session: Session, row: Mapping[str, Any]) -> tuple[Any, ...]:
        (found,) = self.rows(session, [row])
        return found


def _name(key: str, index: int, count: int) -> str:
    """A value's bind name: the column's key for a single row (its values are bound as given,
    without a renamed copy), else suffixed with the row's index."""
    return key if count == 1 else f"{key}__{index}"


def direct_savepoints(engine: Engine) -> None:
    """Give the engine's savepoints (SAVEPOINT, RELEASE, ROLLBACK TO) to the driver directly.

    The group commit opens and releases a savepoint per message; SQLAlchemy runs each of the
    two as a compiled statement (about 60 µs each here), the driver in 1 µs. The dialect's
    `do_savepoint` hooks are where SQLAlchemy itself sends them, so its Connection and
    Session bookkeeping stays as it is."""
    dialect = engine.dialect
    quote = dialect.identifier_preparer.quote

    def savepoint(connection: Connection, name: str) -> None:
        _execute(connection, f"SAVEPOINT {quote(name)}", None, many=False)

    def release(connection: Connection, name: str) -> None:
        _execute(connection, f"RELEASE SAVEPOINT {quote(name)}", None, many=False)

    def rollback_to(connection: Connection, name: str) -> None:
        _execute(connection, f"ROLLBACK TO SAVEPOINT {quote(name)}", None, many=False)

    dialect.do_savepoint = savepoint  # type: ignore[method-assign]
    dialect.do_release_savepoint = release  # type: ignore[method-assign]
    dialect.do_rollback_to_savepoint = rollback_to  # type: ignore[method-assign]


def _execute(connection: Connection, sql: str, params: Any, *, many: bool) -> Any:
    fairy = connection.connection
    cursor = fairy.cursor()
    dispatch = connection.dispatch
    if dispatch.before_cursor_execute:
        dispatch.before_cursor_execute(connection, cursor, sql, params, None, many)
    try:
        if many:
            cursor.executemany(sql, params)
        elif params is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, params)
    except connection.dialect.loaded_dbapi.Error as error:
        _raise(connection, fairy, cursor, sql, error)
    return cursor


def _raise(connection: Connection, fairy: Any, cursor: Any, sql: str, error: Any) -> None:
    """Raise the driver's error as SQLAlchemy would, without the statement's values (they may
    be personal data); a lost connection is invalidated so the pool does not hand it out."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, fairy.dbapi_connection, cursor)
    if lost:
        connection.invalidate(error)
    raise sa.exc.DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=dialect,
    ) from error
