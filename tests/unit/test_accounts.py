"""Accounts: registration, region (R3) and the phone proved by one's own contact (R10)."""

import pytest

from sharing.errors import AccountNotFound, InvalidPhone, InvalidRegion
from sharing.people import accounts
from storage.database import Database
from tests.clock import FakeClock


async def register(database: Database, clock: FakeClock, user_id: int, **names: str) -> None:
    async with database.write() as session:
        await accounts.register(
            session,
            user_id=user_id,
            first_name=names.get("first_name", "Ann"),
            last_name=None,
            username=names.get("username"),
            language_code="en",
            now=clock(),
        )


async def test_register_creates_then_refreshes(database: Database, clock: FakeClock) -> None:
    async with database.write() as session:
        first, is_new = await accounts.register(
            session,
            user_id=10,
            first_name="Ann",
            last_name="Lee",
            username="AnnLee",
            language_code="de",
            now=clock(),
        )
    async with database.write() as session:
        again, is_new_again = await accounts.register(
            session,
            user_id=10,
            first_name="Annie",
            last_name=None,
            username=None,
            language_code="de",
            now=clock(),
        )
    assert is_new and not is_new_again
    assert first.username == "annlee" and first.display_name == "Ann Lee"
    assert again.display_name == "Annie" and again.username is None


async def test_region_is_validated(database: Database, clock: FakeClock) -> None:
    await register(database, clock, 10)
    async with database.write() as session:
        account = await accounts.set_region(session, account_id=10, region=" de ")
    assert account.region == "DE"
    with pytest.raises(InvalidRegion):
        async with database.write() as session:
            await accounts.set_region(session, account_id=10, region="XX")
    with pytest.raises(AccountNotFound):
        async with database.write() as session:
            await accounts.set_region(session, account_id=99, region="DE")


async def test_a_proved_phone_moves_to_the_latest_account(
    database: Database, clock: FakeClock
) -> None:
    await register(database, clock, 10)
    await register(database, clock, 11)
    async with database.write() as session:
        await accounts.verify_phone(session, account_id=10, phone="447700900123")
    async with database.write() as session:
        moved = await accounts.verify_phone(session, account_id=11, phone="+44 7700 900123")
    async with database.read() as session:
        previous = await accounts.get_account(session, 10)
    assert moved.phone == "+447700900123"
    assert previous.phone is None


def test_phone_numbers_are_normalised_to_e164() -> None:
    assert accounts.normalise_phone("030 1234567", region="DE") == "+49301234567"
    assert accounts.normalise_phone("4930 1234567") == "+49301234567"
    with pytest.raises(InvalidPhone):
        accounts.normalise_phone("12")
    with pytest.raises(InvalidPhone):
        accounts.normalise_phone("call me")
