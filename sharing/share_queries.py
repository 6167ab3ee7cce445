"""Reading shares as `ShareView`s: one query for the shares with their device and both accounts,
one for all their grants, whatever the number of shares (no query per share)."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from sharing.errors import ShareNotActive, ShareNotFound
from sharing.paging import Page
from sharing.views import (
    Address,
    DeviceRef,
    GrantView,
    MessageRef,
    PersonView,
    ReceivedCounts,
    SharedDevice,
    ShareView,
)
from storage.models import (
    ALL_PERMISSIONS,
    LIVE_SHARE_STATES,
    Account,
    Channel,
    Device,
    Grant,
    Permission,
    Share,
    ShareState,
)

_Owner = aliased(Account, name="owner")
_Recipient = aliased(Account, name="recipient")
_ShareRow = tuple[Share, Device, Account, Account | None]


def person_view(account: Account) -> PersonView:
    return PersonView(
        id=account.id,
        first_name=account.first_name,
        last_name=account.last_name,
        username=account.username,
    )


def device_ref(device: Device) -> DeviceRef:
    assert device.id is not None
    return DeviceRef(id=device.id, name=device.name, type=device.type)


def message_ref(chat_id: int | None, message_id: int | None) -> MessageRef | None:
    if chat_id is None or message_id is None:
        return None
    return MessageRef(chat_id=chat_id, message_id=message_id)


async def load_shares(session: AsyncSession, share_ids: Collection[int]) -> tuple[ShareView, ...]:
    """The shares, by id. Reads the database afresh: flush first."""
    if not share_ids:
        return ()
    return await _views(
        session, _share_rows().where(col(Share.id).in_(share_ids)).order_by(col(Share.id))
    )


async def load_share(session: AsyncSession, share_id: int) -> ShareView:
    views = await load_shares(session, [share_id])
    if not views:
        raise ShareNotFound(share_id)
    return views[0]


async def get_share(session: AsyncSession, *, share_id: int, account_id: int) -> ShareView:
    """A share seen by its owner or its recipient; to anyone else it does not exist. This is
    also how a handler reads back where the recipient's prompt is (`ShareView.prompt`)."""
    share = await load_share(session, share_id)
    recipient_id = share.recipient.id if share.recipient else None
    if account_id not in (share.owner.id, recipient_id):
        raise ShareNotFound(share_id)
    return share


async def get_owned_share(session: AsyncSession, *, share_id: int, owner_id: int) -> ShareView:
    """A share as its owner manages it in `/shared`. To anyone else, its recipient included,
    it does not exist: a forged id reveals nothing."""
    share = await load_share(session, share_id)
    if share.owner.id != owner_id:
        raise ShareNotFound(share_id)
    return share


async def get_received_share(
    session: AsyncSession, *, share_id: int, recipient_id: int
) -> ShareView:
    """A device shared with me and accepted, as `/received` shows it. Not mine: ShareNotFound;
    mine but ended (the owner deleted it, or I did): ShareNotActive."""
    share = await load_share(session, share_id)
    if share.recipient is None or share.recipient.id != recipient_id:
        raise ShareNotFound(share_id)
    if share.state != ShareState.ACTIVE:
        raise ShareNotActive(share_id, share.state)
    return share


async def list_invitations(
    session: AsyncSession, *, recipient_id: int, now: datetime, offset: int, limit: int
) -> Page[ShareView]:
    """Invitations waiting for the recipient's answer, oldest first."""
    return await _page(
        session,
        [
            Share.recipient_id == recipient_id,
            Share.state == ShareState.PENDING,
            col(Share.expires_at) > now,
        ],
        order_by=(col(Share.created_at), col(Share.id)),
        offset=offset,
        limit=limit,
    )


async def list_owned_shares(
    session: AsyncSession, *, owner_id: int, device_id: int | None, offset: int, limit: int
) -> Page[ShareView]:
    """My pending and active shares, of one device or of all, by device name then age.

    A pending invitation past its `expires_at` stays listed (and keeps its slots) until the sweep
    expires it, a minute at most."""
    conditions: list[ColumnElement[bool] | bool] = [
        Share.owner_id == owner_id,
        col(Share.state).in_(LIVE_SHARE_STATES),
    ]
    if device_id is not None:
        conditions.append(Share.device_id == device_id)
    return await _page(
        session,
        conditions,
        order_by=(col(Device.name), col(Device.id), col(Share.created_at), col(Share.id)),
        offset=offset,
        limit=limit,
    )


async def list_received_shares(
    session: AsyncSession, *, recipient_id: int, offset: int, limit: int
) -> Page[ShareView]:
    """Devices shared with me and accepted, by the name I see (my alias, else the device's)."""
    return await _page(
        session,
        [Share.recipient_id == recipient_id, Share.state == ShareState.ACTIVE],
        order_by=(func.coalesce(Share.alias, Device.name), col(Share.id)),
        offset=offset,
        limit=limit,
    )


@dataclass(frozen=True)
class ReceivedPage:
    """One page of `/received`: the invitations waiting for me come first, then the devices
    shared with me, as if they were one list."""

    invitations: tuple[ShareView, ...]
    devices: tuple[ShareView, ...]
    invitation_total: int
    device_total: int
    offset: int
    limit: int

    @property
    def total(self) -> int:
        return self.invitation_total + self.device_total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total


async def list_received_page(
    session: AsyncSession, *, recipient_id: int, now: datetime, offset: int, limit: int
) -> ReceivedPage:
    """Invitations (oldest first) then received devices (by my names), `limit` items from
    `offset` of the two taken as one list. Six queries, whatever the page."""
    invitations = await list_invitations(
        session, recipient_id=recipient_id, now=now, offset=offset, limit=limit
    )
    devices = await list_received_shares(
        session,
        recipient_id=recipient_id,
        offset=max(offset - invitations.total, 0),
        limit=limit - len(invitations.items),
    )
    return ReceivedPage(
        invitations=invitations.items,
        devices=devices.items,
        invitation_total=invitations.total,
        device_total=devices.total,
        offset=offset,
        limit=limit,
    )


async def list_shared_devices(
    session: AsyncSession, *, owner_id: int, offset: int, limit: int
) -> Page[SharedDevice]:
    """My devices that someone has or was invited to (pending and active shares), by name, with
    both counts: two queries whatever the page size."""
    counts = (
        select(
            Share.device_id,
            func.sum(case((col(Share.state) == ShareState.ACTIVE, 1), else_=0)).label("active"),
            func.sum(case((col(Share.state) == ShareState.PENDING, 1), else_=0)).label("pending"),
        )
        .where(Share.owner_id == owner_id, col(Share.state).in_(LIVE_SHARE_STATES))
        .group_by(col(Share.device_id))
        .subquery()
    )
    rows = await session.exec(
        select(Device, counts.c.active, counts.c.pending)
        .join(counts, counts.c.device_id == Device.id)
        .order_by(col(Device.name), col(Device.id))
        .offset(offset)
        .limit(limit)
    )
    items = tuple(
        SharedDevice(device=device_ref(device), active=active, pending=pending)
        for device, active, pending in rows
    )
    total = (await session.exec(select(func.count()).select_from(counts))).one()
    return Page(items=items, total=total, offset=offset, limit=limit)


async def count_received(
    session: AsyncSession, *, recipient_id: int, now: datetime
) -> ReceivedCounts:
    """Invitations waiting for my answer (as `list_invitations` counts them) and devices shared
    with me (as `list_received_shares` counts them), in one query."""
    waiting = and_(col(Share.state) == ShareState.PENDING, col(Share.expires_at) > now)
    statement = select(
        func.coalesce(func.sum(case((waiting, 1), else_=0)), 0),
        func.coalesce(func.sum(case((col(Share.state) == ShareState.ACTIVE, 1), else_=0)), 0),
    ).where(Share.recipient_id == recipient_id, col(Share.state).in_(LIVE_SHARE_STATES))
    invitations, devices = (await session.exec(statement)).one()
    return ReceivedCounts(invitations=invitations, devices=devices)


async def _page(
    session: AsyncSession,
    conditions: Sequence[ColumnElement[bool] | bool],
    *,
    order_by: Sequence[Any],
    offset: int,
    limit: int,
) -> Page[ShareView]:
    rows = _share_rows().where(*conditions).order_by(*order_by).offset(offset).limit(limit)
    total = select(func.count()).select_from(Share).where(*conditions)
    items = await _views(session, rows)
    return Page(items=items, total=(await session.exec(total)).one(), offset=offset, limit=limit)


def _share_rows() -> Select[Share, Device, Account, Account | None]:
    return (
        select(Share, Device, _Owner, _Recipient)
        .join(Device, col(Device.id) == Share.device_id)
        .join(_Owner, col(_Owner.id) == Share.owner_id)
        .outerjoin(_Recipient, col(_Recipient.id) == Share.recipient_id)
    )


async def _views(
    session: AsyncSession, statement: Select[Share, Device, Account, Account | None]
) -> tuple[ShareView, ...]:
    # populate_existing: bulk UPDATEs (the sweep) bypass the identity map, so refresh from rows.
    rows: Sequence[_ShareRow] = (
        await session.exec(statement.execution_options(populate_existing=True))
    ).all()
    grants = await _grants(
        session,
        [share.id for share, *_ in rows if share.id is not None],
        {share.device_id for share, *_ in rows},
    )
    return tuple(_share_view(row, grants) for row in rows)


async def _grants(
    session: AsyncSession, share_ids: Collection[int], device_ids: Collection[int]
) -> dict[int, tuple[GrantView, ...]]:
    """The shares' grants. `device_ids`, the shares' devices, changes no result: it lets
    PostgreSQL read the channels by device instead of hashing the whole channel table, which it
    chose for a page of 8 shares of a 128-channel NVR (17 ms of 18, `python -m bench`)."""
    if not share_ids:  # an empty page (no invitations waiting, say) needs no round trip
        return {}
    statement = (
        select(Grant.share_id, Channel.number, Channel.name, Grant.permissions)
        .join(Channel, col(Channel.id) == Grant.channel_id)
        .where(col(Grant.share_id).in_(share_ids), col(Channel.device_id).in_(device_ids))
        .order_by(col(Grant.share_id), col(Channel.number))
    )
    grants: defaultdict[int, list[GrantView]] = defaultdict(list)
    for share_id, number, name, permissions in await session.exec(statement):
        grants[share_id].append(GrantView(number, name, _permission(permissions)))
    return {share_id: tuple(views) for share_id, views in grants.items()}


_PERMISSIONS = {int(flags): flags for flags in map(Permission, range(int(ALL_PERMISSIONS) + 1))}
"""Every bitmask, made once: a page of 8 shares of a 128-channel NVR has 1,024 grants, and
building an IntFlag per grant was a tenth of that page's time."""


def _permission(bits: int) -> Permission:
    return _PERMISSIONS.get(bits) or Permission(bits)


def _share_view(row: _ShareRow, grants: Mapping[int, tuple[GrantView, ...]]) -> ShareView:
    share, device, owner, recipient = row
    assert share.id is not None
    address = (
        Address(share.address_kind, share.address)
        if share.address_kind is not None and share.address is not None
        else None
    )
    return ShareView(
        id=share.id,
        version=share.version,
        state=share.state,
        device=device_ref(device),
        owner=person_view(owner),
        recipient=person_view(recipient) if recipient else None,
        address=address,
        grants=grants.get(share.id, ()),
        alias=share.alias,
        created_at=share.created_at,
        expires_at=share.expires_at,
        accepted_at=share.accepted_at,
        ended_at=share.ended_at,
        prompt=message_ref(share.prompt_chat_id, share.prompt_message_id),
    )
