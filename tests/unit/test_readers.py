"""Accounts' languages and time zones, remembered between updates."""

from sharing.people import accounts
from sharing.people.readers import KEEP_FOR, ReaderCache
from tests.unit.sharing_world import OWNER, World


async def _set_language(world: World, language: str) -> None:
    async with world.database.write() as session:
        await accounts.set_language(session, account_id=OWNER, language=language)


async def test_a_reader_is_read_once_then_remembered_until_it_is_forgotten(world: World) -> None:
    readers = ReaderCache()
    assert await readers.reader_of(world.database, OWNER, now=world.clock()) == ("en", "UTC")
    await _set_language(world, "ru")
    assert await readers.reader_of(world.database, OWNER, now=world.clock()) == ("en", "UTC")
    readers.forget(OWNER)
    assert await readers.reader_of(world.database, OWNER, now=world.clock()) == ("ru", "UTC")


async def test_a_change_made_elsewhere_is_seen_within_a_while(world: World) -> None:
    readers = ReaderCache()
    await readers.reader_of(world.database, OWNER, now=world.clock())
    await _set_language(world, "es")
    assert await readers.reader_of(
        world.database, OWNER, now=world.clock.advance(seconds=KEEP_FOR.total_seconds())
    ) == ("es", "UTC")


async def test_no_account_has_no_reader(world: World) -> None:
    assert await ReaderCache().reader_of(world.database, 999_999, now=world.clock()) is None
