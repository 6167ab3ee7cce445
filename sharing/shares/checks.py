"""The checks behind R2-R9 and the row locks that keep them true under concurrency.

Lock order, everywhere: device rows (by id), then the recipient's account row, then share or
application rows. The device lock serialises everything that counts or adds shares of one device
(R4, R9); the account lock serialises everything that adds owners to one recipient (R5). SQLite
ignores FOR UPDATE, and needs nothing: its write sessions already run one at a time.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sharing.errors import (
    AccountNotFound,
    ChannelFull,
    DeviceNotFound,
    DifferentRegion,
    FirmwareTooOld,
    LiveViewRequired,
    NoChannelsSelected,
    NotDeviceOwner,
    RegionNotSet,
    TooManyOwners,
    UnknownChannel,
)
from sharing.rules import (
    MAX_OWNERS_PER_RECIPIENT,
    MAX_RECIPIENTS_PER_CHANNEL,
    MINIMUM_FIRMWARE,
    firmware_supports_sharing,
    format_version,
    required_permissions,
)
from sharing.views import GrantView
from storage.models import (
    ALL_PERMISSIONS,
    SHARE_IS_LIVE,
    Account,
    Channel,
    Device,
    DeviceType,
    Grant,
    Permission,
    Share,
)

# --- locks ---------------------------------------------------------------------------------------

# This module's statements are built once, with bind parameters, and only executed per call:
# building a statement and computing its cache key each time took a large share of an update's
# time (`python -m bench`).

_LOCK_DEVICES = (
    select(Device)
    .where(col(Device.id).in_(bindparam("device_ids", expanding=True)))
    .order_by(col(Device.id))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_LOCK_DEVICE_WITH_OWNER = (
    select(Device, Account)
    .join(Account, col(Account.id) == Device.owner_id)
    .where(Device.id == bindparam("device_id"))
    .with_for_update(of=Device)
    .execution_options(populate_existing=True)
)
_ACCOUNT = select(Account).where(Account.id == bindparam("account_id"))
_LOCK_ACCOUNT = _ACCOUNT.with_for_update().execution_options(populate_existing=True)
_ACCOUNTS = select(Account).where(col(Account.id).in_(bindparam("account_ids", expanding=True)))


async def lock_devices(session: AsyncSession, device_ids: Collection[int]) -> list[Device]:
    """Lock the devices in id order, so that two lockers of overlapping sets cannot deadlock."""
    return list(await session.exec(_LOCK_DEVICES, params={"device_ids": list(device_ids)}))


async def lock_device(session: AsyncSession, device_id: int) -> Device:
    devices = await lock_devices(session, [device_id])
    if not devices:
        raise DeviceNotFound(device_id)
    return devices[0]


async def lock_device_with_owner(session: AsyncSession, device_id: int) -> tuple[Device, Account]:
    """The device, locked, and its owner's account (not locked), in one statement: what sharing
    it needs first."""
    row = (await session.exec(_LOCK_DEVICE_WITH_OWNER, params={"device_id": device_id})).first()
    if row is None:
        raise DeviceNotFound(device_id)
    device, owner = row
    return device, owner


async def lock_account(session: AsyncSession, account_id: int) -> Account:
    account = (await session.exec(_LOCK_ACCOUNT, params={"account_id": account_id})).one_or_none()
    if account is None:
        raise AccountNotFound(account_id)
    return account


async def load_account(session: AsyncSession, account_id: int) -> Account:
    """A query rather than `session.get`, which builds its statement on every call: where this
    runs the account is hardly ever in the session already, and the query is faster."""
    account = (await session.exec(_ACCOUNT, params={"account_id": account_id})).one_or_none()
    if account is None:
        raise AccountNotFound(account_id)
    return account


async def load_accounts(session: AsyncSession, *account_ids: int) -> dict[int, Account]:
    """The accounts by id, in one query; `AccountNotFound` for the first one missing."""
    rows = await session.exec(_ACCOUNTS, params={"account_ids": list(set(account_ids))})
    accounts = {account.id: account for account in rows}
    for account_id in account_ids:
        if account_id not in accounts:
            raise AccountNotFound(account_id)
    return accounts


# --- the rules -----------------------------------------------------------------------------------


def require_owner(device: Device, account_id: int) -> None:
    """R2."""
    assert device.id is not None
    if device.owner_id != account_id:
        raise NotDeviceOwner(device.id)


def require_region(account: Account) -> str:
    if account.region is None:
        raise RegionNotSet(account.id)
    return account.region


def check_same_region(owner: Account, recipient: Account) -> None:
    """R3. An account without a region cannot be compared: it must set one first."""
    check_regions(require_region(owner), require_region(recipient))


def check_regions(owner_region: str, recipient_region: str) -> None:
    """R3, between regions already known."""
    if owner_region != recipient_region:
        raise DifferentRegion(owner_region=owner_region, recipient_region=recipient_region)


class DeviceFirmware(Protocol):
    """A device as R6 sees it: a `Device` row or a `DeviceView`."""

    @property
    def type(self) -> DeviceType: ...

    @property
    def firmware_version(self) -> str: ...


def check_firmware(device: DeviceFirmware) -> None:
    """R6."""
    if not firmware_supports_sharing(device.type, device.firmware_version):
        raise FirmwareTooOld(
            firmware_version=device.firmware_version,
            minimum_version=format_version(MINIMUM_FIRMWARE[device.type]),
        )


_DEVICE_LIVE_SHARES = (
    select(func.count())
    .select_from(Share)
    .where(Share.device_id == bindparam("device_id"), SHARE_IS_LIVE)
    .scalar_subquery()
)
_CHANNELS = select(Channel.number, Channel.id, Channel.name, _DEVICE_LIVE_SHARES).where(
    Channel.device_id == bindparam("device_id")
)
"""A device's channels, as columns, not ORM objects (an NVR has up to 256); each row also says
how many live shares the device has (R4's first look, see `check_channel_room`)."""


@dataclass(frozen=True)
class CheckedGrants:
    """Requested grants that passed the rules: by channel id, to store, and as a view shows
    them, so that the saved share's view needs no second read of its grants."""

    by_channel_id: dict[int, Permission]
    views: tuple[GrantView, ...]
    """By channel number."""
    device_live_shares: int
    """The device's pending and active shares when its channels were read."""


async def channel_grants(
    session: AsyncSession, *, device: Device, grants: Mapping[int, Permission]
) -> CheckedGrants:
    """Check the requested grants (channel number -> permissions) and key them by channel id.

    R7 is checked before empty grants are dropped: a CCTV channel granted nothing is a channel
    without Live View. On other devices a channel granted nothing is simply not shared.
    """
    if not grants:
        raise NoChannelsSelected()
    rows = (await session.exec(_CHANNELS, params={"device_id": device.id})).all()
    channels = {number: (channel_id, name) for number, channel_id, name, _ in rows}
    live_shares = rows[0][3] if rows else 0
    required = required_permissions(device.type)
    by_channel_id: dict[int, Permission] = {}
    views: list[GrantView] = []
    for number in sorted(grants):
        channel_id, name = channels.get(number, (None, ""))
        if channel_id is None:
            raise UnknownChannel(number)
        permissions = Permission(grants[number]) & ALL_PERMISSIONS
        if required & ~permissions:
            raise LiveViewRequired(number)
        if permissions:
            by_channel_id[channel_id] = permissions
            views.append(GrantView(number, name, permissions))
    if not by_channel_id:
        raise NoChannelsSelected()
    return CheckedGrants(
        by_channel_id=by_channel_id, views=tuple(views), device_live_shares=live_shares
    )


def _full_channels_statement(*, beside_share: bool) -> SelectOfScalar[int]:
    """The numbers of the device's channels that have no room for another share (R4), not
    counting the share `other_than` when `beside_share` (it is being edited).

    Counted through the device's live shares and their grants, not the channels' grants: given
    the 128 channel ids of a big NVR, PostgreSQL's planner read the whole share and channel
    tables instead (a refused Finish took 26 to 30 ms at 1,000,000 grants in `python -m bench`,
    4 ms this way); and with no list of ids, the statement is one SQL text whatever the
    channels.
    """
    live_grants = (
        select(Grant.channel_id)
        .join(Share, col(Share.id) == Grant.share_id)
        .where(Share.device_id == bindparam("device_id"), SHARE_IS_LIVE)
    )
    if beside_share:
        live_grants = live_grants.where(Share.id != bindparam("other_than"))
    full = live_grants.group_by(col(Grant.channel_id)).having(
        func.count() >= MAX_RECIPIENTS_PER_CHANNEL
    )
    return select(Channel.number).where(col(Channel.id).in_(full)).order_by(col(Channel.number))


_FULL_CHANNELS = _full_channels_statement(beside_share=False)
_FULL_CHANNELS_BESIDE_SHARE = _full_channels_statement(beside_share=True)


async def check_channel_room(
    session: AsyncSession, *, device_id: int, granted: CheckedGrants, other_than: int | None
) -> None:
    """R4 for the channels of a share being saved; `other_than` is that share when it is edited.

    A channel is full only if the device has MAX_RECIPIENTS_PER_CHANNEL live shares besides
    this one; below that nothing is counted per channel. That count is exact: `granted` was
    read after the device was locked, and every path that adds a live share to a device locks
    it first. Counting per channel reads every live grant of the device (8,192 on a 128-channel
    NVR shared with 64 people: 2.6 ms of the server's time on PostgreSQL), and most devices are
    far from full.
    """
    others = granted.device_live_shares - (0 if other_than is None else 1)
    if others < MAX_RECIPIENTS_PER_CHANNEL:
        return
    statement = _FULL_CHANNELS
    params: dict[str, object] = {"device_id": device_id}
    if other_than is not None:
        statement = _FULL_CHANNELS_BESIDE_SHARE
        params["other_than"] = other_than
    wanted = {view.channel_number for view in granted.views}
    full = [number for number in await session.exec(statement, params=params) if number in wanted]
    if full:
        raise ChannelFull(channel_numbers=full, limit=MAX_RECIPIENTS_PER_CHANNEL)


_LIVE_OWNER_IDS = (
    select(Share.owner_id)
    .where(Share.recipient_id == bindparam("recipient_id"), SHARE_IS_LIVE)
    .distinct()
)


async def live_owner_ids(session: AsyncSession, recipient_id: int) -> set[int]:
    """The owners whose pending or active shares `recipient_id` holds (what R5 counts)."""
    return set(await session.exec(_LIVE_OWNER_IDS, params={"recipient_id": recipient_id}))


def check_owner_room(owner_ids: Collection[int], owner_id: int) -> None:
    """R5: a new owner needs a free slot; one who already shares with the recipient does not."""
    if owner_id not in owner_ids and len(owner_ids) >= MAX_OWNERS_PER_RECIPIENT:
        raise TooManyOwners(limit=MAX_OWNERS_PER_RECIPIENT)
