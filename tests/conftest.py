"""Fixtures shared by every layer of tests: the clock and a fresh, migrated database per test.

- `database`: a fresh SQLite file at the newest migration. Migrating takes about 80 ms, so the
  session migrates one template file with `upgrade_to_head` and each test gets a copy of it
  (about 2 ms): same schema, same pragmas (WAL is recorded in the file; foreign keys are set
  by `Database`'s connect hook).
- `pg_database`: a fresh PostgreSQL schema, migrated with `upgrade_database`, dropped after the
  test. The engine's connections get `search_path` set to that schema, so the tables and
  Alembic's version table live there. Skips unless CAMSHARE_TEST_POSTGRES_URL names a server,
  for example postgresql+asyncpg://postgres@127.0.0.1:5432/test.
- `any_database`: parametrised over "sqlite" and "postgres" (the latter marked `postgres`), for
  storage tests that must hold on both backends.
"""

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import Database
from storage.migrate import upgrade_database, upgrade_to_head
from tests.clock import FakeClock

POSTGRES_URL_VARIABLE = "CAMSHARE_TEST_POSTGRES_URL"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; copy it, never open it."""
    path = tmp_path_factory.mktemp("template") / "camshare.db"
    await upgrade_to_head(sqlite_url(path))
    # Disposing the engine closed the last connection, which checkpointed the WAL into the file.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
async def database(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    """A fresh SQLite database at the newest migration."""
    path = tmp_path / "camshare.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(sqlite_url(path))
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server named by CAMSHARE_TEST_POSTGRES_URL; skips the test without it."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_URL_VARIABLE}, "
            "e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        )
    return url


@pytest.fixture
async def pg_database(postgres_url: str) -> AsyncIterator[Database]:
    """A fresh PostgreSQL schema at the newest migration, dropped after the test."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(postgres_url)
    try:
        async with admin.begin() as connection:
            await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        database = Database(postgres_url, connect_args={"server_settings": {"search_path": schema}})
        try:
            await upgrade_database(database)
            yield database
        finally:
            await database.dispose()
            async with admin.begin() as connection:
                await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_database(request: pytest.FixtureRequest) -> Database:
    """`database` or `pg_database`: a storage test that takes this runs on both backends."""
    database: Database = request.getfixturevalue(
        "database" if request.param == "sqlite" else "pg_database"
    )
    return database


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses PostgreSQL, so `-m "not postgres"` leaves them all out."""
    for item in items:
        if "pg_database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


pytest_plugins = [
    "tests.harness.fixtures",  # bot_api, application_factory, application, telegram
    "tests.device_simulator.fixtures",  # device_clock, camera_simulator, nvr_simulator, ...
    "tests.pseudo_language",  # pseudo_language
]
