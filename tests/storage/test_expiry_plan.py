"""How SQLite runs the expiry claim: the batch's rows are found by id.

Without statistics SQLite once took the claim's second look at `state` for the way in and walked
the (state, expires_at) index over every pending row, once per batch: a backlog of 100,000 cost
about 5 million index entries. `sharing.expiry.unindexed_on_sqlite` keeps that term off the
indexes; this pins the plan, whatever the timings.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from sharing.expiry import claim_expired
from storage.database import Database
from storage.models import Application, ApplicationState, Share, ShareState
from tests.clock import FakeClock


@contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL the engine sends meanwhile, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Connection, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        sent.append((sql, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("model", "pending", "expired"),
    [
        (Share, ShareState.PENDING, ShareState.EXPIRED),
        (Application, ApplicationState.PENDING, ApplicationState.EXPIRED),
    ],
)
async def test_the_claim_finds_its_rows_by_id_on_sqlite(
    database: Database,
    clock: FakeClock,
    model: type[Share] | type[Application],
    pending: ShareState | ApplicationState,
    expired: ShareState | ApplicationState,
) -> None:
    async with database.write() as session:
        with statements(database) as sent:
            await claim_expired(
                session,
                model,
                pending=pending,
                expired=expired,
                now=clock(),
                limit=10,
                values={},
                returning=("id",),
            )
        ((sql, parameters),) = sent
        connection = await session.connection()
        plan = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)).all()

    table = model.__tablename__
    steps = [detail for *_, detail in plan]
    # The UPDATE reads its rows by rowid; only the CTE that picks them reads the index.
    assert f"SEARCH {table} USING INTEGER PRIMARY KEY (rowid=?)" in steps
    through_index = [step for step in steps if "ix_" in step]
    assert len(through_index) == 1 and "expires_at<?" in through_index[0], steps
