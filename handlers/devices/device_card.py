"""The device card: what a device is, and what can be done with it."""

from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext
from handlers.common.keyboards import button, inline
from handlers.qr.links import ListApplications, ShowDeviceQr, applications_waiting
from languages import _, ngettext
from sharing.devices import alarms
from sharing.devices.devices import ChannelView, ConnectionView, DeviceView
from wording.formatting import (
    device_status_line,
    device_type_label,
    escape,
    format_moment,
)

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
class ConnectDevice(CallbackData, prefix="dvc"):
    """Connect the device, or change its connection (handlers.devices.connect)."""

    device_id: int


@dataclass(frozen=True)
class RefreshDevice(CallbackData, prefix="dvf"):
    """Read the model, firmware and channels from the device again."""

    device_id: int


@dataclass(frozen=True)
class Disconnect(CallbackData, prefix="dvd"):
    device_id: int


@dataclass(frozen=True)
class ConfirmDisconnect(CallbackData, prefix="dvdy"):
    device_id: int


@dataclass(frozen=True)
class WatchDevice(CallbackData, prefix="dvw"):
    """📷 Live view: the channels the tapper holds Live View on (handlers.devices.live_view)."""

    device_id: int


@dataclass(frozen=True)
class ShowRecordings(CallbackData, prefix="pb"):
    """🎞 Recordings: the channels the tapper holds Playback on (handlers.devices.playback)."""

    device_id: int


@dataclass(frozen=True)
class MuteAlarms(CallbackData, prefix="am"):
    """🔕 on an alarm (handlers.devices.alarms)."""

    device_id: int
    hours: int
    """0: until unmuted."""


@dataclass(frozen=True)
class UnmuteAlarms(CallbackData, prefix="amu"):
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


@dataclass(frozen=True)
class Muted:
    until: datetime | None
    """None: until unmuted."""


async def device_card(
    context: CamShareContext, device: DeviceView
) -> tuple[str, InlineKeyboardMarkup]:
    """The card as its owner sees it now, their mute of its alarms included: every screen that
    shows the card draws it here, so none leaves the mute out."""
    muted = await read_mute(context, account_id=device.owner_id, device_id=device.id)
    return render_device_card(device, muted=muted)


async def read_mute(context: CamShareContext, *, account_id: int, device_id: int) -> Muted | None:
    """The person's mute of the device's alarms, if it holds now."""
    services = context.services
    async with services.database.read() as session:
        mute = await alarms.mute_of(
            session, account_id=account_id, device_id=device_id, now=services.clock()
        )
    return None if mute is None else Muted(mute.until)


def render_device_card(
    device: DeviceView, *, muted: Muted | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """`muted`: the owner muted the device's alarms (shown, with 🔔 to lift it)."""
    names = [channel_line(channel) for channel in device.channels]
    shown = names[:CHANNELS_SHOWN]
    if len(names) > CHANNELS_SHOWN:
        more = len(names) - CHANNELS_SHOWN
        shown.append(ngettext("… and {count} more", "… and {count} more", more).format(count=more))
    sharing = (
        ngettext(
            "Shared with {count} person (pending or active)",
            "Shared with {count} people (pending or active)",
            device.live_shares,
        ).format(count=device.live_shares)
        if device.live_shares
        else _("Not shared yet")
    )
    waiting = device.pending_applications
    text = "\n".join(
        [
            f"{device_type_label(device.type)} <b>{escape(device.name)}</b>",
            _("Serial: <code>{serial}</code>").format(serial=escape(device.serial)),
            _("Firmware: {version}").format(version=escape(device.firmware_version)),
            *connection_lines(device.connection),
            *([muted_line(muted)] if muted else []),
            _("Channels ({count}):").format(count=len(names)),
            *shown,
            "",
            sharing,
            *([applications_waiting(waiting)] if waiting else []),
        ]
    )
    keyboard = inline(
        [
            button(_("📤 Share"), ShareDevice(device.id)),
            button(_("🔳 Share via QR code"), ShowDeviceQr(device.id)),
        ],
        [
            button(
                _("📨 Applications ({count})").format(count=waiting),
                ListApplications(device.id, 0),
            )
        ]
        if waiting
        else [],
        *connection_buttons(device),
        [button(_("🔔 Unmute alarms"), UnmuteAlarms(device.id))] if muted else [],
        [button(_("👥 Groups"), ShowDeviceGroups(device.id))],
        [
            button(_("✏️ Rename"), RenameDevice(device.id)),
            button(_("🗑 Remove"), RemoveDevice(device.id)),
        ],
        [button(_("« My devices"), ListDevices(0))],
    )
    return text, keyboard


def channel_line(channel: ChannelView) -> str:
    mark = {True: "🟢 ", False: "🔴 ", None: ""}[channel.online]
    return f"{mark}{channel.number}. {escape(channel.name)}"


def connection_lines(connection: ConnectionView | None) -> list[str]:
    """What the owner reads of the connection: never the password (R14)."""
    if connection is None:
        return [_("Not connected: connect it to see its cameras here.")]
    connected = (
        _("Connected: {address} as {username}, its own certificate accepted")
        if connection.accept_self_signed
        else _("Connected: {address} as {username}")
    ).format(
        address=f"{connection.scheme}://{escape(connection.host)}:{connection.port}",
        username=escape(connection.username),
    )
    model = f" ({escape(connection.model)})" if connection.model else ""
    return [device_status_line(connection.status, connection.last_online_at), connected + model]


def connection_buttons(device: DeviceView) -> list[list[InlineKeyboardButton]]:
    if device.connection is None:
        return [[button(_("🔌 Connect"), ConnectDevice(device.id))]]
    return [
        [
            button(_("📷 Live view"), WatchDevice(device.id)),
            button(_("🎞 Recordings"), ShowRecordings(device.id)),
        ],
        [
            button(_("🔄 Refresh from device"), RefreshDevice(device.id)),
            button(_("🔌 Change connection"), ConnectDevice(device.id)),
        ],
        [button(_("✂️ Disconnect"), Disconnect(device.id))],
    ]


def muted_line(muted: Muted) -> str:
    """What a device card or a received device shows while its alarms are muted."""
    if muted.until is None:
        return _("🔕 Alarms muted until you unmute them")
    return _("🔕 Alarms muted until {moment}").format(moment=format_moment(muted.until))
