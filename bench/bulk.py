"""Bulk inserts for seeding: rows as dicts, sent in chunks with executemany, ids chosen here.

Choosing the ids ourselves means no RETURNING and no round trip per row, so a million grants
go in as fast as the driver takes them. PostgreSQL's id sequences then lag behind the rows, so
`advance_sequences` moves them past the largest id before the bot inserts anything.
"""

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

Row = Mapping[str, Any]
CHUNK = 10_000
TABLES_WITH_SERIAL_IDS = ("device", "channel", "share")


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def chunks(rows: Iterable[Row], size: int = CHUNK) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


async def insert_rows(connection: AsyncConnection, name: str, rows: Iterable[Row]) -> int:
    """Insert `rows` into the table `name`, CHUNK rows per executemany; returns how many."""
    statement = insert(table(name))
    total = 0
    for chunk in chunks(rows):
        await connection.execute(statement, chunk)
        total += len(chunk)
    return total


async def advance_sequences(connection: AsyncConnection) -> None:
    """On PostgreSQL, let the next id the database hands out follow the ones we chose."""
    if connection.dialect.name != "postgresql":
        return
    for name in TABLES_WITH_SERIAL_IDS:
        await connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
            f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
        )
