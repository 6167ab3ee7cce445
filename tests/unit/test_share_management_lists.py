"""The reads behind /shared, /received and /devices: who may read a share, devices I share,
what I received with the invitations on top, and the counts; each in a fixed number of queries.
On SQLite and PostgreSQL (their sums and CASE expressions are typed differently)."""

import pytest

from sharing.errors import ShareNotActive, ShareNotFound
from sharing.shares.share_queries import (
    count_received,
    get_owned_share,
    get_received_share,
    list_received_page,
    list_shared_devices,
)
from sharing.views import ReceivedCounts
from storage.database import Database
from storage.models import Account, AddressKind, Device, ShareState
from tests.clock import FakeClock
from tests.factories import make_account, make_device, make_share
from tests.unit.sharing_world import OWNER, RECIPIENT, STRANGER, World, seed_world
from tests.unit.test_share_lists import counted_selects


@pytest.fixture
async def world(any_database: Database, clock: FakeClock) -> World:
    return await seed_world(any_database, clock)


async def test_an_owned_share_is_read_by_its_owner_only(world: World) -> None:
    share = (await world.share()).share
    async with world.database.read() as session:
        assert (await get_owned_share(session, share_id=share.id, owner_id=OWNER)).id == share.id
        for someone in (RECIPIENT, STRANGER):
            with pytest.raises(ShareNotFound):
                await get_owned_share(session, share_id=share.id, owner_id=someone)
        with pytest.raises(ShareNotFound):
            await get_owned_share(session, share_id=999_999, owner_id=OWNER)


async def test_a_received_share_is_read_by_its_recipient_while_active(world: World) -> None:
    share = (await world.share()).share
    async with world.database.read() as session:
        with pytest.raises(ShareNotActive):  # still an invitation
            await get_received_share(session, share_id=share.id, recipient_id=RECIPIENT)
    await world.accept(share)
    async with world.database.read() as session:
        seen = await get_received_share(session, share_id=share.id, recipient_id=RECIPIENT)
        assert seen.state == ShareState.ACTIVE
        for someone in (OWNER, STRANGER):
            with pytest.raises(ShareNotFound):
                await get_received_share(session, share_id=share.id, recipient_id=someone)


async def test_devices_i_share_with_their_counts(world: World) -> None:
    await world.accept((await world.share()).share)
    await world.share(STRANGER)
    async with world.database.write() as session:
        owner = await session.get_one(Account, OWNER)
        quiet = await make_device(session, owner, name="Attic")  # shared with nobody live
        await make_share(
            session, quiet, await session.get_one(Account, RECIPIENT), state=ShareState.REVOKED
        )
        cam = await make_device(session, owner, name="Back cam")
        await make_share(
            session,
            cam,
            None,
            state=ShareState.PENDING,
            address=(AddressKind.PHONE, "+447700900777"),
        )
        other = await make_device(session, await make_account(session, 50), name="Not mine")
        await make_share(session, other, await session.get_one(Account, RECIPIENT))

    async with world.database.read() as session:
        page = await list_shared_devices(session, owner_id=OWNER, offset=0, limit=10)
        second = await list_shared_devices(session, owner_id=OWNER, offset=1, limit=1)

    assert [(d.device.name, d.active, d.pending) for d in page.items] == [
        ("Back cam", 0, 1),
        ("Shop NVR", 1, 1),
    ]
    assert page.total == 2 and not page.has_next
    assert [d.device.name for d in second.items] == ["Shop NVR"] and second.has_previous


async def test_the_received_page_puts_invitations_first_and_pages_across_both(
    world: World,
) -> None:
    async with world.database.write() as session:
        recipient = await session.get_one(Account, RECIPIENT)
        for owner_id, name in [(10, "Bravo"), (11, "Alpha"), (12, "Charlie")]:
            device = await make_device(session, await make_account(session, owner_id), name=name)
            await make_share(session, device, recipient)
    first = (await world.share()).share
    world.clock.advance(minutes=1)
    second_device = await world.add_device()
    second = (await world.share(device_id=second_device)).share

    async def page(offset: int, limit: int) -> list[str]:
        async with world.database.read() as session:
            got = await list_received_page(
                session, recipient_id=RECIPIENT, now=world.clock(), offset=offset, limit=limit
            )
        assert (got.invitation_total, got.device_total, got.total) == (2, 3, 5)
        return [f"invitation {s.id}" for s in got.invitations] + [
            s.device.name for s in got.devices
        ]

    assert await page(0, 3) == [f"invitation {first.id}", f"invitation {second.id}", "Alpha"]
    assert await page(3, 3) == ["Bravo", "Charlie"]
    assert await page(1, 2) == [f"invitation {second.id}", "Alpha"]
    assert await page(0, 10) == [
        f"invitation {first.id}",
        f"invitation {second.id}",
        "Alpha",
        "Bravo",
        "Charlie",
    ]


async def test_counts_of_what_i_received(world: World) -> None:
    async with world.database.read() as session:
        assert await count_received(
            session, recipient_id=RECIPIENT, now=world.clock()
        ) == ReceivedCounts(0, 0)
    await world.accept((await world.share()).share)
    await world.share(device_id=await world.add_device())
    await world.share(device_id=await world.add_device())
    await world.share(STRANGER)
    async with world.database.read() as session:
        now = await count_received(session, recipient_id=RECIPIENT, now=world.clock())
        later = await count_received(
            session, recipient_id=RECIPIENT, now=world.clock().replace(year=2027)
        )
    assert now == ReceivedCounts(invitations=2, devices=1)
    assert later == ReceivedCounts(invitations=0, devices=1)  # expired, not swept yet


async def test_the_new_lists_cost_the_same_queries_whatever_their_length(world: World) -> None:
    async with world.database.write() as session:
        owner = await session.get_one(Account, OWNER)
        recipient = await session.get_one(Account, RECIPIENT)
        for index in range(30):
            device = await make_device(session, owner, name=f"Site {index:02d}")
            await make_share(session, device, recipient, channels=(1, 2))
            sender = await make_account(session, 1_000 + index)
            received = await make_device(session, sender)
            await make_share(session, received, recipient, state=ShareState.PENDING)
        assert (await session.get_one(Device, world.device_id)).owner_id == OWNER

    async def both(limit: int) -> None:
        async with world.database.read() as session:
            await list_shared_devices(session, owner_id=OWNER, offset=0, limit=limit)
            await list_received_page(
                session, recipient_id=RECIPIENT, now=world.clock(), offset=20, limit=limit
            )

    with counted_selects(world.database) as short:
        await both(2)
    with counted_selects(world.database) as long:
        await both(25)
    # /shared is one query. /received: no invitation is listed (none has an expiry), so their
    # empty page past the first needs its count, but no grants query; then the devices with
    # their count, and their grants.
    assert len(long) == len(short) == 1 + 4
