"""Rows inserted directly, for tests that need a world to act in. Each helper flushes, so the
returned row has its id; none commits."""

from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import count

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from device_api import Credentials, Endpoint, IsapiDriver
from sharing.devices.connections import ConnectionRequest, save_connection
from sharing.devices.probing import probe_device
from sharing.devices.secrets import PasswordSealer
from storage.database import Database
from storage.models import (
    ALL_PERMISSIONS,
    Account,
    AddressKind,
    Channel,
    Device,
    DeviceType,
    Grant,
    Permission,
    Share,
    ShareState,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_serials = count(1)


async def make_account(
    session: AsyncSession,
    id: int,
    *,
    region: str | None = "GB",
    first_name: str | None = None,
    username: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Account:
    account = Account(
        id=id,
        first_name=first_name or f"User {id}",
        username=username,
        region=region,
        phone=phone,
        email=email,
        created_at=EPOCH,
    )
    session.add(account)
    await session.flush()
    return account


async def make_device(
    session: AsyncSession,
    owner: Account,
    *,
    channels: int = 4,
    type: DeviceType = DeviceType.NVR,
    firmware: str = "V4.1.0",
    name: str | None = None,
) -> Device:
    """A device with channels `Camera 01`, `Camera 02`..."""
    device = Device(
        serial=f"TEST{next(_serials):08d}",
        verification_code="ABCDEF",
        name=name or f"Device of {owner.first_name}",
        type=type,
        firmware_version=firmware,
        owner_id=owner.id,
        created_at=EPOCH,
    )
    session.add(device)
    await session.flush()
    assert device.id is not None
    session.add_all(
        Channel(device_id=device.id, number=number, name=f"Camera {number:02d}")
        for number in range(1, channels + 1)
    )
    await session.flush()
    return device


async def make_share(
    session: AsyncSession,
    device: Device,
    recipient: Account | None,
    *,
    state: ShareState = ShareState.ACTIVE,
    channels: Iterable[int] = (1,),
    permissions: Permission = ALL_PERMISSIONS,
    address: tuple[AddressKind, str] | None = None,
    expires_at: datetime | None = None,
) -> Share:
    """A share of `channels` (numbers) with the same permissions on each."""
    assert device.id is not None
    share = Share(
        device_id=device.id,
        owner_id=device.owner_id,
        recipient_id=recipient.id if recipient else None,
        address_kind=address[0] if address else None,
        address=address[1] if address else None,
        state=state,
        created_at=EPOCH,
        updated_at=EPOCH,
        expires_at=expires_at,
        accepted_at=EPOCH if state == ShareState.ACTIVE else None,
    )
    session.add(share)
    await session.flush()
    assert share.id is not None
    channel_ids = await _channel_ids(session, device.id)
    session.add_all(
        Grant(share_id=share.id, channel_id=channel_ids[number], permissions=int(permissions))
        for number in channels
    )
    await session.flush()
    return share


async def _channel_ids(session: AsyncSession, device_id: int) -> dict[int, int]:
    rows = await session.exec(
        select(Channel.number, Channel.id).where(Channel.device_id == device_id)
    )
    return {number: channel_id for number, channel_id in rows if channel_id is not None}


async def connect_to(
    database: Database,
    device: Device,
    *,
    endpoint: Endpoint,
    credentials: Credentials,
    sealer: PasswordSealer,
    now: datetime,
) -> None:
    """Connect `device` to a simulated device at `endpoint`, as 🔌 Connect does: the device is
    asked who it is (its serial must end with the device's), then the connection is saved."""
    assert device.id is not None
    request = ConnectionRequest(
        scheme="http",
        host=endpoint.host,
        port=endpoint.port,
        accept_self_signed=False,
        username=credentials.username,
        password=credentials.password,
    )
    report = await probe_device(
        request,
        serial=device.serial,
        device_name=device.name,
        open_driver=lambda at, given: IsapiDriver(
            at, given, timeout=5, max_concurrent=2, max_response_bytes=10_000_000
        ),
        allowed_networks=(),
    )
    async with database.write() as session:
        await save_connection(
            session,
            owner_id=device.owner_id,
            device_id=device.id,
            request=request,
            report=report,
            sealer=sealer,
            now=now,
        )
