"""Words for the sharing service's refusals: each names the problem and says what to do next."""

import html
import re
from functools import singledispatch

from handlers.common.formatting import PERMISSION_LABELS, escape, format_moment, region_label
from sharing import errors
from storage.models import Permission


def as_alert(error: errors.SharingError) -> str:
    """`describe` for an alert (answerCallbackQuery), which shows its text as it is: no tags,
    no HTML escapes."""
    return html.unescape(re.sub(r"<[^>]+>", "", describe(error)))


@singledispatch
def describe(error: errors.SharingError) -> str:
    """A user-facing sentence for a refusal (HTML). The fallback stays polite and useful."""
    return "That can't be done right now. Please try again, or send /help."


@describe.register
def _(error: errors.DeviceNotFound) -> str:
    return "That device is not in your list any more. Send /devices to see your devices."


@describe.register
def _(error: errors.AccountNotFound) -> str:
    return "I don't know you yet. Send /start to set up your account."


@describe.register
def _(error: errors.DeviceHeldByAnotherAccount) -> str:
    return (
        "This device has been added by another account"
        f" (serial <code>{escape(error.serial)}</code>)."
        " A device can belong to one account at a time: ask its owner to share it with you,"
        " or to remove it from their account first."
    )


@describe.register
def _(error: errors.DeviceAlreadyYours) -> str:
    return (
        f"You have already added the device <code>{escape(error.serial)}</code>."
        " Send /devices to find it."
    )


@describe.register
def _(error: errors.InvalidRegion) -> str:
    return "I don't know that region. Type your country's name or its two-letter code, like DE."


@describe.register
def _(error: errors.InvalidPhone) -> str:
    return (
        "That is not a phone number I can use. Type it with the country code, like +44 7700 900123."
    )


_DEVICE_FIELD_HINTS = {
    "serial": (
        "A serial number is 8 to 48 letters and digits (dashes allowed), as printed on the"
        " device's label, for example <code>J12345678</code>. Please send it again."
    ),
    "verification_code": (
        "The verification code is 6 letters, printed on the device's label next to the"
        " serial number, for example <code>ABCDEF</code>. Please send it again."
    ),
    "name": "A name is 1 to 64 characters. Please send it again.",
    "channel_count": "Send the number of channels as a whole number from 1 to 256, for example 8.",
    "channel_names": (
        "Send one name per line, exactly as many lines as the device has channels"
        " (each name up to 64 characters), or tap <b>Use default names</b>."
    ),
    "firmware_version": (
        "A firmware version looks like <code>V5.7.3</code> or <code>V5.7.3 build 220112</code>"
        " (it is on the device's web page under System Settings). Please send it again."
    ),
}


@describe.register
def _(error: errors.InvalidDeviceField) -> str:
    return _DEVICE_FIELD_HINTS[error.field]


_SHARE_STATE_WORDS = {
    "active": "was already accepted",
    "declined": "was declined",
    "cancelled": "was cancelled by its owner",
    "expired": "has expired",
    "revoked": "was deleted by its owner",
    "removed": "was deleted",
    "edited": "was changed by its owner since: the new invitation is in a newer message",
}


@describe.register
def _(error: errors.ShareNotPending) -> str:
    return f"This invitation {_SHARE_STATE_WORDS.get(error.state, 'is no longer open')}."


@describe.register
def _(error: errors.InvitationExpired) -> str:
    return "This invitation has expired. Ask the owner to share the device again."


@describe.register
def _(error: errors.ShareNotFound) -> str:
    return "This share is no longer available."


@describe.register
def _(error: errors.InvalidEmail) -> str:
    return "That is not an email address. Send one like <code>ann@example.com</code>."


@describe.register
def _(error: errors.EmailAlreadyVerified) -> str:
    return f"{escape(error.email)} is already your verified address. Nothing to do."


@describe.register
def _(error: errors.EmailCodeRequestedTooSoon) -> str:
    return (
        "I sent you a code less than a minute ago; check your inbox and spam folder."
        f" You can ask for a new one in {error.retry_after_seconds} seconds."
    )


@describe.register
def _(error: errors.EmailCodeExpired) -> str:
    return (
        "This code has expired."
        f" Tap “🔁 Send a new code” to get another one at {escape(error.email)}."
    )


@describe.register
def _(error: errors.EmailCodeAttemptsExhausted) -> str:
    return (
        f"Too many wrong attempts: a code allows {error.max_attempts}."
        " Tap “🔁 Send a new code” to get another one."
    )


@describe.register
def _(error: errors.EmailCodeUsed) -> str:
    return (
        f"This code has already verified {escape(error.email)}."
        " To verify another address, send /email."
    )


@describe.register
def _(error: errors.NoEmailCode) -> str:
    return "I have no code waiting for you. Tap “🔁 Send a new code”, or send /email."


@describe.register
def _(error: errors.EmailNotSent) -> str:
    return (
        f"I couldn't send an email to {escape(error.email)}: the mail server is not answering."
        " Nothing was saved. Please try again in a few minutes."
    )


@describe.register
def _(error: errors.InvalidRecipient) -> str:
    return (
        "I need a phone number (like +44 7700 900123), an email address or an @username."
        " You can also pick someone with the button below, or forward me their contact."
    )


@describe.register
def _(error: errors.InvalidUsername) -> str:
    return (
        f"{escape(error.text)} is not a Telegram username: those have 5 to 32 characters,"
        " letters, digits and underscores. Check it, or send their phone number or email"
        " address, or pick them with the button below."
    )


@describe.register
def _(error: errors.NotDeviceOwner) -> str:
    return "Only the owner of this device can share it or change its shares."


@describe.register
def _(error: errors.RegionNotSet) -> str:
    return "Your region is not set yet. Send /myaccount and tap Change region, then try again."


@describe.register
def _(error: errors.DifferentRegion) -> str:
    return (
        f"You can share only with people in your region ({region_label(error.owner_region)}),"
        f" and this account is in {region_label(error.recipient_region)}."
    )


@describe.register
def _(error: errors.ChannelFull) -> str:
    channels = ", ".join(str(number) for number in error.channel_numbers)
    return (
        f"Channel {channels} is already shared with {error.limit} accounts, the most a channel"
        " can have. Unselect it, or end one of its shares in /devices first."
    )


@describe.register
def _(error: errors.TooManyOwners) -> str:
    return (
        f"This person already receives devices from {error.limit} owners, the most an account"
        " can have. They must delete a device shared by someone else before you can share."
    )


@describe.register
def _(error: errors.FirmwareTooOld) -> str:
    return (
        f"This device's firmware ({escape(error.firmware_version)}) is too old for sharing:"
        f" upgrade it to {error.minimum_version} or newer, then update the version in the bot."
    )


@describe.register
def _(error: errors.LiveViewRequired) -> str:
    return f"Live View is always shared on cameras, NVRs and DVRs (channel {error.channel_number})."


@describe.register
def _(error: errors.NoChannelsSelected) -> str:
    return "Select at least one channel to share."


@describe.register
def _(error: errors.UnknownChannel) -> str:
    return (
        f"Channel {error.channel_number} is not on this device any more. Start again with /share."
    )


@describe.register
def _(error: errors.ShareToSelf) -> str:
    return (
        "You cannot share a device with yourself. Send someone else's number, email or @username."
    )


@describe.register
def _(error: errors.ShareConflict) -> str:
    return "This person already has this device: share it again to change what they have."


@describe.register
def _(error: errors.ShareNotActive) -> str:
    return "This share is not active any more."


@describe.register
def _(error: errors.LinkNotFound) -> str:
    return (
        "This QR code or link is not valid (a newer code may have replaced it). Ask for a new one."
    )


@describe.register
def _(error: errors.LinkExpired) -> str:
    return (
        f"This QR code expired on {format_moment(error.expires_at)}. Ask the owner for a new one."
    )


@describe.register
def _(error: errors.ApplicationNotPending) -> str:
    words = {"accepted": "was already accepted", "rejected": "was rejected"}
    return f"This application {words.get(error.state, 'is no longer open')}."


@describe.register
def _(error: errors.ApplicationNotFound) -> str:
    return "This application is no longer available."


# --- installer groups ----------------------------------------------------------------------------


def _group_title(title: str) -> str:
    """Cut, so that the sentence still fits an alert (200 characters)."""
    return escape(title if len(title) <= 40 else title[:39].rstrip() + "…")


@describe.register
def _(error: errors.GroupNotFound) -> str:
    return "I'm not in that group any more. Add me to it again, then send /link there."


@describe.register
def _(error: errors.LinkingNotAllowed) -> str:
    return (
        f"Devices can't be linked to {_group_title(error.group_title)} yet: an administrator of"
        " the group has to send /allowlinking there first."
    )


@describe.register
def _(error: errors.NotGroupMember) -> str:
    return (
        f"You are not a member of {_group_title(error.group_title)}: only its members can link"
        " devices to it."
    )


@describe.register
def _(error: errors.NotGroupAdministrator) -> str:
    return (
        "Only an administrator of this group can allow or stop linking devices here. Ask one of"
        " them to send the command."
    )


_ADDRESS_PROBLEMS = {
    "bad_port": "The port must be a number from 1 to 65535.",
    "bad_host": "That is not a host name or IP address I can use.",
    "not_a_host": "That address cannot be a device (it is not one host).",
    "unresolvable": "I could not find that host name.",
    "link_local": "Link-local addresses (169.254.x.x, fe80::) are not allowed.",
    "cloud_metadata": "That address belongs to a cloud's metadata service, not a device.",
    "outside_allowed_networks": "That address is outside the networks this bot may reach.",
}


@describe.register
def _(error: errors.InvalidDeviceAddress) -> str:
    problem = _ADDRESS_PROBLEMS.get(error.reason, "That address cannot be used.")
    return (
        f"{problem} Send the device's address like <code>192.168.1.64</code>,"
        " <code>nvr.example.com:8080</code> or <code>https://203.0.113.5:8443</code>."
    )


@describe.register
def _(error: errors.DeviceNotAnswering) -> str:
    if error.timed_out:
        return f"<b>{escape(error.device_name)}</b> is not answering. Try again in a moment."
    return (
        f"Nothing answers at <b>{escape(error.device_name)}</b>'s address: it may be off or"
        " offline. Its owner can check that it is on, and its address and port (🔌 on its card)."
    )


@describe.register
def _(error: errors.DeviceLoginRefused) -> str:
    left = (
        f" It allows {error.retries_left} more attempts before it locks logins out."
        if error.retries_left is not None
        else ""
    )
    return f"<b>{escape(error.device_name)}</b> refused the user name or password.{left}"


@describe.register
def _(error: errors.DeviceLoginLocked) -> str:
    when = (
        f" for about {max(1, round(error.unlock_in_seconds / 60))} minutes"
        if error.unlock_in_seconds
        else " for a while"
    )
    return (
        f"<b>{escape(error.device_name)}</b> has locked logins out{when} after too many wrong"
        " passwords. Wait, then try again with the right password."
    )


@describe.register
def _(error: errors.NotAnIsapiDevice) -> str:
    return (
        f"Something answers at <b>{escape(error.device_name)}</b>'s address, but not a"
        " Hikvision device (ISAPI). Check the address and port: it is the device's web port,"
        " usually 80 or 443."
    )


@describe.register
def _(error: errors.DeviceSerialMismatch) -> str:
    return (
        f"The device at that address has serial <code>{escape(error.reported)}</code>, which"
        f" does not end with <code>{escape(error.expected)}</code>, the serial you added. It is"
        " another device: check the address."
    )


@describe.register
def _(error: errors.DeviceRequestRefused) -> str:
    return f"<b>{escape(error.device_name)}</b> refused that."


@describe.register
def _(error: errors.DeviceNotConnected) -> str:
    return f"<b>{escape(error.device_name)}</b> is not connected: its owner can connect it."


@describe.register
def _(error: errors.PermissionNotHeld) -> str:
    label = PERMISSION_LABELS.get(Permission[error.permission], error.permission)
    return f"You don't have {label} on that channel (any more)."


@describe.register
def _(error: errors.TooManyTaps) -> str:
    return f"Easy: too many taps. Try again in {error.retry_in_seconds} s."


@describe.register
def _(error: errors.RecordingGone) -> str:
    return (
        f"<b>{escape(error.device_name)}</b> no longer has that recording: its disk has recorded"
        " over it. List the day's recordings again."
    )


@describe.register
def _(error: errors.ClipInProgress) -> str:
    return "Another clip from this device is being fetched; try again in a moment."


@describe.register
def _(error: errors.ClipTooLarge) -> str:
    return (
        f"That clip is too large to send here: Telegram takes at most"
        f" {error.limit_bytes // (1024 * 1024)} MB from a bot."
    )


@describe.register
def _(error: errors.ClipNotPlayable) -> str:
    return f"<b>{escape(error.device_name)}</b> sent something that is not a video I can play."
