"""`Database.read()` refuses to write: on PostgreSQL a read session has no transaction, so each
write there would commit on its own, half a unit of work."""

import pytest
from sqlalchemy import update

from storage.database import Database, ReadOnlySessionError
from storage.models import Account
from tests.clock import FakeClock


async def test_a_read_session_refuses_write_statements_and_changes(
    any_database: Database, clock: FakeClock
) -> None:
    async with any_database.write() as session:
        session.add(Account(id=1, first_name="Olivia", created_at=clock()))

    async with any_database.read() as session:
        with pytest.raises(ReadOnlySessionError):
            await session.exec(update(Account).values(first_name="Changed"))  # type: ignore[call-overload]
        account = await session.get_one(Account, 1)
        account.first_name = "Changed"
        with pytest.raises(ReadOnlySessionError):
            await session.flush()

    async with any_database.read() as session:
        assert (await session.get_one(Account, 1)).first_name == "Olivia"
