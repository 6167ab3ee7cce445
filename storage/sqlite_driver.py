"""SQLite through aiosqlite, one thread hop per statement.

aiosqlite keeps the event loop free by running every sqlite3 call on the connection's own
thread and handing the result back: a hop, which costs 50 to 130 µs on the machines we measured
(`python -m bench`), more than an indexed SQLite statement takes. SQLAlchemy's aiosqlite adapter
makes four hops a statement (open a cursor, execute, fetch the rows, close), one more for our
BEGIN, and two rollbacks when a session ends (the session's, then the pool's): a read session
with one query made ten hops and cost 1.5 ms. Here it makes one (storage.database's read
sessions send no BEGIN, so there is nothing to roll back), and costs 0.4 ms:

- `OneHopCursor` runs the whole statement, rows included, in a single call on aiosqlite's
  thread: the same work, off the event loop as before;
- a transaction's BEGIN (storage.database sends it, deferred or IMMEDIATE) rides with the
  transaction's first statement (`OneHopConnection.begin_with_next_statement`);
- commit and rollback go to the thread only when a transaction is open.

It relies on private names that both libraries have kept for years, which is why
pyproject.toml bounds their versions: aiosqlite's `Connection._execute(function, *args)`, the
primitive every aiosqlite method is made of, and its `_connection`, the sqlite3 connection; and
SQLAlchemy's adapted aiosqlite connection and DBAPI module, subclassed here.
tests/storage/test_sqlite_driver.py counts the hops and checks results, errors, transactions
and the write lock; the whole suite runs on this driver.
"""

import sqlite3
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a DBAPI cursor reports after a statement, read on aiosqlite's thread."""

    description: Any
    rowcount: int
    lastrowid: int | None
    rows: list[Any]


_NOTHING_YET = _Outcome(description=None, rowcount=-1, lastrowid=None, rows=[])


def _run_statement(
    connection: aiosqlite.Connection,
    begin: str | None,
    operation: str,
    parameters: Any,
    *,
    many: bool,
) -> _Outcome:
    """On aiosqlite's thread: the transaction's BEGIN if it is still to be sent, then the
    statement from start to finish, with all its rows."""
    cursor = connection._conn.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid, rows)
    finally:
        cursor.close()


class OneHopCursor:
    """A DBAPI cursor over an aiosqlite connection that runs each statement in one hop.

    Called from SQLAlchemy's greenlet like every async adapter's cursor; the rows wait in
    memory, as they do in SQLAlchemy's own adapter (server-side cursors are not this class).
    """

    arraysize = 1

    def __init__(self, adapted: "OneHopConnection") -> None:
        self._adapted = adapted
        self._outcome = _NOTHING_YET
        self._rows: deque[Any] = deque()

    @property
    def description(self) -> Any:
        return self._outcome.description

    @property
    def rowcount(self) -> int:
        return self._outcome.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._outcome.lastrowid

    def execute(self, operation: str, parameters: Any = None) -> None:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        self._run(operation, seq_of_parameters, many=True)

    def _run(self, operation: str, parameters: Any, *, many: bool) -> None:
        adapted = self._adapted
        connection: aiosqlite.Connection = adapted.driver_connection
        begin, adapted.pending_begin = adapted.pending_begin, None
        try:
            outcome = await_(
                connection._execute(
                    _run_statement, connection, begin, operation, parameters, many=many
                )
            )
        except Exception as error:
            adapted._handle_exception(error)
        self._outcome = outcome
        self._rows = deque(outcome.rows)

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def setinputsizes(self, *_sizes: Any) -> None:
        """DBAPI asks for it; SQLite has no use for it."""

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's async result calls this to close the driver's cursor early; ours was
        closed on aiosqlite's thread as soon as its rows were read."""


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's adapted aiosqlite connection, handing out `OneHopCursor`s."""

    __slots__ = ("pending_begin",)

    def __init__(self, dbapi: Any, connection: Any) -> None:
        """`connection`: the aiosqlite.Connection."""
        super().__init__(dbapi, connection)
        self.pending_begin: str | None = None

    def begin_with_next_statement(self, begin: str) -> None:
        """Send `begin` (BEGIN, or BEGIN IMMEDIATE) in the same hop as the transaction's first
        statement rather than in a hop of its own. Nothing can run between the two on this
        connection, so the transaction is the same; a BEGIN IMMEDIATE that finds the database
        locked fails at that first statement, with the same error."""
        self.pending_begin = begin

    def commit(self) -> None:
        self._end_transaction(super().commit)

    def rollback(self) -> None:
        self._end_transaction(super().rollback)

    def _end_transaction(self, end: Callable[[], None]) -> None:
        """Only if a transaction is open: one that never ran a statement was never begun, and a
        session that ends rolls back, then the pool rolls back again as the connection comes
        home, a hop for nothing. `in_transaction` is a flag sqlite3 reads without touching the
        database, and no statement runs on this connection while its owner is here."""
        self.pending_begin = None
        driver = self.driver_connection
        if driver._connection is not None and driver._connection.in_transaction:
            end()

    def cursor(self, server_side: bool = False) -> Any:
        if server_side:
            return super().cursor(server_side=True)
        return OneHopCursor(self)


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module to give `create_async_engine(..., module=...)` for sqlite+aiosqlite."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *args: Any, **kwargs: Any) -> OneHopConnection:
        adapted = super().connect(*args, **kwargs)
        return OneHopConnection(self, adapted.driver_connection)
