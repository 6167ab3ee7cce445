"""Turning domain values into HTML for Telegram's parse_mode=HTML. User text is always escaped."""

import html
from datetime import datetime

from sharing.people.regions import region_flag, region_name
from sharing.views import Address, PersonView
from storage.models import AddressKind, DeviceStatus, DeviceType, Permission

DEVICE_TYPE_LABELS = {
    DeviceType.CAMERA: "📷 Camera",
    DeviceType.NVR: "🗄 NVR",
    DeviceType.DVR: "📼 DVR",
    DeviceType.DOORBELL: "🔔 Doorbell",
    DeviceType.OTHER: "📦 Other device",
}

PERMISSION_LABELS = {
    Permission.LIVE_VIEW: "Live View",
    Permission.PLAYBACK: "Playback",
    Permission.ALARM: "Alarm",
    Permission.TWO_WAY_AUDIO: "Two-way Audio",
    Permission.PTZ: "PTZ",
}


DEVICE_STATUS_LABELS = {
    DeviceStatus.ONLINE: "🟢 Online",
    DeviceStatus.OFFLINE: "🔴 Offline",
    DeviceStatus.WRONG_PASSWORD: "🔑 Refuses the stored password",
    DeviceStatus.NOT_A_DEVICE: "⚠️ Not answering as this device should",
}


def escape(text: str) -> str:
    """Escape what a user typed (names) for parse_mode=HTML."""
    return html.escape(text, quote=False)


def device_type_icon(device_type: DeviceType) -> str:
    return DEVICE_TYPE_LABELS[device_type].split(" ", 1)[0]


def region_label(code: str | None) -> str:
    return f"{region_flag(code)} {region_name(code)}" if code else "not set"


def permissions_label(permissions: Permission) -> str:
    return "/".join(label for flag, label in PERMISSION_LABELS.items() if flag in permissions)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def format_moment(moment: datetime) -> str:
    return moment.strftime("%d %b %Y, %H:%M UTC")


def device_status_line(status: DeviceStatus, last_online_at: datetime | None) -> str:
    """The status anyone who uses the device may see (R14: never how it is reached)."""
    if status == DeviceStatus.ONLINE or last_online_at is None:
        return DEVICE_STATUS_LABELS[status]
    return f"{DEVICE_STATUS_LABELS[status]} · last seen online {format_moment(last_online_at)}"


def recipient_label(recipient: PersonView | None, address: Address | None) -> str:
    """Who has a share, in plain text: the recipient's name, or the address an unclaimed
    invitation went to (the owner typed it, so showing it to the owner reveals nothing)."""
    if recipient is not None:
        return recipient.display_name
    assert address is not None, "a share names its recipient or an address"
    return address_label(address)


def address_label(address: Address) -> str:
    """How an owner named a recipient who has no account yet, as the owner typed it (plain)."""
    if address.kind == AddressKind.USERNAME:
        return f"@{address.value}"
    if address.kind == AddressKind.USER_ID:
        return f"Telegram user {address.value}"
    return address.value
