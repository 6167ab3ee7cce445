"""`Database.read()` refuses to write: a read session has no transaction, so each write there
would commit on its own, half a unit of work. And, having no transaction, each of its statements
sees what was committed when it began: code that reads twice must survive a change in between."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, update

from sharing.applications import link_tokens
from sharing.errors import LinkNotFound
from storage.database import Database, ReadOnlySessionError
from storage.models import Account, Device
from tests.clock import FakeClock
from tests.factories import make_account, make_device


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


async def test_a_device_removed_between_the_reads_of_its_link_is_a_link_not_found(
    any_database: Database, clock: FakeClock
) -> None:
    async with any_database.write() as session:
        device = await make_device(session, await make_account(session, 1))
        assert device.id is not None
        issued = await link_tokens.issue_device_token(
            session, owner_id=1, device_id=device.id, ttl=timedelta(days=1), now=clock()
        )

    async with any_database.read() as session:
        read = session.get

        async def removed_meanwhile(model: type, key: Any, **options: Any) -> Any:
            if model is Device:  # the owner's Remove commits between the token and the device
                async with any_database.write() as other:
                    await other.exec(delete(Device).where(Device.id == key))  # type: ignore[arg-type]
            return await read(model, key, **options)

        session.get = removed_meanwhile  # type: ignore[method-assign]
        with pytest.raises(LinkNotFound):
            await link_tokens.open_link(session, token=issued.token, now=clock())
