"""The async engine and the two kinds of session: `read()` and `write()`.

`write()` sessions are where the rules' limits are enforced, so they must serialise with each
other: on PostgreSQL the sharing service locks the rows it counts (SELECT ... FOR UPDATE); on
SQLite, which has one writer at a time anyway, a write session starts with BEGIN IMMEDIATE so
that what it counts cannot change before it commits. Read sessions never wait for a writer:
they run without a transaction on both backends, each statement seeing what was committed when
it started, so they must never write.
"""

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.sqlite_driver import OneHopConnection, OneHopDBAPI

_WRITE_OPTION = "camshare_write"
_NO_TRANSACTION_OPTION = "camshare_no_transaction"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class ReadOnlySessionError(RuntimeError):
    """Something tried to write in `Database.read()`: open `Database.write()` for that."""


class ReadOnlySession(Session):
    """The session of `Database.read()`: it refuses to flush changes or run an INSERT, UPDATE
    or DELETE, which on PostgreSQL would each commit on their own, half a unit of work."""


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_write_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySessionError("a read session ran a write statement")


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flushing_changes(session: Session, *_: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("a read session has changes to flush")


class Database:
    """Owns the engine; created at start-up, closed at shut-down (no module-level engine)."""

    def __init__(
        self, url: str, *, echo: bool = False, connect_args: Mapping[str, Any] | None = None
    ) -> None:
        """`connect_args` go to the driver's connect(), after ours: tests use asyncpg's
        `{"server_settings": {"search_path": schema}}` to give each test its own schema."""
        self.url = make_url(url)
        self.engine: AsyncEngine = _create_engine(url, echo=echo, connect_args=connect_args or {})
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, autoflush=False
        )
        self._read_sessions = async_sessionmaker(
            self.engine.execution_options(**{_NO_TRANSACTION_OPTION: True})
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            class_=AsyncSession,
            sync_session_class=ReadOnlySession,
            expire_on_commit=False,
            autoflush=False,
        )
        """Read sessions run without a transaction. On PostgreSQL, under READ COMMITTED, every
        statement takes its own snapshot, in a transaction or not, so a BEGIN and a ROLLBACK
        around a session's reads bought nothing but two round trips (a fifth of a list screen,
        `python -m bench`). SQLite does the same without one (no BEGIN is sent: see
        `_configure_sqlite`), which spares the thread hop of the ROLLBACK, a quarter of a
        one-query session, and gives both backends the same reads."""
        self._sqlite_writers = asyncio.Lock()
        """On SQLite, this process's write sessions take turns here, first come first served.
        SQLite's own wait for the write lock is a busy handler that sleeps and retries: it
        serves nobody in order, so a loop of short writes (the expiry sweep's batches) starved
        every other writer for seconds (`python -m bench`). Writers in other processes still
        meet the busy handler."""

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries only: a write in one raises `ReadOnlySessionError` (on
        PostgreSQL it has no transaction to roll back; see `_read_sessions`)."""
        async with self._read_sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends, rolled back if it raises. Never open
        one inside another: on SQLite the inner one would wait for the outer one for ever."""
        async with self._write_turn(), self._sessions() as session:
            await session.connection(execution_options={_WRITE_OPTION: True})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        if not self.is_sqlite:
            yield  # PostgreSQL queues lock waiters itself
            return
        async with self._sqlite_writers:
            yield

    async def dispose(self) -> None:
        await self.engine.dispose()


def _create_engine(url: str, *, echo: bool, connect_args: Mapping[str, Any]) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pool_pre_ping: its round trip before every session cost 0.3 ms a session, a tenth
        # of an update (`python -m bench`). A connection that died (the server restarted) fails
        # the one statement that meets it; SQLAlchemy then drops every pooled connection older
        # than the failure, so one update per process sees the error, and the next ones work.
        return create_async_engine(url, echo=echo, connect_args=dict(connect_args))
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        echo=echo,
        module=OneHopDBAPI(),  # storage/sqlite_driver.py: a quarter of aiosqlite's thread hops
        connect_args={"timeout": 30, **connect_args},
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and our own BEGIN (see the SQLAlchemy docs on aiosqlite transactions)."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver; `on_begin` emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(_NO_TRANSACTION_OPTION, False):
            return  # a read session: each statement is a transaction of its own
        driver = connection.connection.dbapi_connection
        assert isinstance(driver, OneHopConnection)
        driver.begin_with_next_statement(
            "BEGIN IMMEDIATE" if options.get(_WRITE_OPTION, False) else "BEGIN"
        )
