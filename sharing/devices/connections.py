"""A device's connection over its own network API: saving what the device said when its owner
connected it (R14: the owner only), reading it back, removing it.

Nothing here calls a device: the caller probes it first (`probing.probe_device`), outside any
transaction, and saves the report here, in a short write transaction. The password is sealed
before it is stored (`secrets.PasswordSealer`) and unsealed only to open a driver.
"""

import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_address
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from device_api import AddressReason, Credentials, DeviceInfo, Endpoint
from device_api import Channel as ReportedChannel
from sharing.devices.devices import (
    NAME_MAX_LENGTH,
    default_channel_names,
    lock_owned_device,
    parse_firmware,
)
from sharing.devices.secrets import PasswordSealer, SealedPasswordUnreadable
from sharing.errors import (
    DeviceNotConnected,
    DeviceNotFound,
    InvalidDeviceAddress,
    InvalidDeviceField,
)
from sharing.rules import MAX_CHANNELS
from storage.models import Channel, Device, DeviceConnection, DeviceStatus, DeviceType

_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")

_DEVICE_TYPES = {
    "ipcamera": DeviceType.CAMERA,
    "ipdome": DeviceType.CAMERA,
    "ipzoom": DeviceType.CAMERA,
    "nvr": DeviceType.NVR,
    "dvr": DeviceType.DVR,
    "doorbell": DeviceType.DOORBELL,
}
"""ISAPI's `deviceType` words (Hikvision's WebSDK) to ours; others keep the type the owner chose."""


@dataclass(frozen=True)
class ConnectionRequest:
    """What the owner typed to connect a device. The password never shows in a repr."""

    scheme: Literal["http", "https"]
    host: str
    port: int
    accept_self_signed: bool
    username: str
    password: str

    def __repr__(self) -> str:
        return (
            f"ConnectionRequest({self.scheme}://{self.host}:{self.port},"
            f" username={self.username!r}, password='***')"
        )

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(
            scheme=self.scheme,
            host=self.host,
            port=self.port,
            verify_tls=not (self.scheme == "https" and self.accept_self_signed),
        )

    @property
    def credentials(self) -> Credentials:
        return Credentials(username=self.username, password=self.password)


@dataclass(frozen=True)
class DeviceReport:
    """What a connected device said about itself."""

    info: DeviceInfo
    channels: tuple[ReportedChannel, ...]


@dataclass(frozen=True)
class DeviceTarget:
    """What a driver needs to reach a device, with the password unsealed: never stored, never
    shown, kept only for the call. `fingerprint` changes whenever any of it changes, so that a
    driver opened with old credentials is not reused."""

    device_id: int
    device_name: str
    serial: str
    request: ConnectionRequest
    fingerprint: bytes
    connected_at: datetime
    """When this connection was made: a target older than the pool's newest for the device is
    a leftover (a job or a stream that read it before the owner changed or removed it)."""


async def save_connection(
    session: AsyncSession,
    *,
    owner_id: int,
    device_id: int,
    request: ConnectionRequest,
    report: DeviceReport,
    sealer: PasswordSealer,
    now: datetime,
) -> None:
    """Store the connection (replacing any) and what the device said: its type, firmware and
    channels. The device row is locked first, as its removal locks it (R2: owner only)."""
    device = await lock_owned_device(session, owner_id=owner_id, device_id=device_id)
    connection = await session.get(DeviceConnection, device_id)
    if connection is None:
        connection = DeviceConnection(
            device_id=device_id,
            scheme=request.scheme,
            host=request.host,
            port=request.port,
            username=request.username,
            sealed_password=b"",
            model="",
            status=DeviceStatus.ONLINE,
            status_since=now,
            checked_at=now,
            connected_at=now,
        )
        session.add(connection)
    connection.scheme = request.scheme
    connection.host = request.host
    connection.port = request.port
    connection.accept_self_signed = request.accept_self_signed
    connection.username = request.username
    connection.sealed_password = sealer.seal(request.password)
    connection.connected_at = now
    await _apply_report(session, device, connection, report, now=now)


async def refresh_from_report(
    session: AsyncSession, *, owner_id: int, device_id: int, report: DeviceReport, now: datetime
) -> None:
    """ "Refresh from device": what the device says now, with the stored credentials."""
    device = await lock_owned_device(session, owner_id=owner_id, device_id=device_id)
    connection = await session.get(DeviceConnection, device_id)
    if connection is None:
        raise DeviceNotFound(device_id)
    await _apply_report(session, device, connection, report, now=now)


async def remove_connection(session: AsyncSession, *, owner_id: int, device_id: int) -> bool:
    """Forget how to reach the device; its channels' online state goes with it. False when it
    had no connection."""
    await lock_owned_device(session, owner_id=owner_id, device_id=device_id)
    removed = await session.exec(
        delete(DeviceConnection).where(col(DeviceConnection.device_id) == device_id)
    )
    channels = await session.exec(select(Channel).where(Channel.device_id == device_id))
    for channel in channels:
        channel.online = None
    return bool(removed.rowcount)


async def device_target(
    session: AsyncSession, *, device_id: int, sealer: PasswordSealer
) -> DeviceTarget | None:
    """How to reach the device, or None when it is not connected (DeviceNotConnected when its
    password was sealed under another key). Callers check first who may use it (`access`):
    this reads credentials for the driver, never for a person."""
    row = (
        await session.exec(
            select(Device.name, Device.serial, DeviceConnection)
            .join(DeviceConnection, col(DeviceConnection.device_id) == Device.id)
            .where(Device.id == device_id)
        )
    ).one_or_none()
    if row is None:
        return None
    name, serial, connection = row
    try:
        return target_of(connection, device_name=name, serial=serial, sealer=sealer)
    except SealedPasswordUnreadable:
        # SECRET_KEY changed: the password is lost, and only the owner can give it again.
        raise DeviceNotConnected(device_name=name) from None


async def connected_targets(session: AsyncSession, *, sealer: PasswordSealer) -> list[DeviceTarget]:
    """Every connected device whose password can be unsealed: the devices whose events are
    watched."""
    rows = await session.exec(
        select(DeviceConnection, Device.name, Device.serial).join(
            Device, col(Device.id) == DeviceConnection.device_id
        )
    )
    return usable_targets(rows, sealer=sealer)


def usable_targets(
    rows: Iterable[tuple[DeviceConnection, str, str]], *, sealer: PasswordSealer
) -> list[DeviceTarget]:
    """Targets of (connection, device name, serial) rows, leaving out the connections whose
    password was sealed under another key: only their owner can give it again."""
    targets = []
    for connection, name, serial in rows:
        with suppress(SealedPasswordUnreadable):
            targets.append(target_of(connection, device_name=name, serial=serial, sealer=sealer))
    return targets


def target_of(
    connection: DeviceConnection, *, device_name: str, serial: str, sealer: PasswordSealer
) -> DeviceTarget:
    request = ConnectionRequest(
        scheme="https" if connection.scheme == "https" else "http",
        host=connection.host,
        port=connection.port,
        accept_self_signed=connection.accept_self_signed,
        username=connection.username,
        password=sealer.unseal(connection.sealed_password),
    )
    fingerprint = b"|".join(
        [
            f"{request.endpoint.base_url}|{request.endpoint.verify_tls}|{request.username}".encode(),
            connection.sealed_password,
        ]
    )
    return DeviceTarget(
        device_id=connection.device_id,
        device_name=device_name,
        serial=serial,
        request=request,
        fingerprint=fingerprint,
        connected_at=connection.connected_at,
    )


def parse_device_address(text: str) -> tuple[Literal["http", "https"], str, int]:
    """What an owner types for a device's address: `192.168.1.64`, `nvr.example.com:8080`,
    `https://203.0.113.5:8443`, `[fd00::64]:80`. HTTP on port 80 unless said otherwise; HTTPS
    on 443. InvalidDeviceAddress for anything else; whether the address may be called is
    `device_api.check_address`'s to say (when connecting)."""
    raw = text.strip()
    if "://" not in raw:
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InvalidDeviceAddress(reason=AddressReason.BAD_PORT.value) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if (
        scheme not in ("http", "https")
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or not _is_host(host)
    ):
        raise InvalidDeviceAddress(reason=AddressReason.BAD_HOST.value)
    if port == 0:
        raise InvalidDeviceAddress(reason=AddressReason.BAD_PORT.value)
    default_port = 443 if scheme == "https" else 80
    return ("https" if scheme == "https" else "http"), host, port or default_port


def _is_host(host: str) -> bool:
    try:
        ip_address(host)
        return True
    except ValueError:
        return len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in host.split("."))


def serial_matches(reported: str, ours: str) -> bool:
    """The device's full serial ends with the serial on its label, which /adddevice asked for
    (or equals it): the device's own word that it is the device that was added."""
    full = "".join(reported.split()).upper()
    return bool(ours) and full.endswith(ours.upper())


def device_type_of(reported: str) -> DeviceType | None:
    return _DEVICE_TYPES.get(reported.strip().lower())


async def _apply_report(
    session: AsyncSession,
    device: Device,
    connection: DeviceConnection,
    report: DeviceReport,
    *,
    now: datetime,
) -> None:
    info = report.info
    device.type = device_type_of(info.device_type) or device.type
    # A firmware string we cannot read keeps the one the owner typed.
    with suppress(InvalidDeviceField):
        device.firmware_version = parse_firmware(info.firmware_version)
    connection.model = info.model[:64]
    if connection.status != DeviceStatus.ONLINE:
        connection.status, connection.status_since = DeviceStatus.ONLINE, now
    connection.last_online_at = now
    connection.checked_at = now
    # `announced_offline` stays: if the owner and groups were told it went away, the next check
    # finds it online and tells them it is back.
    await _sync_channels(session, device_id=connection.device_id, reported=report.channels)


async def _sync_channels(
    session: AsyncSession, *, device_id: int, reported: tuple[ReportedChannel, ...]
) -> None:
    """The device's channels become the ones it reported, matched by number: names and online
    state updated, new ones added, missing ones removed (with their grants). A device that
    reported none keeps its channels: a camera that hides its inputs is still one camera."""
    wanted = {c.number: c for c in reported if 1 <= c.number <= MAX_CHANNELS}
    if not wanted:
        return
    defaults = default_channel_names(max(wanted))
    existing = {
        c.number: c
        for c in await session.exec(select(Channel).where(Channel.device_id == device_id))
    }
    for number, channel in existing.items():
        if number not in wanted:
            await session.delete(channel)
    for number, reported_channel in sorted(wanted.items()):
        name = " ".join(reported_channel.name.split())[:NAME_MAX_LENGTH] or defaults[number - 1]
        row = existing.get(number)
        if row is None:
            session.add(
                Channel(
                    device_id=device_id, number=number, name=name, online=reported_channel.online
                )
            )
        else:
            row.name = name
            row.online = reported_channel.online
    await session.flush()
