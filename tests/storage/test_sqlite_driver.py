"""storage/sqlite_driver.py: one hop to aiosqlite's thread per statement, and the same database
behaviour as before: results, row counts, errors, transactions and SQLite's write lock."""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.database import Database
from storage.models import Account

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of every function the bot's connections run on aiosqlite's thread."""
    seen: list[str] = []
    execute = aiosqlite.Connection._execute

    async def counted(
        self: aiosqlite.Connection, function: object, *args: object, **kw: object
    ) -> object:
        seen.append(getattr(function, "__name__", repr(function)))
        return await execute(self, function, *args, **kw)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield seen


def _file_of(database: Database) -> Path:
    assert database.url.database is not None
    return Path(database.url.database)


async def _add_account(database: Database, account_id: int) -> None:
    async with database.write() as session:
        session.add(Account(id=account_id, first_name=f"User {account_id}", created_at=NOW))


async def test_a_read_statement_costs_one_hop_and_a_write_session_two(
    database: Database, hops: list[str]
) -> None:
    await _add_account(database, 1)  # the pool now holds an open connection
    hops.clear()
    async with database.read() as session:
        assert (await session.exec(select(Account.first_name))).all() == ["User 1"]
    # No transaction, so nothing to roll back: neither the session nor the pool sends a hop.
    assert hops == ["_run_statement"]

    hops.clear()
    async with database.write() as session:
        connection = await session.connection()
        await connection.exec_driver_sql("UPDATE account SET first_name = 'Renamed' WHERE id = 1")
    # BEGIN IMMEDIATE travels with the statement; the commit is the only other hop.
    assert hops == ["_run_statement", "commit"]


async def test_a_session_that_runs_nothing_sends_nothing(
    database: Database, hops: list[str]
) -> None:
    await _add_account(database, 1)
    hops.clear()
    async with database.write():
        pass
    async with database.read():
        pass
    assert hops == []


async def test_results_row_counts_and_many_rows_come_back_as_from_sqlite3(
    database: Database,
) -> None:
    async with database.write() as session:
        connection = await session.connection()
        inserted = await connection.exec_driver_sql(
            "INSERT INTO account (id, first_name, created_at) VALUES (?, ?, ?)",
            [(index, f"User {index}", "2026-11-25 12:00:00.000000") for index in range(1, 6)],
        )
        assert inserted.rowcount == 5
        updated = await connection.exec_driver_sql(
            "UPDATE account SET last_name = 'Smith' WHERE id > 2"
        )
        assert updated.rowcount == 3
        result = await connection.exec_driver_sql("SELECT id, last_name FROM account ORDER BY id")
        assert list(result.keys()) == ["id", "last_name"]
        assert result.fetchone() == (1, None)
        assert result.fetchmany(2) == [(2, None), (3, "Smith")]
        assert result.fetchall() == [(4, "Smith"), (5, "Smith")]


async def test_a_constraint_error_is_sqlalchemys_and_the_unit_of_work_is_rolled_back(
    database: Database,
) -> None:
    await _add_account(database, 1)
    with pytest.raises(IntegrityError):
        async with database.write() as session:
            connection = await session.connection()
            await connection.exec_driver_sql("UPDATE account SET first_name = 'Kept?' WHERE id = 1")
            await connection.exec_driver_sql(
                "INSERT INTO account (id, first_name, created_at) VALUES (1, 'Twin', '')"
            )
    async with database.read() as session:
        assert (await session.exec(select(Account.first_name))).all() == ["User 1"]


async def test_a_write_session_holds_the_write_lock_from_its_first_statement(
    database: Database,
) -> None:
    await _add_account(database, 1)
    other = sqlite3.connect(_file_of(database), timeout=0, isolation_level=None)
    try:
        async with database.write() as session:
            other.execute("BEGIN IMMEDIATE")  # nobody holds the lock yet
            other.execute("ROLLBACK")
            await session.exec(select(Account.id))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


async def test_each_statement_of_a_read_session_sees_what_was_committed_before_it(
    database: Database,
) -> None:
    """As on PostgreSQL, where read sessions run in autocommit under READ COMMITTED."""
    await _add_account(database, 1)
    async with database.read() as session:
        assert len((await session.exec(select(Account.id))).all()) == 1
        await _add_account(database, 2)  # committed by another connection meanwhile
        assert len((await session.exec(select(Account.id))).all()) == 2


async def test_a_transaction_that_is_not_a_read_session_still_begins(
    database: Database,
) -> None:
    """Only read sessions go without: a plain `engine.begin()` stays one unit of work."""
    await _add_account(database, 1)
    with pytest.raises(RuntimeError, match="undo"):
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql("UPDATE account SET first_name = 'Gone'")
            raise RuntimeError("undo")
    async with database.read() as session:
        assert (await session.exec(select(Account.first_name))).all() == ["User 1"]
