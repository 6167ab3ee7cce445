"""Whether connected devices answer: which are due for a check, what a check found, and the
notices owed when a device has been away longer than the grace period, or is back.

Told once each way: `announced_offline` is set when the owner and the device's groups are told
it went away, and cleared when they are told it is back; a device that drops for less than the
grace period is told to nobody.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from device_api import Channel as ReportedChannel
from sharing.devices.connections import DeviceTarget, usable_targets
from sharing.devices.secrets import PasswordSealer
from storage.models import Channel, Device, DeviceConnection, DeviceGroupLink, DeviceStatus


@dataclass(frozen=True)
class CheckResult:
    status: DeviceStatus
    channels: tuple[ReportedChannel, ...] | None = None
    """The channels and their online state, when the device answered."""


@dataclass(frozen=True)
class StatusNotice:
    device_id: int
    device_name: str
    owner_id: int
    status: DeviceStatus
    """ONLINE when it is back; otherwise why it is away."""
    away_since: datetime
    group_ids: tuple[int, ...]


@dataclass(frozen=True)
class SeenStatus:
    """What anyone who uses a device may know of it (R14): never how it is reached."""

    status: DeviceStatus
    last_online_at: datetime | None


async def seen_status(session: AsyncSession, *, device_id: int) -> SeenStatus | None:
    """None when the device is not connected."""
    row = (
        await session.exec(
            select(DeviceConnection.status, DeviceConnection.last_online_at).where(
                DeviceConnection.device_id == device_id
            )
        )
    ).one_or_none()
    return None if row is None else SeenStatus(*row)


async def seen_statuses(
    session: AsyncSession, *, device_ids: Collection[int]
) -> dict[int, SeenStatus]:
    """`seen_status` of many devices in one query (a list page); the connected ones only."""
    if not device_ids:
        return {}
    rows = await session.exec(
        select(
            DeviceConnection.device_id, DeviceConnection.status, DeviceConnection.last_online_at
        ).where(col(DeviceConnection.device_id).in_(list(device_ids)))
    )
    return {
        device_id: SeenStatus(DeviceStatus(status), last_online)
        for device_id, status, last_online in rows
    }


async def connections_due(
    session: AsyncSession, *, now: datetime, every: timedelta, limit: int, sealer: PasswordSealer
) -> list[DeviceTarget]:
    """Up to `limit` connections not checked for `every`, those asked longest ago first. A
    password sealed under another key cannot be used: that device is due, and stays away."""
    rows = await session.exec(
        select(DeviceConnection, Device.name, Device.serial)
        .join(Device, col(Device.id) == DeviceConnection.device_id)
        .where(col(DeviceConnection.checked_at) <= now - every)
        .order_by(col(DeviceConnection.checked_at))
        .limit(limit)
    )
    return usable_targets(rows, sealer=sealer)


async def record_check(
    session: AsyncSession,
    *,
    device_id: int,
    result: CheckResult,
    now: datetime,
    grace: timedelta,
    connected_at: datetime | None = None,
) -> StatusNotice | None:
    """Store what the check found; return the notice owed, if any. None also when the device
    or its connection was removed meanwhile, or (given `connected_at`, the checked
    connection's) replaced by a newer one: what the old one found says nothing of it."""
    row = (
        await session.exec(
            select(DeviceConnection, Device.name, Device.owner_id)
            .join(Device, col(Device.id) == DeviceConnection.device_id)
            .where(DeviceConnection.device_id == device_id)
            .with_for_update(of=DeviceConnection)
        )
    ).one_or_none()
    if row is None:
        return None
    connection, device_name, owner_id = row
    if connected_at is not None and connection.connected_at != connected_at:
        return None
    online = result.status == DeviceStatus.ONLINE
    away_since = connection.last_online_at or connection.connected_at
    connection.checked_at = now
    if result.status != connection.status:
        connection.status, connection.status_since = result.status, now
    if online:
        connection.last_online_at = now
    if result.channels is not None:
        await _record_channels_online(session, device_id=device_id, channels=result.channels)
    if online and connection.announced_offline:
        connection.announced_offline = False
    elif not online and not connection.announced_offline and now - away_since >= grace:
        connection.announced_offline = True
    else:
        return None
    groups = await session.exec(
        select(DeviceGroupLink.group_id).where(DeviceGroupLink.device_id == device_id)
    )
    return StatusNotice(
        device_id=device_id,
        device_name=device_name,
        owner_id=owner_id,
        status=result.status,
        away_since=away_since,
        group_ids=tuple(sorted(groups)),
    )


async def _record_channels_online(
    session: AsyncSession, *, device_id: int, channels: tuple[ReportedChannel, ...]
) -> None:
    online = {channel.number: channel.online for channel in channels}
    for channel in await session.exec(select(Channel).where(Channel.device_id == device_id)):
        if channel.number in online and channel.online != online[channel.number]:
            channel.online = online[channel.number]
