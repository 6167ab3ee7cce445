"""Short journeys that many handler tests begin with, lived through the bot like a user."""

from tests.harness.users import Telegram, TelegramUser

RITA_PHONE = "+447700900002"


async def started(telegram: Telegram, name: str, **details: str) -> TelegramUser:
    """A user who sent /start, did not share a phone and confirmed the United Kingdom (guessed
    from the language)."""
    user = telegram.user(name, language_code="en-GB", **details)
    await user.send("/start")
    await user.tap_reply_button("Not now")
    await user.tap("✅ Yes, 🇬🇧 United Kingdom")
    return user


async def verified(telegram: Telegram, name: str, phone: str, **details: str) -> TelegramUser:
    """A user who sent /start, proved their phone and confirmed the United Kingdom (guessed
    from the phone: `phone` is a +44 number)."""
    user = telegram.user(name, language_code="en-GB", phone_number=phone, **details)
    await user.send("/start")
    await user.tap_reply_button("📱 Share my phone number")
    await user.tap("✅ Yes, 🇬🇧 United Kingdom")
    return user


async def add_nvr(
    user: TelegramUser,
    *,
    serial: str = "J12345678",
    name: str = "Shop NVR",
    channels: str = "4",
    firmware: str = "V4.30.005 build 200101",
) -> None:
    await user.send("/adddevice")
    await user.send(serial)
    await user.send("abcdef")
    await user.send(name)
    await user.tap("🗄 NVR")
    await user.send(channels)
    await user.tap("Use default names")
    await user.send(firmware)


async def share_everything(
    owner: TelegramUser, recipient: str, *, device_button: str = "🗄 Shop NVR"
) -> None:
    """Share a device through /share with every channel and permission (R8); `recipient` is a
    phone number, an email address or an @username."""
    await owner.send("/share")
    await owner.tap(device_button)
    await owner.send(recipient)
    await owner.tap("Permissions ›")
    await owner.tap("💾 Save")
    await owner.tap("✅ Finish")
