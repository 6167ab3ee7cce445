"""Words for the sharing service's refusals: each names the problem and says what to do next."""

import html
import re
from functools import singledispatch

from languages import N_, _, ngettext
from sharing import errors
from storage.models import Permission
from wording.formatting import escape, format_moment, permission_label, region_label


def as_alert(error: errors.SharingError) -> str:
    """`describe` for an alert (answerCallbackQuery), which shows its text as it is: no tags,
    no HTML escapes."""
    return html.unescape(re.sub(r"<[^>]+>", "", describe(error)))


@singledispatch
def describe(error: errors.SharingError) -> str:
    """A user-facing sentence for a refusal (HTML). The fallback stays polite and useful."""
    return _("That can't be done right now. Please try again, or send /help.")


@describe.register
def _device_not_found(error: errors.DeviceNotFound) -> str:
    return _("That device is not in your list any more. Send /devices to see your devices.")


@describe.register
def _account_not_found(error: errors.AccountNotFound) -> str:
    return _("I don't know you yet. Send /start to set up your account.")


@describe.register
def _device_held_by_another_account(error: errors.DeviceHeldByAnotherAccount) -> str:
    return _(
        "This device has been added by another account (serial <code>{serial}</code>)."
        " A device can belong to one account at a time: ask its owner to share it with you,"
        " or to remove it from their account first."
    ).format(serial=escape(error.serial))


@describe.register
def _device_already_yours(error: errors.DeviceAlreadyYours) -> str:
    return _(
        "You have already added the device <code>{serial}</code>. Send /devices to find it."
    ).format(serial=escape(error.serial))


@describe.register
def _invalid_region(error: errors.InvalidRegion) -> str:
    return _("I don't know that region. Type your country's name or its two-letter code, like DE.")


@describe.register
def _invalid_phone(error: errors.InvalidPhone) -> str:
    return _(
        "That is not a phone number I can use. Type it with the country code, like +44 7700 900123."
    )


_DEVICE_FIELD_HINTS = {
    "serial": N_(
        "A serial number is 8 to 48 letters and digits (dashes allowed), as printed on the"
        " device's label, for example <code>J12345678</code>. Please send it again."
    ),
    "verification_code": N_(
        "The verification code is 6 letters, printed on the device's label next to the"
        " serial number, for example <code>ABCDEF</code>. Please send it again."
    ),
    "name": N_("A name is 1 to 64 characters. Please send it again."),
    "channel_count": N_(
        "Send the number of channels as a whole number from 1 to 256, for example 8."
    ),
    "channel_names": N_(
        "Send one name per line, exactly as many lines as the device has channels"
        " (each name up to 64 characters), or tap <b>Use default names</b>."
    ),
    "firmware_version": N_(
        "A firmware version looks like <code>V5.7.3</code> or <code>V5.7.3 build 220112</code>"
        " (it is on the device's web page under System Settings). Please send it again."
    ),
}


@describe.register
def _invalid_device_field(error: errors.InvalidDeviceField) -> str:
    return _(_DEVICE_FIELD_HINTS[error.field])


_SHARE_STATE_SENTENCES = {
    "active": N_("This invitation was already accepted."),
    "declined": N_("This invitation was declined."),
    "cancelled": N_("This invitation was cancelled by its owner."),
    "expired": N_("This invitation has expired."),
    "revoked": N_("This invitation was deleted by its owner."),
    "removed": N_("This invitation was deleted."),
    "edited": N_(
        "This invitation was changed by its owner since: the new invitation is in a newer message."
    ),
}


@describe.register
def _share_not_pending(error: errors.ShareNotPending) -> str:
    return _(_SHARE_STATE_SENTENCES.get(error.state, N_("This invitation is no longer open.")))


@describe.register
def _invitation_expired(error: errors.InvitationExpired) -> str:
    return _("This invitation has expired. Ask the owner to share the device again.")


@describe.register
def _share_not_found(error: errors.ShareNotFound) -> str:
    return _("This share is no longer available.")


@describe.register
def _invalid_email(error: errors.InvalidEmail) -> str:
    return _("That is not an email address. Send one like <code>ann@example.com</code>.")


@describe.register
def _email_already_verified(error: errors.EmailAlreadyVerified) -> str:
    return _("{email} is already your verified address. Nothing to do.").format(
        email=escape(error.email)
    )


@describe.register
def _email_code_requested_too_soon(error: errors.EmailCodeRequestedTooSoon) -> str:
    seconds = error.retry_after_seconds
    return ngettext(
        "I sent you a code less than a minute ago; check your inbox and spam folder."
        " You can ask for a new one in {count} second.",
        "I sent you a code less than a minute ago; check your inbox and spam folder."
        " You can ask for a new one in {count} seconds.",
        seconds,
    ).format(count=seconds)


@describe.register
def _email_code_expired(error: errors.EmailCodeExpired) -> str:
    return _(
        "This code has expired. Tap “🔁 Send a new code” to get another one at {email}."
    ).format(email=escape(error.email))


@describe.register
def _email_code_attempts_exhausted(error: errors.EmailCodeAttemptsExhausted) -> str:
    return _(
        "Too many wrong attempts: a code allows {count}."
        " Tap “🔁 Send a new code” to get another one."
    ).format(count=error.max_attempts)


@describe.register
def _email_code_used(error: errors.EmailCodeUsed) -> str:
    return _(
        "This code has already verified {email}. To verify another address, send /email."
    ).format(email=escape(error.email))


@describe.register
def _no_email_code(error: errors.NoEmailCode) -> str:
    return _("I have no code waiting for you. Tap “🔁 Send a new code”, or send /email.")


@describe.register
def _email_not_sent(error: errors.EmailNotSent) -> str:
    return _(
        "I couldn't send an email to {email}: the mail server is not answering."
        " Nothing was saved. Please try again in a few minutes."
    ).format(email=escape(error.email))


@describe.register
def _invalid_recipient(error: errors.InvalidRecipient) -> str:
    return _(
        "I need a phone number (like +44 7700 900123), an email address or an @username."
        " You can also pick someone with the button below, or forward me their contact."
    )


@describe.register
def _invalid_username(error: errors.InvalidUsername) -> str:
    return _(
        "{text} is not a Telegram username: those have 5 to 32 characters,"
        " letters, digits and underscores. Check it, or send their phone number or email"
        " address, or pick them with the button below."
    ).format(text=escape(error.text))


@describe.register
def _not_device_owner(error: errors.NotDeviceOwner) -> str:
    return _("Only the owner of this device can share it or change its shares.")


@describe.register
def _region_not_set(error: errors.RegionNotSet) -> str:
    return _("Your region is not set yet. Send /myaccount and tap Change region, then try again.")


@describe.register
def _different_region(error: errors.DifferentRegion) -> str:
    return _(
        "You can share only with people in your region ({owner_region}),"
        " and this account is in {recipient_region}."
    ).format(
        owner_region=region_label(error.owner_region),
        recipient_region=region_label(error.recipient_region),
    )


@describe.register
def _channel_full(error: errors.ChannelFull) -> str:
    channels = ", ".join(str(number) for number in error.channel_numbers)
    return ngettext(
        "Channel {channels} is already shared with {count} account, the most a channel"
        " can have. Unselect it, or end one of its shares in /devices first.",
        "Channel {channels} is already shared with {count} accounts, the most a channel"
        " can have. Unselect it, or end one of its shares in /devices first.",
        error.limit,
    ).format(channels=channels, count=error.limit)


@describe.register
def _too_many_owners(error: errors.TooManyOwners) -> str:
    return ngettext(
        "This person already receives devices from {count} owner, the most an account"
        " can have. They must delete a device shared by someone else before you can share.",
        "This person already receives devices from {count} owners, the most an account"
        " can have. They must delete a device shared by someone else before you can share.",
        error.limit,
    ).format(count=error.limit)


@describe.register
def _firmware_too_old(error: errors.FirmwareTooOld) -> str:
    return _(
        "This device's firmware ({firmware}) is too old for sharing:"
        " upgrade it to {minimum} or newer, then update the version in the bot."
    ).format(firmware=escape(error.firmware_version), minimum=error.minimum_version)


@describe.register
def _live_view_required(error: errors.LiveViewRequired) -> str:
    return _("Live View is always shared on cameras, NVRs and DVRs (channel {channel}).").format(
        channel=error.channel_number
    )


@describe.register
def _no_channels_selected(error: errors.NoChannelsSelected) -> str:
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


@describe.register
def _link_not_found(error: errors.LinkNotFound) -> str:
    return _(
        "This QR code or link is not valid (a newer code may have replaced it). Ask for a new one."
    )


@describe.register
def _link_expired(error: errors.LinkExpired) -> str:
    return _("This QR code expired on {moment}. Ask the owner for a new one.").format(
        moment=format_moment(error.expires_at)
    )


@describe.register
def _application_not_pending(error: errors.ApplicationNotPending) -> str:
    if error.state == "accepted":
        return _("This application was already accepted.")
    if error.state == "rejected":
        return _("This application was rejected.")
    return _("This application is no longer open.")


@describe.register
def _application_not_found(error: errors.ApplicationNotFound) -> str:
    return _("This application is no longer available.")


# --- installer groups ----------------------------------------------------------------------------


def _group_title(title: str) -> str:
    """Cut, so that the sentence still fits an alert (200 characters)."""
    return escape(title if len(title) <= 40 else title[:39].rstrip() + "…")


@describe.register
def _group_not_found(error: errors.GroupNotFound) -> str:
    return _("I'm not in that group any more. Add me to it again, then send /link there.")


@describe.register
def _linking_not_allowed(error: errors.LinkingNotAllowed) -> str:
    return _(
        "Devices can't be linked to {group} yet: an administrator of"
        " the group has to send /allowlinking there first."
    ).format(group=_group_title(error.group_title))


@describe.register
def _not_group_member(error: errors.NotGroupMember) -> str:
    return _("You are not a member of {group}: only its members can link devices to it.").format(
        group=_group_title(error.group_title)
    )


@describe.register
def _not_group_administrator(error: errors.NotGroupAdministrator) -> str:
    return _(
        "Only an administrator of this group can allow or stop linking devices here. Ask one of"
        " them to send the command."
    )


_ADDRESS_PROBLEMS = {
    "bad_port": N_("The port must be a number from 1 to 65535."),
    "bad_host": N_("That is not a host name or IP address I can use."),
    "not_a_host": N_("That address cannot be a device (it is not one host)."),
    "unresolvable": N_("I could not find that host name."),
    "link_local": N_("Link-local addresses (169.254.x.x, fe80::) are not allowed."),
    "cloud_metadata": N_("That address belongs to a cloud's metadata service, not a device."),
    "outside_allowed_networks": N_("That address is outside the networks this bot may reach."),
}


@describe.register
def _invalid_device_address(error: errors.InvalidDeviceAddress) -> str:
    problem = _(_ADDRESS_PROBLEMS.get(error.reason, N_("That address cannot be used.")))
    example = _(
        "Send the device's address like <code>192.168.1.64</code>,"
        " <code>nvr.example.com:8080</code> or <code>https://203.0.113.5:8443</code>."
    )
    return f"{problem} {example}"


@describe.register
def _device_not_answering(error: errors.DeviceNotAnswering) -> str:
    if error.timed_out:
        return _("<b>{device}</b> is not answering. Try again in a moment.").format(
            device=escape(error.device_name)
        )
    return _(
        "Nothing answers at <b>{device}</b>'s address: it may be off or"
        " offline. Its owner can check that it is on, and its address and port (🔌 on its card)."
    ).format(device=escape(error.device_name))


@describe.register
def _device_login_refused(error: errors.DeviceLoginRefused) -> str:
    refused = _("<b>{device}</b> refused the user name or password.").format(
        device=escape(error.device_name)
    )
    if error.retries_left is None:
        return refused
    left = ngettext(
        "It allows {count} more attempt before it locks logins out.",
        "It allows {count} more attempts before it locks logins out.",
        error.retries_left,
    ).format(count=error.retries_left)
    return f"{refused} {left}"


@describe.register
def _device_login_locked(error: errors.DeviceLoginLocked) -> str:
    device = escape(error.device_name)
    if not error.unlock_in_seconds:
        return _(
            "<b>{device}</b> has locked logins out for a while after too many wrong"
            " passwords. Wait, then try again with the right password."
        ).format(device=device)
    minutes = max(1, round(error.unlock_in_seconds / 60))
    return ngettext(
        "<b>{device}</b> has locked logins out for about {count} minute after too many wrong"
        " passwords. Wait, then try again with the right password.",
        "<b>{device}</b> has locked logins out for about {count} minutes after too many wrong"
        " passwords. Wait, then try again with the right password.",
        minutes,
    ).format(device=device, count=minutes)


@describe.register
def _not_an_isapi_device(error: errors.NotAnIsapiDevice) -> str:
    return _(
        "Something answers at <b>{device}</b>'s address, but not a"
        " Hikvision device (ISAPI). Check the address and port: it is the device's web port,"
        " usually 80 or 443."
    ).format(device=escape(error.device_name))


@describe.register
def _device_serial_mismatch(error: errors.DeviceSerialMismatch) -> str:
    return _(
        "The device at that address has serial <code>{reported}</code>, which"
        " does not end with <code>{expected}</code>, the serial you added. It is"
        " another device: check the address."
    ).format(reported=escape(error.reported), expected=escape(error.expected))


@describe.register
def _device_request_refused(error: errors.DeviceRequestRefused) -> str:
    return _("<b>{device}</b> refused that.").format(device=escape(error.device_name))


@describe.register
def _device_not_connected(error: errors.DeviceNotConnected) -> str:
    return _("<b>{device}</b> is not connected: its owner can connect it.").format(
        device=escape(error.device_name)
    )


@describe.register
def _permission_not_held(error: errors.PermissionNotHeld) -> str:
    return _("You don't have {permission} on that channel (any more).").format(
        permission=permission_label(Permission[error.permission])
    )


@describe.register
def _too_many_taps(error: errors.TooManyTaps) -> str:
    return _("Easy: too many taps. Try again in {seconds} s.").format(
        seconds=error.retry_in_seconds
    )


@describe.register
def _recording_gone(error: errors.RecordingGone) -> str:
    return _(
        "<b>{device}</b> no longer has that recording: its disk has recorded"
        " over it. List the day's recordings again."
    ).format(device=escape(error.device_name))


@describe.register
def _clip_in_progress(error: errors.ClipInProgress) -> str:
    return _("Another clip from this device is being fetched; try again in a moment.")


@describe.register
def _clip_too_large(error: errors.ClipTooLarge) -> str:
    return _(
        "That clip is too large to send here: Telegram takes at most {size} MB from a bot."
    ).format(size=error.limit_bytes // (1024 * 1024))


@describe.register
def _clip_not_playable(error: errors.ClipNotPlayable) -> str:
    return _("<b>{device}</b> sent something that is not a video I can play.").format(
        device=escape(error.device_name)
    )


@describe.register
def _unknown_language(error: errors.UnknownLanguage) -> str:
    return _("I don't speak that language. Send /language and tap one of the buttons.")


@describe.register
def _unknown_time_zone(error: errors.UnknownTimeZone) -> str:
    return _(
        "I can't tell which time zone {text} is. Type your city, like <code>Berlin</code> or"
        " <code>New York</code>, a zone name like <code>Europe/Berlin</code>, or a whole-hour"
        " offset from UTC like <code>UTC+3</code> or <code>UTC-5</code>."
    ).format(text=escape(error.text))
