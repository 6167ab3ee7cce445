"""Asking a device who it is, before its connection is saved: the address must be one CamShare
may call (R14), the device must answer ISAPI with these credentials, and its serial must end
with the serial its owner added (the device's own proof that it is that device)."""

from collections.abc import Callable, Sequence
from ipaddress import IPv4Network, IPv6Network

from device_api import (
    AddressRefused,
    Credentials,
    DeviceDriver,
    DeviceError,
    Endpoint,
    check_address,
)
from sharing.devices.connections import ConnectionRequest, DeviceReport, serial_matches
from sharing.devices.failures import refusal
from sharing.errors import DeviceSerialMismatch, InvalidDeviceAddress

DriverFactory = Callable[[Endpoint, Credentials], DeviceDriver]
"""Opens a driver for one device (bot/app.py gives the ISAPI one, with the settings' limits)."""

Networks = Sequence[IPv4Network | IPv6Network]


async def check_device_address(host: str, port: int, *, allowed_networks: Networks) -> None:
    """R14's address rules, before any connection: asked when the owner types the address, and
    again when connecting (a host name may resolve elsewhere by then)."""
    try:
        await check_address(host, port, allowed_networks=allowed_networks)
    except AddressRefused as error:
        raise InvalidDeviceAddress(reason=error.reason.value) from None


async def probe_device(
    request: ConnectionRequest,
    *,
    serial: str,
    device_name: str,
    open_driver: DriverFactory,
    allowed_networks: Networks,
) -> DeviceReport:
    await check_device_address(request.host, request.port, allowed_networks=allowed_networks)
    async with open_driver(request.endpoint, request.credentials) as driver:
        try:
            info = await driver.device_info()
            if not serial_matches(info.serial_number, serial):
                raise DeviceSerialMismatch(expected=serial, reported=info.serial_number)
            channels = await driver.channels()
        except DeviceError as error:
            raise refusal(error, device_name=device_name) from None
    return DeviceReport(info=info, channels=tuple(channels))
