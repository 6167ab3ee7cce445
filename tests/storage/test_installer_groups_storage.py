"""Installer groups on both backends, and their races on PostgreSQL: two flushes claim a group's
news once; two taps on Link store one link; a link racing the device's removal is told the
truth; a group's move keeps everything; the expiry sweep knows which devices have groups to
tell."""

from datetime import UTC, datetime

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.devices import devices
from sharing.devices.devices import RemovedDevice
from sharing.errors import DeviceNotFound
from sharing.groups import group_outbox, installer_groups
from sharing.groups.installer_groups import GroupView, LinkChange
from sharing.shares import shares
from storage.database import Database
from storage.models import Account, DeviceGroupLink, GroupNewsLine, InstallerGroup
from tests.clock import FakeClock
from tests.factories import make_account, make_device
from tests.storage.test_concurrency_postgres import TTL, race, share_with

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
OWNER, RECIPIENT, CHAT, SUPERGROUP_CHAT = 1, 2, -4_000_000_001, -1_000_000_000_001


async def world(database: Database, chat_id: int = CHAT) -> tuple[GroupView, int]:
    """A group that allows linking, and a device of OWNER's."""
    async with database.write() as session:
        owner = await session.get(Account, OWNER) or await make_account(session, OWNER)
        device = await make_device(session, owner)
        await installer_groups.note_bot_added(
            session, chat_id=chat_id, title="Installers", added_by=OWNER, now=NOW
        )
        group = await installer_groups.set_linking(
            session,
            chat_id=chat_id,
            title="Installers",
            admin_id=OWNER,
            is_admin=True,
            allowed=True,
            now=NOW,
        )
    assert device.id is not None
    return group, device.id


async def link(session: AsyncSession, group: GroupView, device_id: int) -> LinkChange:
    return await installer_groups.link_device(
        session, owner_id=OWNER, device_id=device_id, group_id=group.id, is_member=True, now=NOW
    )


async def test_a_group_moves_with_its_links_and_news(any_database: Database) -> None:
    group, device_id = await world(any_database)
    newer, second_device = await world(any_database, SUPERGROUP_CHAT)
    async with any_database.write() as session:
        await link(session, group, device_id)
        await link(session, newer, device_id)
        await link(session, newer, second_device)
        await group_outbox.queue_line(session, group_ids=[newer.id], line="news", now=NOW)

    async with any_database.write() as session:
        await installer_groups.move_group(session, old_chat_id=CHAT, new_chat_id=SUPERGROUP_CHAT)

    async with any_database.read() as session:
        moved = await installer_groups.find_group(session, chat_id=SUPERGROUP_CHAT)
        links = (await session.exec(select(DeviceGroupLink.group_id))).all()
        news = (await session.exec(select(GroupNewsLine.group_id))).all()
        groups = (await session.exec(select(func.count()).select_from(InstallerGroup))).one()
    assert moved is not None and moved.id == group.id
    assert (links, news, groups) == ([group.id, group.id], [group.id], 1)


async def test_two_flushes_claim_a_groups_news_once(pg_database: Database) -> None:
    group, _ = await world(pg_database)
    async with pg_database.write() as session:
        await group_outbox.queue_line(session, group_ids=[group.id], line="news", now=NOW)

    async def flush(session: AsyncSession) -> tuple[group_outbox.Dispatch, ...]:
        return await group_outbox.claim_due(session, now=NOW, room=4000, group_ids=[group.id])

    outcomes = await race(pg_database, flush, flush)

    assert sorted(len(dispatches) for dispatches in outcomes) == [0, 1]


async def test_two_taps_on_link_store_one_link(pg_database: Database) -> None:
    group, device_id = await world(pg_database)

    async def tap(session: AsyncSession) -> LinkChange:
        return await link(session, group, device_id)

    outcomes = await race(pg_database, tap, tap)

    assert sorted(change.changed for change in outcomes) == [False, True]
    async with pg_database.read() as session:
        assert (await session.exec(select(func.count()).select_from(DeviceGroupLink))).one() == 1


async def test_a_link_racing_the_devices_removal_is_made_and_removed_or_refused(
    pg_database: Database,
) -> None:
    """Never "linked by a concurrent tap" (what a failed insert used to mean): either the link
    is made and the removal takes it along, or the device is gone and the owner is told so."""
    group, device_id = await world(pg_database)

    async def tap(session: AsyncSession) -> LinkChange:
        return await link(session, group, device_id)

    async def remove(session: AsyncSession) -> RemovedDevice:
        return await devices.remove_device(session, owner_id=OWNER, device_id=device_id)

    tapped, removed = await race(pg_database, tap, remove)

    assert isinstance(removed, RemovedDevice)
    if isinstance(tapped, LinkChange):
        assert tapped.changed and removed.group_ids == (group.id,)
    else:
        assert isinstance(tapped, DeviceNotFound) and removed.group_ids == ()
    async with pg_database.read() as session:
        assert (await session.exec(select(func.count()).select_from(DeviceGroupLink))).one() == 0


async def test_the_sweep_knows_which_expired_invitations_a_group_hears_of(
    any_database: Database, clock: FakeClock
) -> None:
    """The sweep's UPDATE says which devices are linked (a subquery in its RETURNING, whose
    columns SQLAlchemy writes unqualified on SQLite), so news is made for those only."""
    group, linked = await world(any_database)
    async with any_database.write() as session:
        unlinked = (await make_device(session, await session.get_one(Account, OWNER))).id
        await make_account(session, RECIPIENT)
        await link(session, group, linked)
    for device_id in (linked, unlinked):
        assert device_id is not None
        async with any_database.write() as session:
            await share_with(device_id, RECIPIENT, clock)(session)

    async with any_database.write() as session:
        expired = await shares.expire_due_invitations(session, now=clock() + TTL)

    assert {each.device.id: each.device_linked for each in expired} == {
        linked: True,
        unlinked: False,
    }
