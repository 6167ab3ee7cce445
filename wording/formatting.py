"""Domain values as people read them, in the reader's language (languages): labels in plain
text, and `escape` for what a user typed, which goes into HTML escaped and never translated."""

import html
from datetime import datetime

from languages import N_, _
from languages import format_moment as format_moment
from sharing.people.regions import region_flag, region_name
from sharing.views import Address, PersonView
from storage.models import AddressKind, DeviceStatus, DeviceType, Permission

DEVICE_TYPE_LABELS = {
    DeviceType.CAMERA: N_("📷 Camera"),
    DeviceType.NVR: N_("🗄 NVR"),
    DeviceType.DVR: N_("📼 DVR"),
    DeviceType.DOORBELL: N_("🔔 Doorbell"),
    DeviceType.OTHER: N_("📦 Other device"),
}
"""In English; `device_type_label` says them in the reader's language."""

PERMISSION_LABELS = {
    Permission.LIVE_VIEW: N_("Live View"),
    Permission.PLAYBACK: N_("Playback"),
    Permission.ALARM: N_("Alarm"),
    Permission.TWO_WAY_AUDIO: N_("Two-way Audio"),
    Permission.PTZ: N_("PTZ"),
}
"""In the order shown everywhere; `permission_label` says them in the reader's language."""

DEVICE_STATUS_LABELS = {
    DeviceStatus.ONLINE: N_("🟢 Online"),
    DeviceStatus.OFFLINE: N_("🔴 Offline"),
    DeviceStatus.WRONG_PASSWORD: N_("🔑 Refuses the stored password"),
    DeviceStatus.NOT_A_DEVICE: N_("⚠️ Not answering as this device should"),
}
"""In English; `device_status_label` says them in the reader's language."""


def device_type_label(device_type: DeviceType) -> str:
    """ "📷 Camera": the icon, then the type's name."""
    return _(DEVICE_TYPE_LABELS[device_type])


def permission_label(permission: Permission) -> str:
    return _(PERMISSION_LABELS[permission])


def device_status_label(status: DeviceStatus) -> str:
    """ "🟢 Online": the icon, then the status in words."""
    return _(DEVICE_STATUS_LABELS[status])


def device_status_icon(status: DeviceStatus) -> str:
    return DEVICE_STATUS_LABELS[status].split(" ", 1)[0]


def escape(text: str) -> str:
    """Escape what a user typed (names) for parse_mode=HTML."""
    return html.escape(text, quote=False)


def device_type_icon(device_type: DeviceType) -> str:
    return DEVICE_TYPE_LABELS[device_type].split(" ", 1)[0]


def region_label(code: str | None) -> str:
    return f"{region_flag(code)} {region_name(code)}" if code else _("not set")


def permissions_label(permissions: Permission) -> str:
    return "/".join(permission_label(flag) for flag in PERMISSION_LABELS if flag in permissions)


def device_status_line(status: DeviceStatus, last_online_at: datetime | None) -> str:
    """The status anyone who uses the device may see (R14: never how it is reached)."""
    if status == DeviceStatus.ONLINE or last_online_at is None:
        return device_status_label(status)
    return _("{status} · last seen online {moment}").format(
        status=device_status_label(status), moment=format_moment(last_online_at)
    )


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
        return _("Telegram user {user_id}").format(user_id=address.value)
    return address.value
