"""Devices: adding (R1), renaming, listing and removing; each field validated on its own so a
wizard can check every step as the user types it."""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, bindparam, delete, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from languages import _
from sharing.errors import (
    DeviceAlreadyYours,
    DeviceHeldByAnotherAccount,
    DeviceNotFound,
    InvalidDeviceField,
)
from sharing.paging import Page, page_total
from sharing.rules import MAX_CHANNELS, parse_firmware_version
from storage.models import (
    SHARE_IS_LIVE,
    Application,
    ApplicationState,
    Channel,
    Device,
    DeviceConnection,
    DeviceGroupLink,
    DeviceStatus,
    DeviceType,
    Share,
)

NAME_MAX_LENGTH = 64
_SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9-]{7,47}$")
_VERIFICATION_CODE = re.compile(r"^[A-Z]{6}$")


@dataclass(frozen=True)
class NewDevice:
    serial: str
    verification_code: str
    name: str
    type: DeviceType
    channel_names: tuple[str, ...]
    """One name per channel, channel 1 first."""
    firmware_version: str


@dataclass(frozen=True)
class ChannelView:
    number: int
    name: str
    online: bool | None = None
    """As the connected device last said; None when not connected or it did not say."""


@dataclass(frozen=True)
class ConnectionView:
    """A device's connection as its owner sees it (R14): never the password."""

    scheme: str
    host: str
    port: int
    accept_self_signed: bool
    username: str
    model: str
    status: DeviceStatus
    status_since: datetime
    last_online_at: datetime | None


@dataclass(frozen=True)
class DeviceView:
    id: int
    owner_id: int
    serial: str
    name: str
    type: DeviceType
    firmware_version: str
    channels: tuple[ChannelView, ...]
    live_shares: int
    """Pending and active shares of this device."""
    connection: ConnectionView | None = None
    pending_applications: int = 0
    """Applications for this device that wait for the owner's answer."""


@dataclass(frozen=True)
class DeviceSummary:
    id: int
    name: str
    type: DeviceType
    channel_count: int
    live_shares: int
    status: DeviceStatus | None = None
    """None when the device is not connected."""
    serial: str = ""


@dataclass(frozen=True)
class RemovedDevice:
    name: str
    recipient_ids: tuple[int, ...]
    """Accounts that held a pending or active share of it and must be told."""
    group_ids: tuple[int, ...] = ()
    """Installer groups that heard about it; its links to them are gone with it."""


# --- one parser per wizard step ------------------------------------------------------------------


def parse_serial(text: str) -> str:
    serial = re.sub(r"\s+", "", text).upper()
    if not _SERIAL.match(serial):
        raise InvalidDeviceField("serial", text)
    return serial


def parse_verification_code(text: str) -> str:
    code = text.strip().upper()
    if not _VERIFICATION_CODE.match(code):
        raise InvalidDeviceField("verification_code", text)
    return code


def parse_name(text: str, *, field: str = "name") -> str:
    name = " ".join(text.split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise InvalidDeviceField(field, text)
    return name


def parse_channel_count(text: str) -> int:
    try:
        count = int(text.strip())
    except ValueError as error:
        raise InvalidDeviceField("channel_count", text) from error
    if not 1 <= count <= MAX_CHANNELS:
        raise InvalidDeviceField("channel_count", text)
    return count


def parse_channel_names(text: str, *, count: int) -> tuple[str, ...]:
    """One name per line, exactly `count` lines (blank lines are ignored)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != count:
        raise InvalidDeviceField("channel_names", text)
    return tuple(parse_name(line, field="channel_names") for line in lines)


def default_channel_names(count: int) -> tuple[str, ...]:
    """`Camera 01`, `Camera 02`, ... as Hik-Connect names them, in the language of whoever adds
    the device: the names are then the device's, like names its owner typed."""
    return tuple(
        _("Camera {number}").format(number=f"{number:02d}") for number in range(1, count + 1)
    )


def parse_firmware(text: str) -> str:
    version = " ".join(text.split())
    try:
        parse_firmware_version(version)
    except ValueError as error:
        raise InvalidDeviceField("firmware_version", text) from error
    if len(version) > 64:
        raise InvalidDeviceField("firmware_version", text)
    return version


# --- state changes -------------------------------------------------------------------------------


async def check_serial_available(session: AsyncSession, *, owner_id: int, serial: str) -> None:
    """R1, asked early so the wizard can refuse at the serial step rather than at the end."""
    holder = (await session.exec(select(Device.owner_id).where(Device.serial == serial))).first()
    if holder is None:
        return
    if holder == owner_id:
        raise DeviceAlreadyYours(serial)
    raise DeviceHeldByAnotherAccount(serial)


async def add_device(
    session: AsyncSession, *, owner_id: int, new: NewDevice, now: datetime
) -> DeviceView:
    """R1: the serial's unique constraint decides a race between two accounts."""
    await check_serial_available(session, owner_id=owner_id, serial=new.serial)
    device = Device(
        serial=new.serial,
        verification_code=new.verification_code,
        name=new.name,
        type=new.type,
        firmware_version=new.firmware_version,
        owner_id=owner_id,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(device)
            await session.flush()
    except IntegrityError:
        await check_serial_available(session, owner_id=owner_id, serial=new.serial)
        raise
    assert device.id is not None
    session.add_all(
        Channel(device_id=device.id, number=number, name=name)
        for number, name in enumerate(new.channel_names, start=1)
    )
    await session.flush()
    return await get_owned_device(session, owner_id=owner_id, device_id=device.id)


async def get_owned_device(session: AsyncSession, *, owner_id: int, device_id: int) -> DeviceView:
    """The device, if `owner_id` owns it (R2); otherwise DeviceNotFound, whoever owns it.
    Two queries of columns: an NVR has up to 256 channels, and the card only reads them."""
    params = {"device_id": device_id}
    row = (await session.exec(_DEVICE_CARD, params=params)).one_or_none()
    if row is None or row[0] != owner_id:
        raise DeviceNotFound(device_id)
    _, serial, name, device_type, firmware_version, live_shares, applications, *connection = row
    channels = await session.exec(_DEVICE_CHANNELS, params=params)
    return DeviceView(
        id=device_id,
        owner_id=owner_id,
        serial=serial,
        name=name,
        type=device_type,
        firmware_version=firmware_version,
        channels=tuple(ChannelView(*channel) for channel in channels),
        live_shares=live_shares,
        connection=None if connection[0] is None else ConnectionView(*connection),
        pending_applications=applications,
    )


def _device_card_statement() -> Select[*tuple[Any, ...]]:
    """The device's owner, serial, name, type and firmware, how many live shares and pending
    applications it has, and its connection if it has one. An application past its time that
    the sweep has not reached yet still counts: the sweep ends it within a minute."""
    device_id = bindparam("device_id", type_=Integer)
    live_shares = (
        select(func.count())
        .select_from(Share)
        .where(Share.device_id == device_id, SHARE_IS_LIVE)
        .scalar_subquery()
        .label("live_shares")
    )
    applications = (
        select(func.count())
        .select_from(Application)
        .where(Application.device_id == device_id, Application.state == ApplicationState.PENDING)
        .scalar_subquery()
        .label("pending_applications")
    )
    return (
        Select(
            col(Device.owner_id),
            col(Device.serial),
            col(Device.name),
            col(Device.type),
            col(Device.firmware_version),
            live_shares,
            applications,
            col(DeviceConnection.scheme),
            col(DeviceConnection.host),
            col(DeviceConnection.port),
            col(DeviceConnection.accept_self_signed),
            col(DeviceConnection.username),
            col(DeviceConnection.model),
            col(DeviceConnection.status),
            col(DeviceConnection.status_since),
            col(DeviceConnection.last_online_at),
        )
        .outerjoin(DeviceConnection, col(DeviceConnection.device_id) == Device.id)
        .where(Device.id == device_id)
    )


_DEVICE_CARD = _device_card_statement()
"""Built once, like every statement of a screen: see `_device_page_statement`."""
_DEVICE_CHANNELS = (
    select(Channel.number, Channel.name, Channel.online)
    .where(Channel.device_id == bindparam("device_id"))
    .order_by(col(Channel.number))
)


def _device_page_statement() -> Select[*tuple[Any, ...]]:
    """A page of an owner's devices by name, each with its channel and live share counts, and
    the owner's total on every row. The page is cut first (by ix_device_owner_name), then its
    devices' channels and live shares are counted through their device_id indexes: the cost is
    the page's, whether the owner has ten devices or a thousand and the tables a million rows.
    Built once: making this statement took longer than running it (`python -m bench`)."""
    owner_id = bindparam("owner_id", type_=BigInteger)
    owned = aliased(Device)
    total = (
        select(func.count())
        .select_from(owned)
        .where(owned.owner_id == owner_id)
        .correlate(None)
        .scalar_subquery()
        .label("total")  # read by `page_total`
    )
    cut = (
        select(Device.id, Device.name, Device.type, Device.serial)
        .where(Device.owner_id == owner_id)
        .order_by(col(Device.name), col(Device.id))
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("page")
    )
    channels = (
        select(func.count())
        .select_from(Channel)
        .where(Channel.device_id == cut.c.id)
        .correlate(cut)
        .scalar_subquery()
    )
    shares = (
        select(func.count())
        .select_from(Share)
        .where(Share.device_id == cut.c.id, SHARE_IS_LIVE)
        .correlate(cut)
        .scalar_subquery()
    )
    status = (
        select(DeviceConnection.status)
        .where(DeviceConnection.device_id == cut.c.id)
        .correlate(cut)
        .scalar_subquery()
    )
    # The class itself: SQLModel's select() is typed for at most four columns.
    return Select(
        cut.c.id, cut.c.name, cut.c.type, channels, shares, status, cut.c.serial, total
    ).order_by(cut.c.name, cut.c.id)


_DEVICE_PAGE = _device_page_statement()


async def list_devices(
    session: AsyncSession, *, owner_id: int, offset: int, limit: int
) -> Page[DeviceSummary]:
    """My devices by name, a page at a time, with the total: one query, and a second only for
    a page past the end (`page_total`)."""
    rows = (
        await session.exec(
            _DEVICE_PAGE, params={"owner_id": owner_id, "offset": offset, "limit": limit}
        )
    ).all()
    items = tuple(
        DeviceSummary(
            id=device_id,
            name=name,
            type=device_type,
            channel_count=channel_count,
            live_shares=share_count,
            status=status,
            serial=serial,
        )
        for device_id, name, device_type, channel_count, share_count, status, serial, _ in rows
    )
    params = {"owner_id": owner_id}
    total = await page_total(session, rows, _DEVICE_COUNT, params, offset=offset, limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


_DEVICE_COUNT = (
    select(func.count()).select_from(Device).where(Device.owner_id == bindparam("owner_id"))
)


async def count_devices(session: AsyncSession, *, owner_id: int) -> int:
    return (await session.exec(_DEVICE_COUNT, params={"owner_id": owner_id})).one()


async def rename_device(
    session: AsyncSession, *, owner_id: int, device_id: int, name: str
) -> DeviceView:
    device = await lock_owned_device(session, owner_id=owner_id, device_id=device_id)
    device.name = parse_name(name)
    await session.flush()
    return await get_owned_device(session, owner_id=owner_id, device_id=device_id)


async def remove_device(session: AsyncSession, *, owner_id: int, device_id: int) -> RemovedDevice:
    """Delete the device; its channels, shares and applications go with it (R12: the recipients
    returned here are told, and the device leaves their lists at once)."""
    device = await lock_owned_device(session, owner_id=owner_id, device_id=device_id)
    recipients = await session.exec(
        select(Share.recipient_id).where(
            Share.device_id == device_id,
            SHARE_IS_LIVE,
            col(Share.recipient_id).is_not(None),
        )
    )
    groups = await session.exec(
        select(DeviceGroupLink.group_id).where(DeviceGroupLink.device_id == device_id)
    )
    removed = RemovedDevice(
        name=device.name,
        recipient_ids=tuple(sorted(r for r in recipients if r is not None)),
        group_ids=tuple(sorted(groups)),
    )
    await session.exec(delete(Device).where(col(Device.id) == device_id))
    return removed


async def lock_owned_device(session: AsyncSession, *, owner_id: int, device_id: int) -> Device:
    device = (
        await session.exec(select(Device).where(Device.id == device_id).with_for_update())
    ).one_or_none()
    if device is None or device.owner_id != owner_id:
        raise DeviceNotFound(device_id)
    return device
