"""The people's outbox: a row owed is held by its writer, then by one claim at a time, settled
once, and forgotten a day after it was sent."""

from datetime import timedelta

from sharing.people import person_outbox
from sharing.people.person_outbox import KEPT, Owed
from storage.database import Database
from storage.models import Account
from tests.clock import FakeClock
from tests.factories import make_account

LEASE = timedelta(seconds=30)


async def owe(database: Database, clock: FakeClock, *, lease: timedelta = LEASE) -> Owed:
    async with database.write() as session:
        if await session.get(Account, 1) is None:
            await make_account(session, 1, first_name="Rita")
        return await person_outbox.owe(
            session, account_id=1, kind="share_left", payload={"n": 1}, now=clock(), lease=lease
        )


async def claim(database: Database, clock: FakeClock) -> tuple[Owed, ...]:
    async with database.write() as session:
        return await person_outbox.claim_due(session, now=clock(), lease=LEASE)


async def settle(database: Database, clock: FakeClock, owed: Owed) -> bool:
    async with database.write() as session:
        return await person_outbox.settle(session, owed_id=owed.id, now=clock())


async def test_a_row_is_held_by_its_writer_until_its_lease_runs_out(
    database: Database, clock: FakeClock
) -> None:
    owed = await owe(database, clock)
    assert owed.payload == {"n": 1} and owed.kind == "share_left"

    assert await claim(database, clock) == ()
    clock.advance(seconds=LEASE.total_seconds())
    assert await claim(database, clock) == (owed,)
    assert await claim(database, clock) == ()  # held by that claim now
    clock.advance(seconds=LEASE.total_seconds())
    assert await claim(database, clock) == (owed,)  # that claim died: its lease ran out


async def test_a_row_is_settled_once_and_never_claimed_again(
    database: Database, clock: FakeClock
) -> None:
    owed = await owe(database, clock, lease=timedelta(0))
    assert await settle(database, clock, owed) is True
    assert await settle(database, clock, owed) is False
    clock.advance(days=2)
    assert await claim(database, clock) == ()


async def test_many_rows_owed_at_once_come_back_whole_in_order(
    database: Database, clock: FakeClock
) -> None:
    async with database.write() as session:
        await make_account(session, 1, first_name="Rita")
        owed = await person_outbox.owe_many(
            session,
            [(1, "a", {"i": i}) for i in range(300)],
            now=clock(),
            lease=timedelta(0),
        )
    assert [each.payload["i"] for each in owed] == list(range(300))
    assert [each.id for each in owed] == sorted(each.id for each in owed)
    assert (await claim(database, clock)) == owed[: person_outbox.BATCH]


async def test_sent_rows_are_forgotten_after_a_day_and_unsent_ones_given_up(
    database: Database, clock: FakeClock
) -> None:
    sent = await owe(database, clock, lease=timedelta(0))
    clock.advance(hours=6)
    await settle(database, clock, sent)  # a day from now, not from when it was owed
    clock.advance(hours=6)
    await owe(database, clock)  # never sent
    clock.advance(seconds=KEPT.total_seconds() - 6 * 3600 - 1)

    async with database.write() as session:
        assert await person_outbox.forget_sent(session, now=clock()) == 0, "sent < a day ago"
    clock.advance(seconds=1)
    async with database.write() as session:
        assert await person_outbox.forget_sent(session, now=clock()) == 1
    clock.advance(hours=6)
    async with database.write() as session:
        assert await person_outbox.forget_sent(session, now=clock()) == 1
        assert not await person_outbox.any_due(session, now=clock())


def test_a_lease_for_many_rows_covers_sending_them_all() -> None:
    assert person_outbox.lease_for(0, base=LEASE) == LEASE
    assert person_outbox.lease_for(1000, base=LEASE) == LEASE + timedelta(seconds=50)
