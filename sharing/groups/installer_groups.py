"""Installer groups: the Telegram groups the bot is in, who was seen there, and the devices
linked to each.

Telegram knows who is a member or an administrator of a group; the handlers ask it at the
moment it matters and pass the answer in as a plain value (`is_member`, `is_admin`). The rules
that use those facts live here:
- only a device's owner links or unlinks it (R2's spirit: the owner decides who hears of it);
- linking needs the owner to be a member of the group, and the group to have allowed linking,
  which only one of its administrators can do (`/allowlinking`): an installer company decides
  which customers' devices its group follows, and a customer who is a plain member can link
  their own device once it has;
- unlinking needs nothing but ownership: an owner can always withdraw a device.

A group is keyed by our own id; Telegram's chat id is a column, because a group that becomes a
supergroup gets a new one (`move_group`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from languages import LANGUAGES, SOURCE_LANGUAGE
from sharing.errors import (
    DeviceNotFound,
    GroupNotFound,
    LinkingNotAllowed,
    NotGroupAdministrator,
    NotGroupMember,
    UnknownLanguage,
)
from sharing.paging import TOTAL, Page, page_total
from sharing.shares.share_queries import device_ref
from sharing.views import DeviceRef
from storage.models import Device, DeviceGroupLink, GroupNewsLine, GroupSighting, InstallerGroup

TITLE_MAX_LENGTH = 255
MAX_GROUP_CHOICES = 20
"""The device card offers at most this many groups; nobody follows more from one phone."""


@dataclass(frozen=True)
class GroupView:
    id: int
    chat_id: int
    title: str
    linking_allowed: bool
    language: str
    """What the bot speaks in the group."""


@dataclass(frozen=True)
class GroupChoice:
    """A group the device card offers: linked already, or one where the owner was seen."""

    group: GroupView
    linked: bool
    hears_alarms: bool = False
    """Linked, and the owner turned the device's alarms on for it (`set_group_alarms`)."""


@dataclass(frozen=True)
class DeviceGroups:
    device: DeviceRef
    choices: tuple[GroupChoice, ...]


@dataclass(frozen=True)
class LinkedGroup:
    """For `/groups`: a group and the names of my devices linked to it."""

    group: GroupView
    device_names: tuple[str, ...]


@dataclass(frozen=True)
class LinkChange:
    device: DeviceRef
    group: GroupView
    changed: bool
    """False when the device was linked (or unlinked) already: a double tap, or another screen."""


# --- the bot's membership, and who was seen ----------------------------------------------------


async def note_bot_added(
    session: AsyncSession,
    *,
    chat_id: int,
    title: str,
    added_by: int,
    now: datetime,
    language: str = SOURCE_LANGUAGE,
) -> tuple[GroupView, bool]:
    """The bot joined a group: remember it, and that `added_by` is there. Returns (group,
    is_new); a group the bot knew already (it was promoted, or a command came first) is not
    new. A new group speaks `language`, its adder's, until an administrator changes it."""
    group, is_new = await _upsert_group(session, chat_id=chat_id, title=title, now=now)
    if is_new:
        group.language = language
    await _note_sighting(session, group_id=_id(group), user_id=added_by, now=now)
    return _view(group), is_new


async def note_seen(
    session: AsyncSession, *, chat_id: int, title: str, user_id: int, now: datetime
) -> GroupView:
    """`user_id` spoke to the bot in the group. The group is remembered too, in case the bot
    joined it before it kept track of groups, or its my_chat_member update was lost."""
    group, _ = await _upsert_group(session, chat_id=chat_id, title=title, now=now)
    await _note_sighting(session, group_id=_id(group), user_id=user_id, now=now)
    return _view(group)


async def forget_sighting(session: AsyncSession, *, group_id: int, user_id: int) -> None:
    """Telegram says the user is not in the group (any more)."""
    await session.exec(
        delete(GroupSighting).where(
            col(GroupSighting.group_id) == group_id, col(GroupSighting.user_id) == user_id
        )
    )


async def forget_group(session: AsyncSession, *, chat_id: int) -> bool:
    """The bot left or was removed: its links, sightings and queued news go with it."""
    result = await session.exec(
        delete(InstallerGroup).where(col(InstallerGroup.chat_id) == chat_id)
    )
    return bool(result.rowcount)


async def move_group(session: AsyncSession, *, old_chat_id: int, new_chat_id: int) -> bool:
    """The group became a supergroup under a new chat id; it keeps its links and its news.

    Telegram announces the move in both chats, and a command may reach the bot from the new
    chat before either announcement: then the new chat is known as a group of its own already,
    and is folded into the old one (its links, sightings and news move over) before the old one
    takes its chat id. Returns whether a group moved.
    """
    old = await _group_by_chat(session, old_chat_id)
    if old is None:
        return False
    newer = await _group_by_chat(session, new_chat_id)
    if newer is not None:
        await _fold_into(session, source=newer, target=old)
    old.chat_id = new_chat_id
    await session.flush()
    return True


async def _fold_into(
    session: AsyncSession, *, source: InstallerGroup, target: InstallerGroup
) -> None:
    """Move what `source` has and `target` lacks over to `target`, then delete `source`."""
    linked_to_target = select(DeviceGroupLink.device_id).where(
        DeviceGroupLink.group_id == target.id
    )
    await session.exec(
        update(DeviceGroupLink)
        .where(
            col(DeviceGroupLink.group_id) == source.id,
            col(DeviceGroupLink.device_id).not_in(linked_to_target),
        )
        .values(group_id=target.id)
    )
    seen_in_target = select(GroupSighting.user_id).where(GroupSighting.group_id == target.id)
    await session.exec(
        update(GroupSighting)
        .where(
            col(GroupSighting.group_id) == source.id,
            col(GroupSighting.user_id).not_in(seen_in_target),
        )
        .values(group_id=target.id)
    )
    await session.exec(
        update(GroupNewsLine)
        .where(col(GroupNewsLine.group_id) == source.id)
        .values(group_id=target.id)
    )
    if target.linking_allowed_by is None:
        target.linking_allowed_by = source.linking_allowed_by
        target.linking_allowed_at = source.linking_allowed_at
    await session.delete(source)
    await session.flush()


# --- allowing linking, linking and unlinking ---------------------------------------------------


async def set_linking(
    session: AsyncSession,
    *,
    chat_id: int,
    title: str,
    admin_id: int,
    is_admin: bool,
    allowed: bool,
    now: datetime,
) -> GroupView:
    """Allow or stop linking devices to the group; only an administrator may. Stopping keeps the
    devices linked already: each owner unlinks their own, or removing the bot ends them all."""
    group, _ = await _upsert_group(session, chat_id=chat_id, title=title, now=now)
    if not is_admin:
        raise NotGroupAdministrator(group.title)
    group.linking_allowed_by = admin_id if allowed else None
    group.linking_allowed_at = now if allowed else None
    await session.flush()
    return _view(group)


async def set_group_language(
    session: AsyncSession, *, chat_id: int, title: str, is_admin: bool, language: str, now: datetime
) -> GroupView:
    """What the bot speaks in the group: an administrator's choice, as for linking."""
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    group, _ = await _upsert_group(session, chat_id=chat_id, title=title, now=now)
    if not is_admin:
        raise NotGroupAdministrator(group.title)
    group.language = language
    await session.flush()
    return _view(group)


async def link_device(
    session: AsyncSession,
    *,
    owner_id: int,
    device_id: int,
    group_id: int,
    is_member: bool,
    now: datetime,
) -> LinkChange:
    """Both rows are read with a shared lock, held until the link is stored: a removal of the
    device, the bot's removal from the group or /stoplinking waits for this tap, or this tap
    sees it (on SQLite, write sessions take turns anyway). A failed insert can then only mean
    that a concurrent tap stored the same link."""
    device = await _owned_device(session, owner_id=owner_id, device_id=device_id, lock=True)
    group = await _group(session, group_id, lock=True)
    if not is_member:
        raise NotGroupMember(group.title)
    if group.linking_allowed_by is None:
        raise LinkingNotAllowed(group.title)
    change = LinkChange(device=device, group=_view(group), changed=False)
    if await session.get(DeviceGroupLink, (device_id, group_id)) is not None:
        return change
    try:
        async with session.begin_nested():
            session.add(DeviceGroupLink(device_id=device_id, group_id=group_id, linked_at=now))
            await session.flush()
    except IntegrityError:
        return change  # linked by a concurrent tap
    return LinkChange(device=device, group=_view(group), changed=True)


async def unlink_device(
    session: AsyncSession, *, owner_id: int, device_id: int, group_id: int
) -> LinkChange:
    device = await _owned_device(session, owner_id=owner_id, device_id=device_id)
    group = await _group(session, group_id)
    result = await session.exec(
        delete(DeviceGroupLink).where(
            col(DeviceGroupLink.device_id) == device_id, col(DeviceGroupLink.group_id) == group_id
        )
    )
    return LinkChange(device=device, group=_view(group), changed=bool(result.rowcount))


# --- queries -------------------------------------------------------------------------------------


async def find_group(session: AsyncSession, *, chat_id: int) -> GroupView | None:
    group = await _group_by_chat(session, chat_id, for_update=False)
    return _view(group) if group else None


async def get_group(session: AsyncSession, *, group_id: int) -> GroupView:
    return _view(await _group(session, group_id))


# The queries that updates run are built once, with bind parameters (here and `_GROUP_BY_CHAT`):
# building a statement and computing its cache key on every call took a large share of an
# update's time (`python -m bench`).

_GROUPS_OF_DEVICES = (
    select(DeviceGroupLink.device_id, DeviceGroupLink.group_id)
    .where(col(DeviceGroupLink.device_id).in_(bindparam("device_ids", expanding=True)))
    .order_by(col(DeviceGroupLink.device_id), col(DeviceGroupLink.group_id))
)


async def groups_of_device(session: AsyncSession, *, device_id: int) -> tuple[int, ...]:
    """The ids of the groups that hear about the device."""
    return (await groups_of_devices(session, device_ids=[device_id])).get(device_id, ())


async def groups_of_devices(
    session: AsyncSession, *, device_ids: Iterable[int]
) -> dict[int, tuple[int, ...]]:
    """The ids of the groups that hear about each device, for the devices linked to any: one
    query for a whole batch of events (the expiry sweep's)."""
    by_device: dict[int, list[int]] = {}
    rows = await session.exec(_GROUPS_OF_DEVICES, params={"device_ids": list(set(device_ids))})
    for device_id, group_id in rows:
        by_device.setdefault(device_id, []).append(group_id)
    return {device_id: tuple(group_ids) for device_id, group_ids in by_device.items()}


async def groups_by_language(
    session: AsyncSession, *, group_ids: Iterable[int]
) -> dict[str, tuple[int, ...]]:
    """The groups by the language they speak: news for many groups is written once in each."""
    ids = list(set(group_ids))
    if not ids:
        return {}
    rows = await session.exec(
        select(InstallerGroup.language, InstallerGroup.id)
        .where(col(InstallerGroup.id).in_(ids))
        .order_by(col(InstallerGroup.id))
    )
    by_language: dict[str, list[int]] = {}
    for language, group_id in rows:
        assert group_id is not None
        by_language.setdefault(language, []).append(group_id)
    return {language: tuple(ids) for language, ids in by_language.items()}


def _owner_devices_statements(
    *, linked: bool
) -> tuple[Select[*tuple[Any, ...]], SelectOfScalar[int]]:
    """A page of an owner's devices linked to a group (or not linked to it) by name, each row
    with how many there are (`TOTAL`); and that count alone, for a page without rows."""
    linked_here = exists().where(
        col(DeviceGroupLink.device_id) == col(Device.id),
        col(DeviceGroupLink.group_id) == bindparam("group_id"),
    )
    where = (col(Device.owner_id) == bindparam("owner_id"), linked_here if linked else ~linked_here)
    page: Select[*tuple[Any, ...]] = (
        Select(col(Device.id), col(Device.name), col(Device.type), TOTAL)
        .where(*where)
        .order_by(col(Device.name), col(Device.id))
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return page, select(func.count()).select_from(Device).where(*where)


_OWNER_DEVICES_FOR_GROUP = {
    linked: _owner_devices_statements(linked=linked) for linked in (True, False)
}


async def owner_devices_for_group(
    session: AsyncSession, *, owner_id: int, group_id: int, linked: bool, offset: int, limit: int
) -> Page[DeviceRef]:
    """My devices linked to the group (`linked`), or not linked to it, by name."""
    page, count = _OWNER_DEVICES_FOR_GROUP[linked]
    params = {"owner_id": owner_id, "group_id": group_id}
    rows = (await session.exec(page, params={**params, "offset": offset, "limit": limit})).all()
    items = tuple(DeviceRef(id_, name, type_) for id_, name, type_, _ in rows)
    total = await page_total(session, rows, count, params, offset=offset, limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


_LINKED = col(InstallerGroup.id).in_(bindparam("linked_ids", expanding=True))
_GROUP_CHOICES = (
    select(InstallerGroup)
    .where(
        or_(
            _LINKED,
            col(InstallerGroup.id).in_(
                select(GroupSighting.group_id).where(GroupSighting.user_id == bindparam("owner_id"))
            ),
        )
    )
    # Linked groups first into the limit, so that however many groups the owner was seen in,
    # the card always offers to unlink the ones the device is linked to.
    .order_by(case((_LINKED, 0), else_=1), col(InstallerGroup.title), col(InstallerGroup.id))
    .limit(MAX_GROUP_CHOICES)
)


async def device_groups(session: AsyncSession, *, owner_id: int, device_id: int) -> DeviceGroups:
    """For the device card: the groups the device is linked to, and those where its owner was
    seen (and the bot still is), by title."""
    device = await _owned_device(session, owner_id=owner_id, device_id=device_id)
    links = dict(
        (
            await session.exec(
                select(DeviceGroupLink.group_id, DeviceGroupLink.hears_alarms).where(
                    DeviceGroupLink.device_id == device_id
                )
            )
        ).all()
    )
    groups = await session.exec(
        _GROUP_CHOICES, params={"linked_ids": list(links), "owner_id": owner_id}
    )
    by_title = sorted(groups, key=lambda group: (group.title, _id(group)))
    choices = tuple(
        GroupChoice(_view(group), group.id in links, bool(links.get(_id(group))))
        for group in by_title
    )
    return DeviceGroups(device=device, choices=choices)


async def set_group_alarms(
    session: AsyncSession, *, owner_id: int, device_id: int, group_id: int, on: bool
) -> DeviceRef:
    """Whether a linked group hears every alarm of the device, or only video loss (and the
    device going offline and back): the owner's choice. GroupNotFound when not linked."""
    device = await _owned_device(session, owner_id=owner_id, device_id=device_id)
    link = await session.get(DeviceGroupLink, (device_id, group_id))
    if link is None:
        raise GroupNotFound(group_id)
    link.hears_alarms = on
    return device


_LINKED_GROUPS = (
    select(InstallerGroup, Device.name)
    .join(DeviceGroupLink, col(DeviceGroupLink.group_id) == InstallerGroup.id)
    .join(Device, col(Device.id) == DeviceGroupLink.device_id)
    .where(Device.owner_id == bindparam("owner_id"))
    .order_by(col(InstallerGroup.title), col(InstallerGroup.id), col(Device.name))
)


async def linked_groups(session: AsyncSession, *, owner_id: int) -> tuple[LinkedGroup, ...]:
    """For `/groups`: every group my devices are linked to, with those devices' names."""
    rows = await session.exec(_LINKED_GROUPS, params={"owner_id": owner_id})
    by_group: dict[int, tuple[GroupView, list[str]]] = {}
    for group, device_name in rows:
        by_group.setdefault(_id(group), (_view(group), []))[1].append(device_name)
    return tuple(LinkedGroup(view, tuple(names)) for view, names in by_group.values())


# --- rows ----------------------------------------------------------------------------------------


async def _upsert_group(
    session: AsyncSession, *, chat_id: int, title: str, now: datetime
) -> tuple[InstallerGroup, bool]:
    title = title[:TITLE_MAX_LENGTH]
    group = await _group_by_chat(session, chat_id)
    if group is not None:
        group.title = title
        return group, False
    group = InstallerGroup(chat_id=chat_id, title=title, joined_at=now)
    try:
        async with session.begin_nested():
            session.add(group)
            await session.flush()
    except IntegrityError:
        # Recorded by a concurrent update from the same group (another process).
        known = await _group_by_chat(session, chat_id)
        if known is None:
            raise
        return known, False
    return group, True


async def _note_sighting(
    session: AsyncSession, *, group_id: int, user_id: int, now: datetime
) -> None:
    sighting = await session.get(GroupSighting, (group_id, user_id))
    if sighting is not None:
        sighting.seen_at = now
        return
    try:
        async with session.begin_nested():
            session.add(GroupSighting(group_id=group_id, user_id=user_id, seen_at=now))
            await session.flush()
    except IntegrityError:
        pass  # seen by a concurrent update: as good as this one


_GROUP_BY_CHAT = select(InstallerGroup).where(InstallerGroup.chat_id == bindparam("chat_id"))
_LOCK_GROUP_BY_CHAT = _GROUP_BY_CHAT.with_for_update()


async def _group_by_chat(
    session: AsyncSession, chat_id: int, *, for_update: bool = True
) -> InstallerGroup | None:
    statement = _LOCK_GROUP_BY_CHAT if for_update else _GROUP_BY_CHAT
    return (await session.exec(statement, params={"chat_id": chat_id})).one_or_none()


_SHARED_LOCK = {"read": True}
"""SELECT ... FOR SHARE: others may read the row, and lock it so too, but not change it."""


async def _group(session: AsyncSession, group_id: int, *, lock: bool = False) -> InstallerGroup:
    group = await session.get(
        InstallerGroup, group_id, with_for_update=_SHARED_LOCK if lock else None
    )
    if group is None:
        raise GroupNotFound(group_id)
    return group


async def _owned_device(
    session: AsyncSession, *, owner_id: int, device_id: int, lock: bool = False
) -> DeviceRef:
    """Only the owner may link or unlink a device; to anyone else it does not exist."""
    device = await session.get(Device, device_id, with_for_update=_SHARED_LOCK if lock else None)
    if device is None or device.owner_id != owner_id:
        raise DeviceNotFound(device_id)
    return device_ref(device)


def _id(group: InstallerGroup) -> int:
    assert group.id is not None
    return group.id


def _view(group: InstallerGroup) -> GroupView:
    return GroupView(
        id=_id(group),
        chat_id=group.chat_id,
        title=group.title,
        linking_allowed=group.linking_allowed_by is not None,
        language=group.language,
    )
