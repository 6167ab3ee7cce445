"""The screens of the share conversation after the recipient is chosen: channels, permissions
per channel, and the summary. Pure functions of the draft, so each tap re-renders its screen.

The draft lives in `user_data` while the conversation runs; it holds only what the owner chose.
Finish hands it to `sharing.shares.shares.share_device`, which checks every rule again.
"""

from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.common.callback_data import CallbackData
from handlers.common.grants_text import grant_lines
from handlers.common.keyboards import button, inline
from languages import _, ngettext
from sharing.devices.devices import DeviceView
from sharing.rules import required_permissions
from sharing.views import Address, GrantView
from storage.models import ALL_PERMISSIONS, DeviceType, Permission
from wording.formatting import PERMISSION_LABELS, escape, permission_label

CHANNELS_PER_PAGE = 16
PERMISSION_ROWS_PER_PAGE = 10
PREVIOUS, NEXT, NO_PAGE = "‹", "›", "·"
"""The pager's buttons: signs, the same in every language."""


@dataclass
class ShareDraft:
    device_id: int
    device_name: str
    device_type: DeviceType
    channels: dict[int, str]
    """Every channel of the device: number -> name."""
    grants: dict[int, Permission] = field(default_factory=dict)
    """The selected channels and what each grants."""
    recipient: Address | None = None
    recipient_label: str = ""
    editing: bool = False
    """The recipient already has a live share of the device: Finish edits it (R9)."""
    page: int = 0
    on_permissions: bool = False
    """Which paged screen `page` belongs to: the permissions list, or the channels."""
    channel: int | None = None
    """The channel whose permissions are on screen."""
    screen_message_id: int | None = None
    """The message the screens are drawn in; taps on an older one are refused."""
    application_id: int | None = None
    """Set when the owner is reviewing an application: Finish accepts it."""
    recipient_fixed: bool = False
    """Chosen before the screens (an edit, an application, a scanned account code): no going
    back to the recipient step."""

    @classmethod
    def of(cls, device: DeviceView) -> "ShareDraft":
        """A draft of sharing this device, nothing chosen yet: `dataclasses.replace` it with
        what an entry already knows."""
        return cls(
            device_id=device.id,
            device_name=device.name,
            device_type=device.type,
            channels={channel.number: channel.name for channel in device.channels},
        )

    @property
    def required(self) -> Permission:
        return required_permissions(self.device_type)

    def select_all(self) -> None:
        """R8: every channel, every permission."""
        for number in self.channels:
            self.grants.setdefault(number, ALL_PERMISSIONS)

    def grant_views(self) -> tuple[GrantView, ...]:
        return tuple(
            GrantView(number, self.channels[number], self.grants[number])
            for number in sorted(self.grants)
        )


@dataclass(frozen=True)
class ToggleChannel(CallbackData, prefix="shc"):
    number: int


@dataclass(frozen=True)
class SelectAllChannels(CallbackData, prefix="sha"):
    pass


@dataclass(frozen=True)
class SelectNoChannels(CallbackData, prefix="shn"):
    pass


@dataclass(frozen=True)
class TurnPage(CallbackData, prefix="shg"):
    page: int


@dataclass(frozen=True)
class ShowChannels(CallbackData, prefix="shsc"):
    pass


@dataclass(frozen=True)
class ShowPermissions(CallbackData, prefix="shp"):
    pass


@dataclass(frozen=True)
class EditChannel(CallbackData, prefix="she"):
    number: int


@dataclass(frozen=True)
class TogglePermission(CallbackData, prefix="sht"):
    permission: int


@dataclass(frozen=True)
class ApplyToAllChannels(CallbackData, prefix="shaa"):
    pass


@dataclass(frozen=True)
class Save(CallbackData, prefix="shs"):
    pass


@dataclass(frozen=True)
class Finish(CallbackData, prefix="shf"):
    pass


@dataclass(frozen=True)
class BackToRecipient(CallbackData, prefix="shbr"):
    pass


@dataclass(frozen=True)
class RejectApplication(CallbackData, prefix="shr"):
    pass


Screen = tuple[str, InlineKeyboardMarkup]


def live_view_locked() -> str:
    """Why Live View cannot be withdrawn on a CCTV device (R7)."""
    return _("Live View is always shared on cameras, NVRs and DVRs.")


def _title(draft: ShareDraft) -> str:
    if draft.application_id is not None:
        title = _("📨 <b>{recipient}</b> applied for <b>{device}</b>")
    elif draft.editing:
        title = _("📤 Edit the share of <b>{device}</b> with <b>{recipient}</b>")
    else:
        title = _("📤 Share <b>{device}</b> with <b>{recipient}</b>")
    return title.format(device=escape(draft.device_name), recipient=escape(draft.recipient_label))


def _pager(page: int, pages: int) -> list[InlineKeyboardButton]:
    if pages <= 1:
        return []
    return [
        button(PREVIOUS, TurnPage(page - 1)) if page > 0 else button(NO_PAGE, TurnPage(page)),
        button(f"{page + 1}/{pages}", TurnPage(page)),
        button(NEXT, TurnPage(page + 1)) if page + 1 < pages else button(NO_PAGE, TurnPage(page)),
    ]


def page_count(items: int, per_page: int) -> int:
    return max(1, -(-items // per_page))


def channels_screen(draft: ShareDraft) -> Screen:
    numbers = list(draft.channels)
    pages = page_count(len(numbers), CHANNELS_PER_PAGE)
    draft.page = min(max(draft.page, 0), pages - 1)
    shown = numbers[draft.page * CHANNELS_PER_PAGE : (draft.page + 1) * CHANNELS_PER_PAGE]
    toggles = [
        button(f"{'✅' if n in draft.grants else '⬜'} {draft.channels[n]}", ToggleChannel(n))
        for n in shown
    ]
    selected = ngettext(
        "<b>Channels</b>: {selected} of {count} channel selected. Tap a channel to select or"
        " unselect it.",
        "<b>Channels</b>: {selected} of {count} channels selected. Tap a channel to select or"
        " unselect it.",
        len(numbers),
    ).format(selected=len(draft.grants), count=len(numbers))
    text = f"{_title(draft)}\n\n{selected}"
    keyboard = inline(
        *(toggles[i : i + 2] for i in range(0, len(toggles), 2)),
        [
            button(_("Select all"), SelectAllChannels()),
            button(_("Select none"), SelectNoChannels()),
        ],
        _pager(draft.page, pages),
        [
            *([] if draft.recipient_fixed else [button(_("« Back"), BackToRecipient())]),
            button(_("Permissions ›"), ShowPermissions()),
        ],
    )
    return text, keyboard


def permissions_screen(draft: ShareDraft) -> Screen:
    numbers = sorted(draft.grants)
    pages = page_count(len(numbers), PERMISSION_ROWS_PER_PAGE)
    draft.page = min(max(draft.page, 0), pages - 1)
    start = draft.page * PERMISSION_ROWS_PER_PAGE
    rows = [
        [button(f"{draft.channels[n]} · {_short(draft.grants[n])}", EditChannel(n))]
        for n in numbers[start : start + PERMISSION_ROWS_PER_PAGE]
    ]
    explained = _(
        "<b>Permissions</b>. Tap a channel to change what {recipient} may do on it, then Save."
    ).format(recipient=escape(draft.recipient_label))
    text = f"{_title(draft)}\n\n{explained}"
    keyboard = inline(
        *rows,
        _pager(draft.page, pages),
        [button(_("« Channels"), ShowChannels()), button(_("💾 Save"), Save())],
    )
    return text, keyboard


def _short(permissions: Permission) -> str:
    if permissions == ALL_PERMISSIONS:
        return _("all permissions")
    return ", ".join(permission_label(flag) for flag in PERMISSION_LABELS if flag in permissions)


def channel_screen(draft: ShareDraft) -> Screen:
    assert draft.channel is not None
    granted = draft.grants[draft.channel]
    toggles = [
        [
            button(
                f"{'✅' if flag in granted else '⬜'} {permission_label(flag)}"
                + (" 🔒" if flag in draft.required else ""),
                TogglePermission(int(flag)),
            )
        ]
        for flag in PERMISSION_LABELS
    ]
    lines = [
        _title(draft),
        "",
        _("<b>{channel}</b>: tap a permission to grant or withdraw it.").format(
            channel=escape(draft.channels[draft.channel])
        ),
    ]
    if draft.required:
        lines.append(live_view_locked())
    keyboard = inline(
        *toggles,
        [button(_("Apply to all selected channels"), ApplyToAllChannels())],
        [button(_("« Done"), ShowPermissions())],
    )
    text = "\n".join(lines)
    return text, keyboard


def summary_screen(draft: ShareDraft, *, problem: str | None = None) -> Screen:
    lines = "\n".join(grant_lines(draft.grant_views()))
    if draft.application_id is not None:
        action = _("Tap Accept to give {recipient} this access now, or Reject.").format(
            recipient=escape(draft.recipient_label)
        )
        buttons = [button(_("✅ Accept"), Finish()), button(_("❌ Reject"), RejectApplication())]
    else:
        action = (
            _("Tap Finish to save the changes.")
            if draft.editing
            else _("Tap Finish to send the invitation.")
        )
        buttons = [button(_("✅ Finish"), Finish())]
    count = len(draft.grants)
    summary = ngettext(
        "<b>Summary</b> ({count} channel):", "<b>Summary</b> ({count} channels):", count
    ).format(count=count)
    text = f"{_title(draft)}\n\n{summary}\n{lines}\n\n{action}"
    if problem:
        text += f"\n\n⚠️ {problem}"
    return text, inline([button(_("« Permissions"), ShowPermissions()), *buttons])
