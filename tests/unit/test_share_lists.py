"""The lists: invitations waiting for me, shares I own, shares I received; pages; query counts."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from sharing.paging import Page
from sharing.shares.share_queries import list_invitations, list_owned_shares, list_received_shares
from sharing.views import ListedShare
from storage.database import Database
from storage.models import Account, Device, Permission, ShareState
from tests.factories import make_account, make_device, make_share
from tests.unit.sharing_world import OWNER, RECIPIENT, STRANGER, World


@contextmanager
def counted_selects(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        if args[2].startswith("SELECT"):
            statements.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def owned(world: World, device_id: int | None, offset: int, limit: int) -> Page[ListedShare]:
    async with world.database.read() as session:
        return await list_owned_shares(
            session, owner_id=OWNER, device_id=device_id, offset=offset, limit=limit
        )


async def test_invitations_waiting_for_me(world: World) -> None:
    waiting = (await world.share()).share
    other_device = await world.add_device()
    world.clock.advance(days=1)
    await world.accept((await world.share(device_id=other_device)).share)
    await world.share(STRANGER)
    world.clock.advance(days=2, seconds=1)  # the first ran out, the sweep has not run

    async with world.database.read() as session:
        now_page = await list_invitations(
            session, recipient_id=RECIPIENT, now=world.clock(), offset=0, limit=10
        )
        earlier_page = await list_invitations(
            session, recipient_id=RECIPIENT, now=waiting.created_at, offset=0, limit=10
        )

    assert now_page.items == () and now_page.total == 0
    assert [share.id for share in earlier_page.items] == [waiting.id]


async def test_shares_i_own_per_device_and_in_pages(world: World) -> None:
    async with world.database.write() as session:
        device = await session.get_one(Device, world.device_id)
        for account_id in range(100, 105):
            await make_share(session, device, await make_account(session, account_id))
        await make_share(
            session, device, await session.get_one(Account, RECIPIENT), state=ShareState.REVOKED
        )
        other = await make_device(session, await session.get_one(Account, OWNER), name="A cam")
        await make_share(session, other, await session.get_one(Account, STRANGER))

    first = await owned(world, world.device_id, offset=0, limit=3)
    second = await owned(world, world.device_id, offset=3, limit=3)
    everything = await owned(world, None, offset=0, limit=10)

    assert (first.total, len(first.items), first.has_next) == (5, 3, True)
    assert (len(second.items), second.has_next, second.has_previous) == (2, False, True)
    recipients = [s.recipient.id for s in first.items + second.items if s.recipient]
    assert recipients == list(range(100, 105))
    assert everything.items[0].device.name == "A cam"
    assert everything.total == 6


async def test_shares_i_received_are_the_active_ones_by_my_names(world: World) -> None:
    async with world.database.write() as session:
        recipient = await session.get_one(Account, RECIPIENT)
        for owner_id, name, alias in [(10, "Zoo", "Aunt"), (11, "Bar", None), (12, "Cafe", None)]:
            device = await make_device(session, await make_account(session, owner_id), name=name)
            share = await make_share(session, device, recipient)
            share.alias = alias
        await make_share(session, device, await session.get_one(Account, STRANGER))
        pending_device = await make_device(session, await session.get_one(Account, OWNER))
        await make_share(session, pending_device, recipient, state=ShareState.PENDING)

    async with world.database.read() as session:
        page = await list_received_shares(session, recipient_id=RECIPIENT, offset=0, limit=10)

    assert [s.alias or s.device.name for s in page.items] == ["Aunt", "Bar", "Cafe"]
    assert [s.owner.id for s in page.items] == [10, 11, 12]


async def test_a_list_costs_the_same_queries_whatever_its_length(world: World) -> None:
    async with world.database.write() as session:
        device = await make_device(session, await session.get_one(Account, OWNER), channels=16)
        for account_id in range(100, 120):
            account = await make_account(session, account_id)
            await make_share(session, device, account, channels=range(1, 17))

    with counted_selects(world.database) as short:
        assert len((await owned(world, device.id, offset=0, limit=2)).items) == 2
    with counted_selects(world.database) as long:
        page = await owned(world, device.id, offset=0, limit=20)

    assert len(page.items) == 20 and all(s.channel_count == 16 for s in page.items)
    assert len(long) == len(short) == 2  # shares with their total, their grants


async def test_a_page_knows_the_total_whether_or_not_it_has_rows(world: World) -> None:
    """The total comes with the page's rows; a page without rows counts apart, or knows none."""
    assert (await owned(world, world.device_id, offset=0, limit=8)).total == 0
    for recipient in (RECIPIENT, STRANGER):
        await world.share(recipient)

    pages = [
        await owned(world, world.device_id, offset=offset, limit=limit)
        for offset, limit in ((0, 1), (1, 8), (5, 8), (0, 0))
    ]

    assert [(len(page.items), page.total) for page in pages] == [(1, 2), (1, 2), (0, 2), (0, 2)]


async def test_a_list_line_counts_the_channels_and_names_their_permissions(world: World) -> None:
    """Lists count grants in the database; a share read alone has them channel by channel."""
    live, playback = Permission.LIVE_VIEW, Permission.LIVE_VIEW | Permission.PLAYBACK
    mixed = (await world.share(grants={1: live, 2: playback, 3: live})).share
    same = (await world.share(STRANGER, grants={2: playback, 4: playback})).share

    page = await owned(world, world.device_id, offset=0, limit=10)

    lines = {line.id: (line.channel_count, line.permission_sets) for line in page.items}
    assert lines == {
        mixed.id: (3, frozenset({live, playback})),
        same.id: (2, frozenset({playback})),
    }
    assert [grant.channel_number for grant in mixed.grants] == [1, 2, 3]
