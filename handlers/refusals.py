"""Words for the sharing service's refusals: each names the problem and says what to do next."""

from functools import singledispatch

from handlers.formatting import escape
from sharing import errors


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
