"""Statements compiled once per dialect and run on the driver's own cursor.

Why (issue #14, measured in-process on SQLite): a prebuilt statement run through SQLAlchemy's
`Connection.execute` costs about 40 µs, of which the driver's work is 6–8 µs; the rest is the
per-call execution context, events and result metadata. The heartbeat makes five to eight
statements and is the platform's hottest request, so its statements skip that layer. What they
keep is SQLAlchemy's: the SQL it compiles for the dialect (with the backend's casts and the
columns it would choose for the given parameters), the values of the statement's own literals,
and each column type's bind and result processors (UTC datetimes, JSON lists, booleans). So
both backends write and read exactly what the ORM would. Two things the execution layer did are
done here too: the SQLite writer lock is taken before a transaction's first write
(sqlite_writer.py), and a driver error is raised as SQLAlchemy's exception class, so the error
handlers answer as before. Statements that need Python-side column defaults are refused at
compile time: their values must be given.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    """One statement as one dialect runs it, for one set of parameter names."""

    compiled: SQLCompiler
    sql: str
    order: tuple[str, ...] | None  # positional paramstyles: the parameters' order; else None
    bind_processors: dict[str, Callable[[Any], Any]]
    row: type[NamedTuple] | None  # selects: the row's type, its fields the selected labels
    column_types: tuple[Any, ...] = ()  # selects: the selected columns' types
    # made at the first run: a driver may need the column's type code from the cursor
    result_processors: tuple[Processor, ...] | None = None


@dataclass(frozen=True)
class Ran:
    """What a statement answered: its rows (selects; fetched at once, they are few) and the
    rows it changed (writes)."""

    rows: list[Any]
    rowcount: int

    def first(self) -> Any | None:
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        if len(self.rows) != 1:
            raise (NoResultFound if not self.rows else MultipleResultsFound)(
                f"expected one row, got {len(self.rows)}"
            )
        return self.rows[0]

    def scalars(self) -> list[Any]:
        return [row[0] for row in self.rows]


class Prepared:
    """A Core statement, compiled on first use for each dialect and set of parameter names."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str, frozenset[str]], _Compiled] = {}

    def run(self, connection: Connection, params: Mapping[str, Any] | None = None) -> Ran:
        """Run on `connection`'s driver connection, inside its current transaction."""
        params = params or {}
        if not connection.in_transaction():  # as SQLAlchemy's own execute would: autobegin
            connection.begin()
        dialect = connection.dialect
        key = (dialect.name, dialect.driver, frozenset(params))
        compiled = self._compiled.get(key) or self._compile(dialect, key)
        values = compiled.compiled.construct_params(params)
        for name, process in compiled.bind_processors.items():
            values[name] = process(values[name])
        bound: Any = values if compiled.order is None else [values[n] for n in compiled.order]
        driver_connection = connection.connection.dbapi_connection
        before_statement = getattr(driver_connection, "before_statement", None)
        if before_statement is not None:  # the SQLite writer lock (sqlite_writer.py)
            before_statement(compiled.sql)
        cursor = driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, bound)
            rows = cursor.fetchall() if compiled.row is not None else []
            rowcount = cursor.rowcount
            if compiled.row is not None and compiled.result_processors is None:
                compiled.result_processors = tuple(
                    kind.dialect_impl(dialect).result_processor(dialect, described[1])
                    for kind, described in zip(
                        compiled.column_types, cursor.description, strict=True
                    )
                )
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                compiled.sql, bound, exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        finally:
            cursor.close()
        if compiled.row is None:
            return Ran([], rowcount)
        processors = compiled.result_processors or ()
        make = compiled.row._make
        return Ran(
            [
                make([v if p is None else p(v) for p, v in zip(processors, row, strict=True)])
                for row in rows
            ],
            rowcount,
        )

    def _compile(self, dialect: Dialect, key: tuple[str, str, frozenset[str]]) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=sorted(key[2]))
        assert isinstance(compiled, SQLCompiler)
        if compiled.insert_prefetch or compiled.update_prefetch or compiled.escaped_bind_names:
            raise ValueError(
                "a prepared statement needs every column default given and plain parameter "
                f"names: {compiled.string}"
            )
        binds = {}
        for bind, name in compiled.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[name] = process
        row: type[NamedTuple] | None = None
        types: tuple[Any, ...] = ()
        if isinstance(self.statement, Select):
            columns = list(self.statement.selected_columns)
            row = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]
            types = tuple(c.type for c in columns)
        made = _Compiled(
            compiled,
            compiled.string,
            tuple(compiled.positiontup or ()) if compiled.positional else None,
            binds,
            row,
            types,
        )
        self._compiled[key] = made
        return made
