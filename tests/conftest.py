"""Fixtures shared by every layer of tests: the clock and a fresh database per test."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from storage.database import Database
from tests.clock import FakeClock

import storage.models  # noqa: F401  (registers the tables; replaced by migrations, see below)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh SQLite database. TODO(migrations): build it with `alembic upgrade head`."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'camshare.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    yield database
    await database.dispose()
