"""The portal's words for domain values and refusals, in the reader's language.

The chat words the same things in handlers/common (formatting, refusals), which the portal may
not import: the texts here are the chat's own English, letter for letter, so each is one entry
in the catalogs and reads the same in both front doors. A refusal is written in the chat's HTML
(the msgid) and shown here as plain text, as the chat's alerts show it.
"""

import html
import re
from datetime import datetime
from functools import singledispatch

from languages import N_, _, format_moment
from sharing import errors
from sharing.people.regions import region_flag, region_name
from sharing.views import Address, PersonView
from storage.models import AddressKind, DeviceStatus, DeviceType, Permission, ShareState

PERMISSION_LABELS = {
    Permission.LIVE_VIEW: N_("Live View"),
    Permission.PLAYBACK: N_("Playback"),
    Permission.ALARM: N_("Alarm"),
    Permission.TWO_WAY_AUDIO: N_("Two-way Audio"),
    Permission.PTZ: N_("PTZ"),
}
"""The table's columns, in the chat's order."""

DEVICE_TYPE_LABELS = {
    DeviceType.CAMERA: N_("📷 Camera"),
    DeviceType.NVR: N_("🗄 NVR"),
    DeviceType.DVR: N_("📼 DVR"),
    DeviceType.DOORBELL: N_("🔔 Doorbell"),
    DeviceType.OTHER: N_("📦 Other device"),
}

DEVICE_STATUS_LABELS = {
    DeviceStatus.ONLINE: N_("🟢 Online"),
    DeviceStatus.OFFLINE: N_("🔴 Offline"),
    DeviceStatus.WRONG_PASSWORD: N_("🔑 Refuses the stored password"),
    DeviceStatus.NOT_A_DEVICE: N_("⚠️ Not answering as this device should"),
}

SHARE_STATE_LABELS = {
    ShareState.PENDING: N_("⏳ Pending"),
    ShareState.ACTIVE: N_("✅ Active"),
}


def permission_label(permission: Permission) -> str:
    return _(PERMISSION_LABELS[permission])


def device_type_label(device_type: DeviceType) -> str:
    return _(DEVICE_TYPE_LABELS[device_type])


def device_status_line(status: DeviceStatus | None, last_online_at: datetime | None) -> str:
    """As the chat's card says it; "Not connected" for a device CamShare does not reach."""
    if status is None:
        return _("Not connected")
    label = _(DEVICE_STATUS_LABELS[status])
    if status == DeviceStatus.ONLINE or last_online_at is None:
        return label
    return _("{status} · last seen online {moment}").format(
        status=label, moment=format_moment(last_online_at)
    )


def share_state_label(state: ShareState) -> str:
    return _(SHARE_STATE_LABELS[state]) if state in SHARE_STATE_LABELS else str(state)


def region_label(code: str | None) -> str:
    return f"{region_flag(code)} {region_name(code)}" if code else _("not set")


def recipient_label(recipient: PersonView | None, address: Address | None) -> str:
    """The recipient's name, or the address an unclaimed invitation went to (the owner typed
    it: showing it to the owner reveals nothing)."""
    if recipient is not None:
        return recipient.display_name
    assert address is not None, "a share names its recipient or an address"
    if address.kind == AddressKind.USERNAME:
        return f"@{address.value}"
    if address.kind == AddressKind.USER_ID:
        return _("Telegram user {user_id}").format(user_id=address.value)
    return address.value


def plain(html_text: str) -> str:
    """Tags gone and entities read: what the page shows with textContent."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def refusal(error: errors.SharingError) -> str:
    """The chat's words for a refusal, as plain text."""
    return plain(describe(error))


# --- the chat's refusals (handlers/common/refusals.py), the ones the portal can meet ------------


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


@singledispatch
def describe(error: errors.SharingError) -> str:
    return _("That can't be done right now. Please try again, or send /help.")


@describe.register
def _device_not_found(error: errors.DeviceNotFound) -> str:
    return _("That device is not in your list any more. Send /devices to see your devices.")


@describe.register
def _account_not_found(error: errors.AccountNotFound) -> str:
    return _("I don't know you yet. Send /start to set up your account.")


@describe.register
def _invalid_name(error: errors.InvalidDeviceField) -> str:
    if error.field == "name":
        return _("A name is 1 to 64 characters. Please send it again.")
    return describe.dispatch(errors.SharingError)(error)


@describe.register
def _share_not_pending(error: errors.ShareNotPending) -> str:
    sentences = {
        "active": N_("This invitation was already accepted."),
        "declined": N_("This invitation was declined."),
        "cancelled": N_("This invitation was cancelled by its owner."),
        "expired": N_("This invitation has expired."),
        "revoked": N_("This invitation was deleted by its owner."),
        "removed": N_("This invitation was deleted."),
        "edited": N_(
            "This invitation was changed by its owner since: the new invitation is in a newer"
            " message."
        ),
    }
    return _(sentences.get(error.state, N_("This invitation is no longer open.")))


@describe.register
def _invitation_expired(error: errors.InvitationExpired) -> str:
    return _("This invitation has already expired: there is nothing to cancel.")


@describe.register
def _share_not_found(error: errors.ShareNotFound) -> str:
    return _("This share is no longer available.")


@describe.register
def _invalid_recipient(error: errors.InvalidRecipient) -> str:
    return _("I need a phone number (like +44 7700 900123), an email address or an @username.")


@describe.register
def _invalid_username(error: errors.InvalidUsername) -> str:
    return _(
        "{text} is not a Telegram username: those have 5 to 32 characters, letters, digits and"
        " underscores. Check it, or send their phone number or email address."
    ).format(text=_escape(error.text))


@describe.register
def _not_device_owner(error: errors.NotDeviceOwner) -> str:
    return _("Only the owner of this device can share it or change its shares.")


@describe.register
def _region_not_set(error: errors.RegionNotSet) -> str:
    return _("Your region is not set yet. Send /myaccount and tap Change region, then try again.")


@describe.register
def _different_region(error: errors.DifferentRegion) -> str:
    return _(
        "You can share only with people in your region ({owner_region}), and this account is"
        " in {recipient_region}."
    ).format(
        owner_region=region_label(error.owner_region),
        recipient_region=region_label(error.recipient_region),
    )


@describe.register
def _channel_full(error: errors.ChannelFull) -> str:
    return _(
        "Channel {channels} is already shared with {limit} accounts, the most a channel can"
        " have. Unselect it, or end one of its shares in /devices first."
    ).format(channels=", ".join(str(n) for n in error.channel_numbers), limit=error.limit)


@describe.register
def _too_many_owners(error: errors.TooManyOwners) -> str:
    return _(
        "This person already receives devices from {limit} owners, the most an account can"
        " have. They must delete a device shared by someone else before you can share."
    ).format(limit=error.limit)


@describe.register
def _firmware_too_old(error: errors.FirmwareTooOld) -> str:
    return _(
        "This device's firmware ({firmware}) is too old for sharing: upgrade it to {minimum} or"
        " newer, then update the version in the bot."
    ).format(firmware=_escape(error.firmware_version), minimum=error.minimum_version)


@describe.register
def _live_view_required(error: errors.LiveViewRequired) -> str:
    return _("Live View is always shared on cameras, NVRs and DVRs (channel {channel}).").format(
        channel=error.channel_number
    )


@describe.register
def _no_channels(error: errors.NoChannelsSelected) -> str:
    return _("Select at least one channel to share.")


@describe.register
def _unknown_channel(error: errors.UnknownChannel) -> str:
    return _("Channel {channel} is not on this device any more. Start again with /share.").format(
        channel=error.channel_number
    )


@describe.register
def _share_to_self(error: errors.ShareToSelf) -> str:
    return _(
        "You cannot share a device with yourself. Send someone else's number, email or @username."
    )


@describe.register
def _share_conflict(error: errors.ShareConflict) -> str:
    return _("This person already has this device: share it again to change what they have.")


@describe.register
def _share_not_active(error: errors.ShareNotActive) -> str:
    return _("This share is not active any more.")
