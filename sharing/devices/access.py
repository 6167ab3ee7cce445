"""Who may use what on a device, now (R13): the owner holds every permission on every channel;
a recipient holds what their active share grants, channel by channel. Read at every use, so a
share edited, revoked or ended takes effect on the very next tap."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from sharing.errors import DeviceNotFound, PermissionNotHeld
from storage.models import (
    ALL_PERMISSIONS,
    Channel,
    Device,
    DeviceConnection,
    DeviceStatus,
    Grant,
    Permission,
    Share,
    ShareState,
)


@dataclass(frozen=True)
class HeldChannel:
    number: int
    name: str
    permissions: Permission
    online: bool | None


@dataclass(frozen=True)
class DeviceUse:
    """One person's hold on one device: its name as they know it, its status, their channels."""

    device_id: int
    name: str
    is_owner: bool
    share_id: int | None
    """The recipient's active share; None for the owner."""
    connected: bool
    status: DeviceStatus | None
    channels: tuple[HeldChannel, ...]

    def holding(self, permission: Permission) -> tuple[HeldChannel, ...]:
        return tuple(c for c in self.channels if permission in c.permissions)

    def neighbours(self, number: int, permission: Permission) -> tuple[int | None, int | None]:
        """The channels before and after `number` among those `permission` is held on."""
        numbers = [c.number for c in self.holding(permission)]
        before = [n for n in numbers if n < number]
        after = [n for n in numbers if n > number]
        return (before[-1] if before else None), (after[0] if after else None)

    def channel(self, number: int, permission: Permission) -> HeldChannel:
        """The channel, if `permission` is held on it now; PermissionNotHeld otherwise."""
        for held in self.channels:
            if held.number == number and permission in held.permissions:
                return held
        raise PermissionNotHeld(permission=permission.name or str(permission))


_HOLDER_COLUMNS: tuple[Any, ...] = (
    col(Device.owner_id),
    col(Device.name),
    col(DeviceConnection.status),
    col(Share.id),
    col(Share.alias),
)
_HOLDER: Select[*tuple[Any, ...]] = (
    Select(*_HOLDER_COLUMNS)
    .outerjoin(DeviceConnection, col(DeviceConnection.device_id) == Device.id)
    .outerjoin(
        Share,
        and_(
            col(Share.device_id) == Device.id,
            col(Share.recipient_id) == bindparam("account_id"),
            col(Share.state) == ShareState.ACTIVE,
        ),
    )
    .where(Device.id == bindparam("device_id"))
)
"""The device, its status, and the account's active share of it if any (one at most, R9)."""
_OWNED_CHANNELS = (
    select(Channel.number, Channel.name, Channel.online)
    .where(Channel.device_id == bindparam("device_id"))
    .order_by(col(Channel.number))
)
_GRANTED_CHANNELS = (
    select(Channel.number, Channel.name, Grant.permissions, Channel.online)
    .join(Grant, col(Grant.channel_id) == Channel.id)
    .where(Grant.share_id == bindparam("share_id"))
    .order_by(col(Channel.number))
)


async def device_use(session: AsyncSession, *, account_id: int, device_id: int) -> DeviceUse:
    """DeviceNotFound when the account neither owns the device nor holds an active share of it:
    the two are not told apart, so a forged id reveals nothing."""
    params = {"account_id": account_id, "device_id": device_id}
    row = (await session.exec(_HOLDER, params=params)).first()
    if row is None:
        raise DeviceNotFound(device_id)
    owner_id, name, status, share_id, alias = row
    if owner_id == account_id:
        owned = await session.exec(_OWNED_CHANNELS, params={"device_id": device_id})
        channels = tuple(HeldChannel(n, c, ALL_PERMISSIONS, online) for n, c, online in owned)
    elif share_id is not None:
        granted = await session.exec(_GRANTED_CHANNELS, params={"share_id": share_id})
        channels = tuple(
            HeldChannel(n, c, Permission(permissions), online)
            for n, c, permissions, online in granted
        )
        name = alias or name
    else:
        raise DeviceNotFound(device_id)
    return DeviceUse(
        device_id=device_id,
        name=name,
        is_owner=owner_id == account_id,
        share_id=None if owner_id == account_id else share_id,
        connected=status is not None,
        status=status,
        channels=channels,
    )
