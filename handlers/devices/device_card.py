"""The device card: what a device is, and what can be done with it."""

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from handlers.common.callback_data import CallbackData
from handlers.common.formatting import DEVICE_TYPE_LABELS, escape, plural
from handlers.common.keyboards import button, inline
from handlers.qr.links import ShowDeviceQr
from sharing.devices.devices import DeviceView

CHANNELS_SHOWN = 10
"""A 128-channel NVR's card lists the first few names; the share steps page through all."""


@dataclass(frozen=True)
class OpenDevice(CallbackData, prefix="dv"):
    device_id: int


@dataclass(frozen=True)
class ListDevices(CallbackData, prefix="dvl"):
    offset: int


@dataclass(frozen=True)
class ShareDevice(CallbackData, prefix="dvs"):
    device_id: int


@dataclass(frozen=True)
class ShowDeviceGroups(CallbackData, prefix="dvg"):
    """The groups that hear about the device (handlers.groups.device_groups)."""

    device_id: int


@dataclass(frozen=True)
class RenameDevice(CallbackData, prefix="dvr"):
    device_id: int


@dataclass(frozen=True)
class RemoveDevice(CallbackData, prefix="dvx"):
    device_id: int


@dataclass(frozen=True)
class ConfirmRemoveDevice(CallbackData, prefix="dvxy"):
    device_id: int


def render_device_card(device: DeviceView) -> tuple[str, InlineKeyboardMarkup]:
    names = [f"{channel.number}. {escape(channel.name)}" for channel in device.channels]
    shown = names[:CHANNELS_SHOWN]
    if len(names) > CHANNELS_SHOWN:
        shown.append(f"… and {len(names) - CHANNELS_SHOWN} more")
    sharing = (
        f"Shared with {plural(device.live_shares, 'person', 'people')} (pending or active)"
        if device.live_shares
        else "Not shared yet"
    )
    text = "\n".join(
        [
            f"{DEVICE_TYPE_LABELS[device.type]} <b>{escape(device.name)}</b>",
            f"Serial: <code>{escape(device.serial)}</code>",
            f"Firmware: {escape(device.firmware_version)}",
            f"Channels ({len(names)}):",
            *shown,
            "",
            sharing,
        ]
    )
    keyboard = inline(
        [
            button("📤 Share", ShareDevice(device.id)),
            button("🔳 Share via QR code", ShowDeviceQr(device.id)),
        ],
        [button("👥 Groups", ShowDeviceGroups(device.id))],
        [
            button("✏️ Rename", RenameDevice(device.id)),
            button("🗑 Remove", RemoveDevice(device.id)),
        ],
        [button("« My devices", ListDevices(0))],
    )
    return text, keyboard
