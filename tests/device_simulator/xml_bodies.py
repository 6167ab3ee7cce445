"""The XML documents a Hikvision device sends, in the simulated device's namespace.

Shapes follow real captures (DEVICES.md 1.0-1.5): element names and order as devices send
them, trimmed to the fields a client reads plus a few that make them look real.
"""

from xml.sax.saxutils import escape

from tests.device_simulator.models import DeviceModel, SimulatedChannel

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

NOT_ISAPI_PAGE = (
    b"<!DOCTYPE html><html><head><title>Login</title></head>"
    b"<body><form action='/login' method='post'><input name='user'><input name='pass' "
    b"type='password'></form></body></html>"
)


def _document(root: str, namespace: str, inner: str) -> bytes:
    return f'{_DECLARATION}<{root} version="2.0" xmlns="{namespace}">{inner}</{root}>'.encode()


def device_info(device: DeviceModel) -> bytes:
    return _document(
        "DeviceInfo",
        device.namespace,
        f"<deviceName>{escape(device.device_name)}</deviceName>"
        "<deviceID>48f3a1c2-0000-0000-0000-c056e3a1b2c3</deviceID>"
        f"<model>{escape(device.model)}</model>"
        f"<serialNumber>{escape(device.serial_number)}</serialNumber>"
        "<macAddress>c0:56:e3:a1:b2:c3</macAddress>"
        f"<firmwareVersion>{escape(device.firmware_version)}</firmwareVersion>"
        "<firmwareReleasedDate>build 240826</firmwareReleasedDate>"
        f"<deviceType>{escape(device.device_type)}</deviceType>"
        "<manufacturer>hikvision</manufacturer>",
    )


def download_ability(device: DeviceModel, *, by_time: bool) -> bytes:
    return _document(
        "DownloadAbility",
        device.namespace,
        "<isSupportDownloadbyFileName>true</isSupportDownloadbyFileName>"
        f"<isSupportDownloadbyTime>{str(by_time).lower()}</isSupportDownloadbyTime>",
    )


def video_inputs(device: DeviceModel, channels: list[SimulatedChannel]) -> bytes:
    """`VideoInputChannelList`: a camera's sensor or a DVR's analog inputs."""
    entries = "".join(
        "<VideoInputChannel>"
        f"<id>{channel.number}</id><inputPort>{channel.number}</inputPort>"
        "<videoInputEnabled>true</videoInputEnabled>"
        f"<name>{escape(channel.name)}</name><videoFormat>PAL</videoFormat>"
        f"<resDesc>{'1920*1080P' if channel.online else 'NO VIDEO'}</resDesc>"
        "</VideoInputChannel>"
        for channel in channels
    )
    return _document("VideoInputChannelList", device.namespace, entries)


def input_proxy_channels(device: DeviceModel, channels: list[SimulatedChannel]) -> bytes:
    entries = "".join(
        "<InputProxyChannel>"
        f"<id>{channel.number}</id><name>{escape(channel.name)}</name>"
        "<sourceInputPortDescriptor><proxyProtocol>HIKVISION</proxyProtocol>"
        f"<addressingFormatType>ipaddress</addressingFormatType>"
        f"<ipAddress>192.168.254.{channel.number + 1}</ipAddress>"
        "<managePortNo>8000</managePortNo><srcInputPort>1</srcInputPort>"
        "<userName>admin</userName><streamType>auto</streamType>"
        "</sourceInputPortDescriptor><enableAnr>false</enableAnr>"
        "</InputProxyChannel>"
        for channel in channels
    )
    return _document("InputProxyChannelList", device.namespace, entries).replace(
        b'version="2.0"', f'version="2.0" size="{len(channels)}"'.encode(), 1
    )


def input_proxy_status(device: DeviceModel, channels: list[SimulatedChannel]) -> bytes:
    entries = "".join(
        "<InputProxyChannelStatus>"
        f"<id>{channel.number}</id>"
        + (f"<online>{str(channel.online).lower()}</online>" if device.reports_online else "")
        + f"<chanDetectResult>{'connect' if channel.online else 'offline'}</chanDetectResult>"
        "</InputProxyChannelStatus>"
        for channel in channels
    )
    return _document("InputProxyChannelStatusList", device.namespace, entries)


def presets(device: DeviceModel, channel: SimulatedChannel) -> bytes:
    entries = "".join(
        f"<PTZPreset><enabled>true</enabled><id>{number}</id>"
        f"<presetName>{escape(name)}</presetName></PTZPreset>"
        for number, name in sorted(channel.presets.items())
    )
    return _document("PTZPresetList", device.namespace, entries)


def response_status(
    device: DeviceModel, url: str, code: int, status: str, sub_status: str
) -> bytes:
    return _document(
        "ResponseStatus",
        device.namespace,
        f"<requestURL>{escape(url)}</requestURL><statusCode>{code}</statusCode>"
        f"<statusString>{escape(status)}</statusString>"
        f"<subStatusCode>{escape(sub_status)}</subStatusCode>",
    )


def user_check(
    device: DeviceModel, *, retries_left: int, locked: bool, unlock_in_seconds: int
) -> bytes:
    """The 401 body of current firmware: tries left before the lock, or the lock itself."""
    return _document(
        "userCheck",
        device.namespace,
        "<statusValue>401</statusValue><statusString>Unauthorized</statusString>"
        f"<isIllegalLogin>{str(locked).lower()}</isIllegalLogin>"
        f"<retryLoginTime>{retries_left}</retryLoginTime>"
        f"<lockStatus>{'lock' if locked else 'unlock'}</lockStatus>"
        f"<unlockTime>{unlock_in_seconds}</unlockTime>",
    )


def event_alert(
    device: DeviceModel,
    *,
    channel: int,
    use_dyn_channel_id: bool,
    event_type: str,
    state: str,
    description: str,
    date_time: str,
    active_post_count: int,
) -> bytes:
    """An `EventNotificationAlert`; NVRs may number the channel as dynChannelID instead."""
    channel_element = (
        f"<dynChannelID>{channel}</dynChannelID>"
        if use_dyn_channel_id
        else f"<channelID>{channel}</channelID>"
    )
    simulated = device.channel(channel)
    name = f"<channelName>{escape(simulated.name)}</channelName>" if simulated else ""
    return _document(
        "EventNotificationAlert",
        device.namespace,
        "<ipAddress>192.168.1.64</ipAddress><portNo>80</portNo><protocol>HTTP</protocol>"
        "<macAddress>c0:56:e3:a1:b2:c3</macAddress>"
        f"{channel_element}<dateTime>{date_time}</dateTime>"
        f"<activePostCount>{active_post_count}</activePostCount>"
        f"<eventType>{escape(event_type)}</eventType><eventState>{state}</eventState>"
        f"<eventDescription>{escape(description)}</eventDescription>{name}",
    )
