"""The screens of `/received`, the recipient's side (Hik-Connect's "Others' Devices"): the
invitations waiting for an answer on top, then the devices shared with me, each opening its
channels, permissions and "From:", with Rename (my own name for it) and Delete.
Pure functions of what the sharing service returned."""

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from handlers.common.callback_data import CallbackData
from handlers.common.grants_text import grant_lines
from handlers.common.keyboards import button, inline
from handlers.common.listing import fit, format_day, pager, short, span
from handlers.devices.device_card import (
    ListDevices,
    Muted,
    ShowRecordings,
    UnmuteAlarms,
    WatchDevice,
    muted_line,
)
from languages import _, ngettext
from sharing.devices.status import SeenStatus
from sharing.shares.share_queries import ReceivedPage
from sharing.views import ListedShare, ShareBase, ShareView
from storage.models import Permission
from wording.formatting import (
    device_status_line,
    device_type_icon,
    escape,
    format_moment,
    permissions_label,
)

ITEMS_PER_PAGE = 8
"""Invitations and devices together: 8 invitations are 16 buttons, well under Telegram's 100."""

Screen = tuple[str, InlineKeyboardMarkup | None]


@dataclass(frozen=True)
class ListReceived(CallbackData, prefix="rc"):
    offset: int


@dataclass(frozen=True)
class AcceptFromList(CallbackData, prefix="rca"):
    share_id: int
    version: int
    offset: int
    """The page to draw again after answering."""


@dataclass(frozen=True)
class DeclineFromList(CallbackData, prefix="rcd"):
    share_id: int
    version: int
    offset: int


@dataclass(frozen=True)
class OpenReceived(CallbackData, prefix="rco"):
    share_id: int


@dataclass(frozen=True)
class RenameReceived(CallbackData, prefix="rcn"):
    share_id: int


@dataclass(frozen=True)
class UseOwnersName(CallbackData, prefix="rcnr"):
    """Drop my alias: show the device under the name its owner gave it."""

    share_id: int


@dataclass(frozen=True)
class AskToRemoveReceived(CallbackData, prefix="rcx"):
    share_id: int


@dataclass(frozen=True)
class RemoveReceived(CallbackData, prefix="rcxy"):
    """The second tap of Delete."""

    share_id: int


def my_name_for(share: ShareBase) -> str:
    """The recipient sees their own alias where they set one; the owner never does."""
    return share.alias or share.device.name


def received_screen(page: ReceivedPage, *, notice: str = "") -> Screen:
    back = [button(_("« My devices"), ListDevices(0))]
    if page.total == 0:
        text = _(
            "Nothing is shared with you yet. When someone shares a device with you, you get an"
            " invitation to accept, and the device then appears here."
        )
        return _with_notice(notice, text), inline(back)
    sections = [
        _("📥 <b>Others' devices</b> ({span})").format(
            span=span(page.offset, _shown(page), page.total)
        ),
    ]
    rows = []
    if page.invitations:
        waiting = ngettext(
            "📨 <b>{count} invitation waiting for your answer</b>:",
            "📨 <b>{count} invitations waiting for your answer</b>:",
            page.invitation_total,
        ).format(count=page.invitation_total)
        sections.append(
            waiting + "\n" + "\n".join(_invitation_line(share) for share in page.invitations)
        )
        for share in page.invitations:
            name = short(share.device.name, 24)
            rows.append(
                [
                    button(
                        _("✅ Accept · {device}").format(device=name),
                        AcceptFromList(share.id, share.version, page.offset),
                    ),
                    button(
                        _("❌ Decline · {device}").format(device=name),
                        DeclineFromList(share.id, share.version, page.offset),
                    ),
                ]
            )
    if page.devices:
        sections.append(
            _(
                "📥 <b>Shared with you</b> ({count}). Tap one for its channels and permissions."
            ).format(count=page.device_total)
        )
        rows.extend(
            [
                button(
                    _("{icon} {device} · from {owner}").format(
                        icon=device_type_icon(share.device.type),
                        device=short(my_name_for(share), 32),
                        owner=short(share.owner.display_name, 20),
                    ),
                    OpenReceived(share.id),
                )
            ]
            for share in page.devices
        )
    turn = pager(page.offset, ITEMS_PER_PAGE, page.total, ListReceived)
    return _with_notice(notice, "\n\n".join(sections)), inline(*rows, turn, back)


def _shown(page: ReceivedPage) -> int:
    return len(page.invitations) + len(page.devices)


def _invitation_line(share: ListedShare) -> str:
    line = (
        _("• <b>{device}</b> from <b>{owner}</b>: {grants} · until {day}")
        if share.expires_at
        else _("• <b>{device}</b> from <b>{owner}</b>: {grants}")
    )
    return line.format(
        device=escape(share.device.name),
        owner=escape(share.owner.display_name),
        grants=_grants_summary(share),
        day=format_day(share.expires_at) if share.expires_at else "",
    )


def _grants_summary(share: ListedShare) -> str:
    """One short phrase, whatever the number of channels: the full list is in the prompt."""
    count = share.channel_count
    if len(share.permission_sets) == 1:
        (permissions,) = share.permission_sets
        return ngettext(
            "{count} channel, {permissions}", "{count} channels, {permissions}", count
        ).format(count=count, permissions=permissions_label(permissions))
    return ngettext(
        "{count} channel, permissions differ by channel",
        "{count} channels, permissions differ by channel",
        count,
    ).format(count=count)


def received_share_screen(share: ShareView, seen: SeenStatus | None, muted: Muted | None) -> Screen:
    """Channels with permissions, and who shared it ("From:"), as Hik-Connect's details page;
    the device's status when it is connected (never how it is reached, R14), 📷 Live view when
    Live View is granted on a channel, and 🎞 Recordings when Playback is."""
    head_lines = [f"{device_type_icon(share.device.type)} <b>{escape(my_name_for(share))}</b>"]
    if share.alias:
        head_lines.append(
            _("Device: {device} (the owner's name for it)").format(device=escape(share.device.name))
        )
    head_lines += [
        _("From: <b>{owner}</b>").format(owner=escape(share.owner.display_name)),
        _("Shared with you since {moment}").format(
            moment=format_moment(share.accepted_at or share.created_at)
        ),
        *([device_status_line(seen.status, seen.last_online_at)] if seen else []),
        *([muted_line(muted)] if muted else []),
        _("Channels ({count}):").format(count=len(share.grants)),
    ]
    granted = Permission(0)
    for grant in share.grants:
        granted |= grant.permissions
    usable = seen is not None
    keyboard = inline(
        [
            *(
                [button(_("📷 Live view"), WatchDevice(share.device.id))]
                if usable and Permission.LIVE_VIEW in granted
                else []
            ),
            *(
                [button(_("🎞 Recordings"), ShowRecordings(share.device.id))]
                if usable and Permission.PLAYBACK in granted
                else []
            ),
        ],
        [button(_("🔔 Unmute alarms"), UnmuteAlarms(share.device.id))] if muted else [],
        [
            button(_("✏️ Rename"), RenameReceived(share.id)),
            button(_("🗑 Delete"), AskToRemoveReceived(share.id)),
        ],
        [button(_("« Others' devices"), ListReceived(0))],
    )
    return fit("\n".join(head_lines), grant_lines(share.grants)), keyboard


def confirm_remove_screen(share: ShareView) -> Screen:
    return (
        _(
            "Delete <b>{device}</b> from your list? You lose access to it, and {owner} is told."
            " Only they can share it with you again."
        ).format(device=escape(my_name_for(share)), owner=escape(share.owner.display_name)),
        inline(
            [
                button(_("🗑 Yes, delete it"), RemoveReceived(share.id)),
                button(_("Keep it"), OpenReceived(share.id)),
            ]
        ),
    )


def ask_alias_text(share: ShareView) -> str:
    return _(
        "Send a new name for <b>{name}</b>. Only you see it: {owner} keeps calling it"
        " <b>{device}</b>. Send /cancel to keep the name as it is."
    ).format(
        name=escape(my_name_for(share)),
        owner=escape(share.owner.display_name),
        device=escape(share.device.name),
    )


def ask_alias_keyboard(share: ShareView) -> InlineKeyboardMarkup | None:
    if not share.alias:
        return None
    return inline([button(_("↩️ Use the owner's name"), UseOwnersName(share.id))])


def _with_notice(notice: str, text: str) -> str:
    return f"{notice}\n\n{text}" if notice else text
