"""The ISAPI documents the driver reads and writes, as plain values.

Shapes as real devices send them (see the simulator in tests/device_simulator for examples):
`DeviceInfo`, `InputProxyChannelList`, `InputProxyChannelStatusList`, `VideoInputChannelList`,
`PTZPresetList`, the `ResponseStatus` any endpoint may answer instead, and the `userCheck`
body of a 401.
"""

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from device_api.errors import NotIsapi
from device_api.isapi.xml import children, local_name, looks_like_xml, parse, text
from device_api.results import DeviceInfo, Preset

NO_SIGNAL = "NO VIDEO"  # an analog input's resDesc when nothing is plugged in


@dataclass(frozen=True)
class ResponseStatus:
    """`statusCode` 0 or 1 is success; 2 busy, 3 device error, 4 invalid operation, 6 invalid
    content...; `subStatusCode` is the reason in a word, e.g. notSupport, badXmlContent."""

    status_code: int
    sub_status: str | None

    @property
    def ok(self) -> bool:
        return self.status_code in (0, 1)


@dataclass(frozen=True)
class UserCheck:
    """The 401 body of current firmware: tries left, or the lock and when it ends."""

    locked: bool
    unlock_in_seconds: int | None
    retries_left: int | None


@dataclass(frozen=True)
class ChannelEntry:
    number: int
    name: str


def response_status(body: bytes) -> ResponseStatus | None:
    """The body's ResponseStatus, if that is what it is."""
    if not looks_like_xml(body):
        return None
    root = parse(body)
    if local_name(root) != "ResponseStatus":
        return None
    return ResponseStatus(_required_int(root, "statusCode"), text(root, "subStatusCode") or None)


def user_check(body: bytes) -> UserCheck:
    """What a 401 says; older firmware sends no body, which tells nothing either way."""
    root = parse(body) if looks_like_xml(body) else None
    if root is None or local_name(root) != "userCheck":
        return UserCheck(locked=False, unlock_in_seconds=None, retries_left=None)
    return UserCheck(
        locked=(text(root, "lockStatus") or "").lower() == "lock",
        unlock_in_seconds=_optional_int(root, "unlockTime"),
        retries_left=_optional_int(root, "retryLoginTime"),
    )


def device_info(root: Element) -> DeviceInfo:
    return DeviceInfo(
        serial_number=_required_text(root, "serialNumber"),
        model=_required_text(root, "model"),
        device_type=_required_text(root, "deviceType"),
        firmware_version=_required_text(root, "firmwareVersion"),
        device_name=text(root, "deviceName") or "",
    )


def proxy_channels(root: Element) -> list[ChannelEntry]:
    """IP channels of an NVR or hybrid DVR (`InputProxyChannelList`)."""
    return [
        ChannelEntry(_required_int(entry, "id"), text(entry, "name") or "")
        for entry in children(root, "InputProxyChannel")
    ]


def proxy_online(root: Element) -> dict[int, bool | None]:
    """Channel number -> `<online>`; None where the firmware leaves it out."""
    states: dict[int, bool | None] = {}
    for entry in children(root, "InputProxyChannelStatus"):
        online = text(entry, "online")
        states[_required_int(entry, "id")] = None if online is None else online.lower() == "true"
    return states


def analog_channels(root: Element) -> list[tuple[ChannelEntry, bool | None]]:
    """Video inputs (`VideoInputChannelList`): a camera's sensor, a DVR's analog inputs.

    A DVR input reports `resDesc` NO VIDEO when it has no signal; without resDesc, unknown.
    """
    channels: list[tuple[ChannelEntry, bool | None]] = []
    for entry in children(root, "VideoInputChannel"):
        resolution = text(entry, "resDesc")
        online = None if not resolution else resolution.upper() != NO_SIGNAL
        channels.append(
            (ChannelEntry(_required_int(entry, "id"), text(entry, "name") or ""), online)
        )
    return channels


def presets(root: Element) -> list[Preset]:
    """Presets in use: some firmware lists every slot, the unused ones `enabled` false."""
    return [
        Preset(_required_int(entry, "id"), text(entry, "presetName") or "")
        for entry in children(root, "PTZPreset")
        if (text(entry, "enabled") or "true").lower() != "false"
    ]


def ptz_data(*, pan: int, tilt: int, zoom: int, duration_ms: int | None = None) -> bytes:
    """A `PTZData` body; with a duration it is a momentary move the camera ends by itself."""
    momentary = (
        "" if duration_ms is None else f"<Momentary><duration>{duration_ms}</duration></Momentary>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<PTZData><pan>{pan}</pan><tilt>{tilt}</tilt><zoom>{zoom}</zoom>{momentary}</PTZData>"
    ).encode()


def _required_text(element: Element, name: str) -> str:
    value = text(element, name)
    if not value:
        raise NotIsapi(f"{local_name(element)} without {name}")
    return value


def _required_int(element: Element, name: str) -> int:
    value = _optional_int(element, name)
    if value is None:
        raise NotIsapi(f"{local_name(element)} without {name}")
    return value


def _optional_int(element: Element, name: str) -> int | None:
    value = text(element, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError as error:
        raise NotIsapi(f"{local_name(element)}/{name} is not a number") from error
