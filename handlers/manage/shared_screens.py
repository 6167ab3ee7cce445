"""The screens of `/shared`, the owner's side of sharing (Hik-Connect's "My Shared Devices"):
the devices I share, one device's recipients and invitations, one share with its actions.
Pure functions of what the sharing service returned, so every tap redraws from the database."""

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from handlers.common.callback_data import CallbackData
from handlers.common.grants_text import grant_lines
from handlers.common.keyboards import button, inline
from handlers.common.listing import fit, format_day, pager, short, span
from handlers.devices.device_card import ShareDevice
from handlers.qr.links import ListApplications
from handlers.share.entries import EditShare
from languages import _, ngettext
from sharing.paging import Page
from sharing.views import DeviceRef, ListedShare, ShareBase, SharedDevice, ShareView
from storage.models import ShareState
from wording.formatting import (
    device_type_icon,
    escape,
    format_moment,
    recipient_label,
)

DEVICES_PER_PAGE = 8
SHARES_PER_PAGE = 8

Screen = tuple[str, InlineKeyboardMarkup | None]


@dataclass(frozen=True)
class ListSharedDevices(CallbackData, prefix="ow"):
    offset: int


@dataclass(frozen=True)
class OpenSharedDevice(CallbackData, prefix="owd"):
    device_id: int
    offset: int
    """Of the device's shares."""


@dataclass(frozen=True)
class OpenOwnedShare(CallbackData, prefix="ows"):
    share_id: int


@dataclass(frozen=True)
class AskToRevokeShare(CallbackData, prefix="owx"):
    share_id: int


@dataclass(frozen=True)
class RevokeShare(CallbackData, prefix="owxy"):
    """The second tap of Delete."""

    share_id: int


@dataclass(frozen=True)
class AskToCancelInvitation(CallbackData, prefix="owc"):
    share_id: int


@dataclass(frozen=True)
class CancelInvitation(CallbackData, prefix="owcy"):
    """The second tap of Cancel invitation."""

    share_id: int


def shared_with(share: ShareBase) -> str:
    """Who has the share, in plain text (`formatting.recipient_label`)."""
    return recipient_label(share.recipient, share.address)


def _state_line(share: ShareBase) -> str:
    if share.state == ShareState.ACTIVE:
        return _("✅ active since {day}").format(
            day=format_day(share.accepted_at or share.created_at)
        )
    if share.recipient is None:
        return _("⏳ invited {day}, not on CamShare yet").format(day=format_day(share.created_at))
    return _("⏳ invited {day}, no answer yet").format(day=format_day(share.created_at))


def shared_devices_screen(
    page: Page[SharedDevice], *, notice: str = "", applications: int = 0
) -> Screen:
    """`applications`: how many wait for the owner's answer, on top of the list with a button."""
    waiting = (
        [
            [
                button(
                    _("📨 Applications ({count})").format(count=applications),
                    ListApplications(0, 0),
                )
            ]
        ]
        if applications
        else []
    )
    top = _applications_waiting(applications) + "\n\n" if applications else ""
    if page.total == 0:
        text = _("You are not sharing any device. Open one in /devices and tap 📤 Share.")
        return _with_notice(notice, top + text), inline(*waiting) if waiting else None
    rows = [
        [
            button(
                short(f"{device_type_icon(item.device.type)} {item.device.name}")
                + f" · {_counts(item)}",
                OpenSharedDevice(item.device.id, 0),
            )
        ]
        for item in page.items
    ]
    turn = pager(page.offset, DEVICES_PER_PAGE, page.total, ListSharedDevices)
    header = _("📤 <b>Devices you share</b> ({span}). Tap one to see who has it.").format(
        span=span(page.offset, len(page.items), page.total)
    )
    return _with_notice(notice, top + header), inline(*waiting, *rows, turn)


def _applications_waiting(count: int) -> str:
    """The first line of /shared while applications wait (a device card has its own)."""
    return ngettext(
        "📨 {count} application waits for your answer.",
        "📨 {count} applications wait for your answer.",
        count,
    ).format(count=count)


def _counts(item: SharedDevice) -> str:
    """ "2 active, 1 invited": each count in the reader's plural form."""
    parts = (
        [ngettext("{count} active", "{count} active", item.active).format(count=item.active)]
        if item.active
        else []
    )
    if item.pending:
        parts.append(
            ngettext("{count} invited", "{count} invited", item.pending).format(count=item.pending)
        )
    return ", ".join(parts)


def shared_device_screen(device: DeviceRef, page: Page[ListedShare], *, notice: str = "") -> Screen:
    name = f"{device_type_icon(device.type)} <b>{escape(device.name)}</b>"
    back = button(_("« Shared devices"), ListSharedDevices(0))
    if page.total == 0:
        return (
            _with_notice(notice, _("{device} is not shared with anyone now.").format(device=name)),
            inline([button(_("📤 Share it"), ShareDevice(device.id))], [back]),
        )
    lines = [
        f"{page.offset + number}. <b>{escape(shared_with(share))}</b> · {_state_line(share)}"
        f" · {_channel_count(share.channel_count)}"
        for number, share in enumerate(page.items, start=1)
    ]
    rows = [
        [button(short(shared_with(share)) + _state_mark(share), OpenOwnedShare(share.id))]
        for share in page.items
    ]
    turn = pager(
        page.offset,
        SHARES_PER_PAGE,
        page.total,
        lambda offset: OpenSharedDevice(device.id, offset),
    )
    head = ngettext(
        "{device}: shared with {count} person ({span}). Tap one for details.",
        "{device}: shared with {count} people ({span}). Tap one for details.",
        page.total,
    ).format(device=name, count=page.total, span=span(page.offset, len(page.items), page.total))
    return fit(_with_notice(notice, head + "\n"), lines), inline(*rows, turn, [back])


def _channel_count(count: int) -> str:
    return ngettext("{count} channel", "{count} channels", count).format(count=count)


def _state_mark(share: ShareBase) -> str:
    return " · ✅" if share.state == ShareState.ACTIVE else " · " + _("⏳ invited")


def owned_share_screen(share: ShareView) -> Screen:
    """One recipient's share, with Edit and Delete (active) or Cancel invitation (pending)."""
    head = "\n".join(
        [
            f"{device_type_icon(share.device.type)} <b>{escape(share.device.name)}</b>"
            f" → <b>{escape(shared_with(share))}</b>",
            _state_details(share),
            _("Channels ({count}):").format(count=len(share.grants)),
        ]
    )
    end = (
        button(_("🗑 Delete"), AskToRevokeShare(share.id))
        if share.state == ShareState.ACTIVE
        else button(_("✖️ Cancel invitation"), AskToCancelInvitation(share.id))
    )
    # Edit enters the share conversation (handlers.share.conversation), which draws its channel
    # screen in this very message and tells the recipient what changed.
    keyboard = inline(
        [button(_("✏️ Edit"), EditShare(share.id)), end],
        [button(f"« {short(share.device.name)}", OpenSharedDevice(share.device.id, 0))],
    )
    return fit(head, grant_lines(share.grants)), keyboard


def _state_details(share: ShareView) -> str:
    if share.state == ShareState.ACTIVE:
        return _("✅ Active since {moment}.").format(
            moment=format_moment(share.accepted_at or share.created_at)
        )
    if share.recipient is None:
        text = (
            _(
                "⏳ Invited on {invited}. Nobody has proved this address on CamShare yet; the"
                " invitation waits for them until {expires}."
            )
            if share.expires_at
            else _(
                "⏳ Invited on {invited}. Nobody has proved this address on CamShare yet; the"
                " invitation waits for them."
            )
        )
    elif share.expires_at:
        text = _("⏳ Invited on {invited}; waiting for an answer until {expires}.")
    else:
        text = _("⏳ Invited on {invited}; waiting for an answer.")
    return text.format(
        invited=format_moment(share.created_at),
        expires=format_moment(share.expires_at) if share.expires_at else "",
    )


def confirm_revoke_screen(share: ShareView) -> Screen:
    return (
        _(
            "Delete <b>{person}</b>'s share of <b>{device}</b>? The device disappears from their"
            " list at once, and they are told."
        ).format(person=escape(shared_with(share)), device=escape(share.device.name)),
        inline(
            [
                button(_("🗑 Yes, delete it"), RevokeShare(share.id)),
                button(_("Keep it"), OpenOwnedShare(share.id)),
            ]
        ),
    )


def confirm_cancel_screen(share: ShareView) -> Screen:
    return (
        _(
            "Cancel the invitation to <b>{person}</b> for <b>{device}</b>? Its Accept button stops"
            " working."
        ).format(person=escape(shared_with(share)), device=escape(share.device.name)),
        inline(
            [
                button(_("✖️ Yes, cancel it"), CancelInvitation(share.id)),
                button(_("Keep it"), OpenOwnedShare(share.id)),
            ]
        ),
    )


def _with_notice(notice: str, text: str) -> str:
    return f"{notice}\n\n{text}" if notice else text
