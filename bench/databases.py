"""Where a benchmark runs: a fresh database, migrated to head, removed afterwards.

SQLite gets a file in a temporary folder. PostgreSQL gets a database of its own on the server
the given URL names (`camshare_bench`), created and dropped through that
URL's own database; a schema per run would not do, because `build_application` opens the
database named by `DATABASE_URL` without the `search_path` the tests pass to their engines.
"""

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import upgrade_to_head

BENCH_DATABASE = "camshare_bench"


def backend_of(url: str) -> str:
    return "PostgreSQL" if make_url(url).get_backend_name() == "postgresql" else "SQLite"


@asynccontextmanager
async def fresh_database(postgres_url: str | None) -> AsyncIterator[str]:
    """The URL of an empty database at the newest migration, for the duration of the block."""
    if postgres_url is None:
        with tempfile.TemporaryDirectory(prefix="camshare-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / f'{BENCH_DATABASE}.db'}"
            await upgrade_to_head(url)
            yield url
        return
    async with _postgres_database(postgres_url, BENCH_DATABASE) as url:
        await upgrade_to_head(url)
        yield url


@asynccontextmanager
async def _postgres_database(server_url: str, name: str) -> AsyncIterator[str]:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {name!r}")
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            # A previous run stopped half-way leaves its database behind: start clean.
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()
