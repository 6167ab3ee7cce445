"""Installer groups in the domain: who may link what where, a group's life (joined, seen, moved,
left), and the lists the screens show."""

from typing import Any

import pytest
from sqlmodel import func, select

from sharing.devices import devices
from sharing.errors import (
    DeviceNotFound,
    GroupNotFound,
    LinkingNotAllowed,
    NotGroupAdministrator,
    NotGroupMember,
)
from sharing.groups import group_outbox, installer_groups
from sharing.groups.installer_groups import GroupView
from storage.models import (
    DeviceGroupLink,
    GroupMessageSent,
    GroupNewsLine,
    GroupSighting,
    InstallerGroup,
)
from tests.unit.sharing_world import OWNER, RECIPIENT, STRANGER, World

CHAT, SUPERGROUP_CHAT = -4_000_000_001, -1_000_000_000_001
ADMIN = 99


async def joined(world: World, chat_id: int = CHAT, title: str = "Installers") -> GroupView:
    async with world.database.write() as session:
        group, _ = await installer_groups.note_bot_added(
            session, chat_id=chat_id, title=title, added_by=ADMIN, now=world.clock()
        )
    return group


async def allowed(world: World, chat_id: int = CHAT, title: str = "Installers") -> GroupView:
    await joined(world, chat_id, title)
    async with world.database.write() as session:
        return await installer_groups.set_linking(
            session,
            chat_id=chat_id,
            title=title,
            admin_id=ADMIN,
            is_admin=True,
            allowed=True,
            now=world.clock(),
        )


async def link(
    world: World, group: GroupView, *, owner_id: int = OWNER, is_member: bool = True, **ids: int
) -> installer_groups.LinkChange:
    async with world.database.write() as session:
        return await installer_groups.link_device(
            session,
            owner_id=owner_id,
            device_id=ids.get("device_id", world.device_id),
            group_id=ids.get("group_id", group.id),
            is_member=is_member,
            now=world.clock(),
        )


async def seen(world: World, user_id: int, chat_id: int = CHAT, title: str = "Installers") -> None:
    async with world.database.write() as session:
        await installer_groups.note_seen(
            session, chat_id=chat_id, title=title, user_id=user_id, now=world.clock()
        )


async def count(world: World, model: Any) -> int:
    async with world.database.read() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


# --- the rules -----------------------------------------------------------------------------------


async def test_the_owner_links_a_device_once(world: World) -> None:
    group = await allowed(world)
    first = await link(world, group)
    again = await link(world, group)
    assert (first.changed, again.changed) == (True, False)
    assert first.device.name == "Shop NVR" and first.group.title == "Installers"
    assert await count(world, DeviceGroupLink) == 1


async def test_nobody_else_links_or_unlinks_a_device(world: World) -> None:
    group = await allowed(world)
    with pytest.raises(DeviceNotFound):
        await link(world, group, owner_id=RECIPIENT)
    await link(world, group)
    with pytest.raises(DeviceNotFound):
        async with world.database.write() as session:
            await installer_groups.unlink_device(
                session, owner_id=RECIPIENT, device_id=world.device_id, group_id=group.id
            )
    assert await count(world, DeviceGroupLink) == 1


async def test_linking_needs_membership_and_an_administrators_leave(world: World) -> None:
    group = await joined(world)
    with pytest.raises(LinkingNotAllowed) as refused:
        await link(world, group)
    assert refused.value.group_title == "Installers"
    group = await allowed(world)
    with pytest.raises(NotGroupMember):
        await link(world, group, is_member=False)
    with pytest.raises(GroupNotFound):
        await link(world, group, group_id=group.id + 100)
    assert await count(world, DeviceGroupLink) == 0


async def test_only_an_administrator_allows_or_stops_linking_and_links_stay(world: World) -> None:
    group = await allowed(world)
    await link(world, group)

    async def set_linking(*, is_admin: bool, allowed: bool) -> GroupView:
        async with world.database.write() as session:
            return await installer_groups.set_linking(
                session,
                chat_id=CHAT,
                title="Installers",
                admin_id=STRANGER,
                is_admin=is_admin,
                allowed=allowed,
                now=world.clock(),
            )

    with pytest.raises(NotGroupAdministrator):
        await set_linking(is_admin=False, allowed=False)
    assert (await set_linking(is_admin=True, allowed=False)).linking_allowed is False
    with pytest.raises(LinkingNotAllowed):
        await link(world, group, device_id=await world.add_device())
    assert await count(world, DeviceGroupLink) == 1


async def test_unlinking_needs_only_ownership(world: World) -> None:
    group = await allowed(world)
    await link(world, group)

    async def unlink() -> bool:
        async with world.database.write() as session:
            change = await installer_groups.unlink_device(
                session, owner_id=OWNER, device_id=world.device_id, group_id=group.id
            )
        return change.changed

    assert (await unlink(), await unlink()) == (True, False)


# --- a group's life ------------------------------------------------------------------------------


async def test_a_group_is_new_once_and_keeps_its_title_fresh(world: World) -> None:
    async with world.database.write() as session:
        _, first = await installer_groups.note_bot_added(
            session, chat_id=CHAT, title="Installers", added_by=ADMIN, now=world.clock()
        )
        _, second = await installer_groups.note_bot_added(
            session, chat_id=CHAT, title="Installers Ltd", added_by=ADMIN, now=world.clock()
        )
    assert (first, second) == (True, False)
    async with world.database.read() as session:
        group = await installer_groups.find_group(session, chat_id=CHAT)
    assert group is not None and group.title == "Installers Ltd"
    assert await count(world, GroupSighting) == 1


async def test_a_group_left_takes_its_links_sightings_and_news(world: World) -> None:
    group = await allowed(world)
    await link(world, group)
    await seen(world, OWNER)
    async with world.database.write() as session:
        await group_outbox.queue_line(session, group_ids=[group.id], line="x", now=world.clock())
        await group_outbox.settle(
            session, group_id=group.id, sent_line_ids=[], messages_sent=1, now=world.clock()
        )
        assert await installer_groups.forget_group(session, chat_id=CHAT)
        assert not await installer_groups.forget_group(session, chat_id=CHAT)
    for model in (InstallerGroup, DeviceGroupLink, GroupSighting, GroupNewsLine, GroupMessageSent):
        assert await count(world, model) == 0, model


async def test_a_group_that_became_a_supergroup_keeps_everything(world: World) -> None:
    group = await allowed(world)
    await link(world, group)
    async with world.database.write() as session:
        assert await installer_groups.move_group(
            session, old_chat_id=CHAT, new_chat_id=SUPERGROUP_CHAT
        )
        assert not await installer_groups.move_group(
            session, old_chat_id=CHAT, new_chat_id=SUPERGROUP_CHAT
        )
    async with world.database.read() as session:
        moved = await installer_groups.find_group(session, chat_id=SUPERGROUP_CHAT)
        assert await installer_groups.find_group(session, chat_id=CHAT) is None
        assert await installer_groups.groups_of_device(session, device_id=world.device_id) == (
            group.id,
        )
    assert moved == GroupView(
        group.id, SUPERGROUP_CHAT, "Installers", linking_allowed=True, language="en"
    )


async def test_the_groups_of_a_batch_of_devices_in_one_query(world: World) -> None:
    """What the expiry sweep asks for a batch of events: devices in no group are left out."""
    installers, office = await allowed(world), await allowed(world, SUPERGROUP_CHAT, "Office")
    in_both, unlinked = world.device_id, await world.add_device()
    await link(world, installers)
    await link(world, office)
    in_office = await world.add_device()
    await link(world, office, device_id=in_office)

    async with world.database.read() as session:
        groups = await installer_groups.groups_of_devices(
            session, device_ids=[in_both, unlinked, in_office, in_both]
        )

    assert groups == {in_both: (installers.id, office.id), in_office: (office.id,)}


async def test_a_supergroup_known_before_the_move_is_folded_into_the_group(world: World) -> None:
    """A command from the new chat reached the bot before Telegram's announcement of the move:
    the new chat became a group of its own, with a sighting, a link and news of its own."""
    group = await allowed(world)
    await link(world, group)
    await seen(world, OWNER)
    newer = await allowed(world, SUPERGROUP_CHAT)
    second_device = await world.add_device()
    await link(world, newer)  # the same device: one link survives
    await link(world, newer, device_id=second_device)
    await seen(world, OWNER, SUPERGROUP_CHAT)
    await seen(world, RECIPIENT, SUPERGROUP_CHAT)
    async with world.database.write() as session:
        await group_outbox.queue_line(session, group_ids=[group.id], line="old", now=world.clock())
        await group_outbox.queue_line(session, group_ids=[newer.id], line="new", now=world.clock())

    async with world.database.write() as session:
        await installer_groups.move_group(session, old_chat_id=CHAT, new_chat_id=SUPERGROUP_CHAT)

    async with world.database.read() as session:
        moved = await installer_groups.find_group(session, chat_id=SUPERGROUP_CHAT)
        assert moved is not None and moved.id == group.id
        links = (await session.exec(select(DeviceGroupLink.device_id))).all()
        sightings = (await session.exec(select(GroupSighting.user_id))).all()
        news = (await session.exec(select(GroupNewsLine.group_id, GroupNewsLine.line))).all()
    assert sorted(links) == sorted([world.device_id, second_device])
    assert sorted(sightings) == [OWNER, RECIPIENT, ADMIN]  # ADMIN added the bot to both
    assert sorted(news) == [(group.id, "new"), (group.id, "old")]
    assert await count(world, InstallerGroup) == 1


async def test_a_removed_device_names_the_groups_that_heard_of_it(world: World) -> None:
    group = await allowed(world)
    await link(world, group)
    async with world.database.write() as session:
        removed = await devices.remove_device(session, owner_id=OWNER, device_id=world.device_id)
    assert removed.group_ids == (group.id,)
    assert await count(world, DeviceGroupLink) == 0


# --- the lists -----------------------------------------------------------------------------------


async def test_the_card_offers_linked_groups_and_groups_where_the_owner_was_seen(
    world: World,
) -> None:
    linked = await allowed(world, CHAT, "Zeta installers")
    await link(world, linked)
    await joined(world, -4_000_000_002, "Alpha security")
    await seen(world, OWNER, -4_000_000_002, "Alpha security")
    await joined(world, -4_000_000_003, "Not mine")
    await seen(world, RECIPIENT, -4_000_000_003, "Not mine")

    async with world.database.read() as session:
        offered = await installer_groups.device_groups(
            session, owner_id=OWNER, device_id=world.device_id
        )
        with pytest.raises(DeviceNotFound):
            await installer_groups.device_groups(
                session, owner_id=RECIPIENT, device_id=world.device_id
            )
    assert [(c.group.title, c.linked) for c in offered.choices] == [
        ("Alpha security", False),
        ("Zeta installers", True),
    ]


async def test_the_card_always_offers_the_linked_groups_however_many_others(
    world: World,
) -> None:
    linked = await allowed(world, CHAT, "Zeta installers")
    await link(world, linked)
    for number in range(installer_groups.MAX_GROUP_CHOICES + 5):
        await seen(world, OWNER, -4_100_000_000 - number, f"Alpha {number:02d}")

    async with world.database.read() as session:
        offered = await installer_groups.device_groups(
            session, owner_id=OWNER, device_id=world.device_id
        )
    assert len(offered.choices) == installer_groups.MAX_GROUP_CHOICES
    assert offered.choices[-1].group.title == "Zeta installers" and offered.choices[-1].linked


async def test_my_devices_for_a_group_and_my_linked_groups(world: World) -> None:
    group = await allowed(world)
    other = await world.add_device()
    await link(world, group)
    async with world.database.read() as session:
        linked = await installer_groups.owner_devices_for_group(
            session, owner_id=OWNER, group_id=group.id, linked=True, offset=0, limit=8
        )
        unlinked = await installer_groups.owner_devices_for_group(
            session, owner_id=OWNER, group_id=group.id, linked=False, offset=0, limit=8
        )
        mine = await installer_groups.linked_groups(session, owner_id=OWNER)
        theirs = await installer_groups.linked_groups(session, owner_id=RECIPIENT)
    assert [d.id for d in linked.items] == [world.device_id]
    assert [d.id for d in unlinked.items] == [other] and unlinked.total == 1
    assert [(g.group.title, g.device_names) for g in mine] == [("Installers", ("Shop NVR",))]
    assert theirs == ()
