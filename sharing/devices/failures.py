"""What a device's failure means to the person who tapped, and to its status.

The device protocol raises its own errors (device_api.errors); the domain turns them into
refusals that name the device, which handlers word, and into the status the status job records.
"""

from device_api import (
    AddressRefused,
    DeviceError,
    DeviceLockedOut,
    DeviceRefused,
    DeviceTimeout,
    DeviceUnreachable,
    NotSupported,
    WrongCredentials,
)
from sharing.errors import (
    DeviceLoginLocked,
    DeviceLoginRefused,
    DeviceNotAnswering,
    DeviceRequestRefused,
    InvalidDeviceAddress,
    NotAnIsapiDevice,
    SharingError,
)
from storage.models import DeviceStatus


def refusal(error: DeviceError, *, device_name: str) -> SharingError:
    match error:
        case DeviceTimeout():
            return DeviceNotAnswering(device_name=device_name, timed_out=True)
        case DeviceUnreachable():
            return DeviceNotAnswering(device_name=device_name, timed_out=False)
        case WrongCredentials(retries_left=retries_left):
            return DeviceLoginRefused(device_name=device_name, retries_left=retries_left)
        case DeviceLockedOut(unlock_in_seconds=seconds):
            return DeviceLoginLocked(device_name=device_name, unlock_in_seconds=seconds)
        case AddressRefused(reason=reason):
            return InvalidDeviceAddress(reason=reason.value)
        case DeviceRefused() | NotSupported():
            return DeviceRequestRefused(device_name=device_name)
    # NotIsapi, ResponseTooLarge, and whatever else a device can answer: not as a device should.
    return NotAnIsapiDevice(device_name=device_name)


def status_after(error: DeviceError) -> DeviceStatus:
    """The status a failed check leaves the device in."""
    match error:
        case DeviceTimeout() | DeviceUnreachable() | AddressRefused():
            return DeviceStatus.OFFLINE
        case WrongCredentials() | DeviceLockedOut():
            return DeviceStatus.WRONG_PASSWORD
    return DeviceStatus.NOT_A_DEVICE
