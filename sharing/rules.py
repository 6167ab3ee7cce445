"""The numbers and tables behind the rules, in one place."""

import re

from storage.models import ALL_PERMISSIONS, DeviceType, Permission

MAX_RECIPIENTS_PER_CHANNEL = 64
"""R4: one channel can be shared to at most this many accounts at once (pending and active)."""

MAX_OWNERS_PER_RECIPIENT = 100
"""R5: one account can receive shares from at most this many owners (pending and active)."""

CCTV_TYPES = frozenset({DeviceType.CAMERA, DeviceType.NVR, DeviceType.DVR})
"""R7: on these, Live View is always granted."""

MINIMUM_FIRMWARE: dict[DeviceType, tuple[int, ...]] = {
    DeviceType.CAMERA: (5, 5, 0),
    DeviceType.NVR: (4, 0, 0),
    DeviceType.DVR: (4, 0, 0),
    DeviceType.DOORBELL: (1, 0, 0),
    DeviceType.OTHER: (1, 0, 0),
}
"""R6: the oldest firmware that supports sharing, per type. The seed article only says that very
old firmware may not support sharing; these are the versions Hikvision's sharing (Hik-Connect
4.x era) shipped with, and the one place to change them."""

MAX_CHANNELS = 256

_FIRMWARE = re.compile(r"^\s*[Vv]?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?(?:[\s_-].*)?$")


def parse_firmware_version(text: str) -> tuple[int, int, int]:
    """`V5.7.3 build 220112` -> (5, 7, 3); raises ValueError when there is no major.minor."""
    match = _FIRMWARE.match(text)
    if not match:
        raise ValueError(f"not a firmware version: {text!r}")
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def format_version(version: tuple[int, ...]) -> str:
    return "V" + ".".join(str(part) for part in version)


def firmware_supports_sharing(device_type: DeviceType, firmware_version: str) -> bool:
    return parse_firmware_version(firmware_version) >= MINIMUM_FIRMWARE[device_type]


def required_permissions(device_type: DeviceType) -> Permission:
    """What every granted channel must include (R7)."""
    return Permission.LIVE_VIEW if device_type in CCTV_TYPES else Permission(0)


def full_grants(channel_numbers: list[int]) -> dict[int, Permission]:
    """R8: a new share starts with every channel and every permission."""
    return dict.fromkeys(channel_numbers, ALL_PERMISSIONS)
