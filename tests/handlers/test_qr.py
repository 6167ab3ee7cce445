"""QR sharing: the device code that others scan to apply, and the account code owners scan."""

import io
import random

import pytest
import qrcode
import zxingcpp
from PIL import Image, ImageFilter

from tests.clock import FakeClock
from tests.handlers.journeys import started
from tests.harness.users import Telegram, TelegramUser

BOT_LINK = "https://t.me/CamShareBot?start="


def decode(png: bytes) -> str:
    """What a phone camera reads from the image the bot sent."""
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, "exactly one QR code"
    return results[0].text


def token_of(message_photo: bytes) -> str:
    link = decode(message_photo)
    assert link.startswith(BOT_LINK)
    return link.removeprefix(BOT_LINK)


def as_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def photographed(png: bytes, *, scale: float, angle: float, noise: int) -> bytes:
    """The code as a phone photographs a screen: resized, tilted, on a grey desk, noisy."""
    code = Image.open(io.BytesIO(png)).convert("L")
    code = code.resize((int(code.width * scale), int(code.height * scale)))
    code = code.rotate(angle, expand=True, fillcolor=255)
    desk = Image.new("L", (code.width + 200, code.height + 160), 170)
    desk.paste(code, (100, 80))
    generator = random.Random(7)
    pixels = desk.load()
    assert pixels is not None
    for _ in range(desk.width * desk.height // 20):
        x, y = generator.randrange(desk.width), generator.randrange(desk.height)
        pixels[x, y] = max(0, min(255, pixels[x, y] + generator.randint(-noise, noise)))
    return as_png(desk.filter(ImageFilter.GaussianBlur(0.8)).convert("RGB"))


async def device_code(owner: TelegramUser) -> bytes:
    await owner.send("/devices")
    await owner.tap("🗄 Shop NVR · 4 ch")
    await owner.tap("🔳 Share via QR code")
    photo = owner.last_message.photo
    assert photo is not None
    return photo.content


async def test_device_code_apply_review_accept(telegram: Telegram, olivia: TelegramUser) -> None:
    png = await device_code(olivia)
    caption = olivia.last_message.caption or ""
    assert caption.startswith("🔳 QR code for Shop NVR.")
    assert "Valid until 18 Jan 2026, 09:00 UTC" in caption
    assert olivia.last_message.buttons == [["🔄 New code"]]
    token = token_of(png)
    assert 22 <= len(token) <= 64

    rita = await started(telegram, "Rita")
    await rita.send(f"/start {token}")
    assert rita.last_message.text.startswith("📷 Shop NVR, shared by Olivia.")
    answer = await rita.tap("📨 Apply for sharing")
    assert answer.text == "Application sent"
    assert rita.last_message.text.startswith("📨 Your application for Shop NVR was sent to Olivia.")

    application = olivia.last_message
    assert application.text.startswith("📨 New sharing application from Rita for Shop NVR.")
    await olivia.tap("🔍 Review")
    assert application.text.startswith("📨 Rita applied for Shop NVR")
    assert "4 of 4 channels selected" in application.text
    assert "« Back" not in [label for row in application.buttons for label in row]
    await olivia.tap("✅ Camera 04")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    assert application.buttons[-1] == ["« Permissions", "✅ Accept", "❌ Reject"]
    await olivia.tap("✅ Accept")
    assert application.text == "✅ You accepted Rita's application for Shop NVR."
    assert rita.last_message.text.startswith("✅ Olivia accepted your application for Shop NVR:")
    assert "Camera 01 … Camera 03 (3 channels)" in rita.last_message.text
    stale = await olivia.forge_callback("apr:1", message=application)
    assert stale.text == "This application was already accepted."


async def test_an_application_can_be_rejected(telegram: Telegram, olivia: TelegramUser) -> None:
    token = token_of(await device_code(olivia))
    rita = await started(telegram, "Rita")
    await rita.send(f"/start {token}")
    await rita.tap("📨 Apply for sharing")
    await olivia.tap("🔍 Review")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("❌ Reject")
    assert olivia.last_message.text == "❌ You rejected Rita's application for Shop NVR."
    assert rita.last_message.text == "❌ Olivia rejected your application for Shop NVR."


@pytest.mark.parametrize(
    ("scale", "angle", "noise"), [(1.0, 0, 0), (0.5, 0, 20), (1.6, 12, 40), (0.8, -25, 30)]
)
async def test_a_photo_of_the_code_opens_it(
    telegram: Telegram, olivia: TelegramUser, scale: float, angle: float, noise: int
) -> None:
    png = await device_code(olivia)
    rita = await started(telegram, "Rita")
    await rita.send_photo(photographed(png, scale=scale, angle=angle, noise=noise))
    assert rita.last_message.text.startswith("📷 Shop NVR, shared by Olivia.")


async def test_a_new_code_stops_the_old_one_and_codes_expire(
    telegram: Telegram, olivia: TelegramUser, clock: FakeClock
) -> None:
    old = token_of(await device_code(olivia))
    await olivia.tap("🔄 New code")
    new = token_of(olivia.last_message.photo.content)  # type: ignore[union-attr]
    assert new != old
    rita = await started(telegram, "Rita")
    await rita.send(f"/start {old}")
    assert rita.last_message.text.startswith("This QR code or link is not valid")
    clock.advance(days=3)
    await rita.send(f"/start {new}")
    assert rita.last_message.text.startswith("This QR code expired on 18 Jan 2026")


@pytest.mark.parametrize(
    "payload", ["garbage", "A" * 22, "../../etc", "x" * 64, "AbCdEfGhIjKlMnOpQrStU!"]
)
async def test_forged_payloads_are_refused(telegram: Telegram, payload: str) -> None:
    rita = await started(telegram, "Rita")
    await rita.send(f"/start {payload}")
    assert rita.last_message.text.startswith("This QR code or link is not valid")


async def test_photos_that_are_not_what_we_expect(telegram: Telegram, olivia: TelegramUser) -> None:
    rita = await started(telegram, "Rita")
    await rita.send_photo(as_png(Image.new("RGB", (640, 480), "white")))
    assert rita.last_message.text.startswith("I couldn't find a QR code in this photo.")
    await rita.send_photo(as_png(qrcode.make("https://example.com/not-us").get_image()))
    assert rita.last_message.text == "This QR code is not a CamShare code."
    first = token_of(await device_code(olivia))
    await olivia.tap("🔄 New code")
    second = olivia.last_message.photo.content  # type: ignore[union-attr]
    both = Image.new("RGB", (1300, 700), "white")
    both.paste(Image.open(io.BytesIO(second)), (0, 0))
    both.paste(qrcode.make(BOT_LINK + first).get_image().convert("RGB"), (660, 0))
    await rita.send_photo(as_png(both))
    assert rita.last_message.text == "I see several CamShare codes here: send a photo of just one."


async def test_a_huge_image_is_refused_before_decoding(telegram: Telegram) -> None:
    rita = await started(telegram, "Rita")
    await rita.send_photo(as_png(Image.new("1", (6000, 6000), 1)))
    assert rita.last_message.text.startswith("I can't read this image")


async def test_the_owner_and_other_regions_cannot_apply(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    token = token_of(await device_code(olivia))
    await olivia.send(f"/start {token}")
    assert olivia.last_message.text.startswith("This is the QR code of your own device")
    fleur = telegram.user("Fleur", language_code="fr")
    await fleur.send("/start")
    await fleur.tap_reply_button("Not now")
    await fleur.tap("✅ Yes, 🇫🇷 France")
    await fleur.send(f"/start {token}")
    refused = await fleur.tap("📨 Apply for sharing")
    assert refused.show_alert and "You can share only with people in your region" in (
        refused.text or ""
    )


async def test_a_newcomer_sees_the_device_after_onboarding(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    token = token_of(await device_code(olivia))
    nina = telegram.user("Nina", language_code="en-GB")
    await nina.send(f"/start {token}")
    assert "Welcome to CamShare, Nina" in nina.last_message.text
    await nina.tap_reply_button("Not now")
    await nina.tap("✅ Yes, 🇬🇧 United Kingdom")
    assert nina.last_message.text.startswith("📷 Shop NVR, shared by Olivia.")


async def test_account_code_photo_starts_a_share_with_that_person(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    rita = await started(telegram, "Rita")
    await rita.send("/myqr")
    code = rita.last_message.photo.content  # type: ignore[union-attr]
    assert (rita.last_message.caption or "").startswith("🔳 Your CamShare code.")
    await olivia.send_photo(photographed(code, scale=0.9, angle=8, noise=20))
    assert olivia.last_message.text == "Share a device with Rita?"
    await olivia.tap("📤 Choose a device")
    await olivia.tap("🗄 Shop NVR")
    assert "Share Shop NVR with Rita" in olivia.last_message.text
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Finish")
    assert rita.last_message.text.startswith("📨 Olivia wants to share Shop NVR with you")


async def test_account_code_as_the_recipient_in_the_share_conversation(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    rita = await started(telegram, "Rita")
    await rita.send("/myqr")
    code = rita.last_message.photo.content  # type: ignore[union-attr]
    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")
    await olivia.send_photo(code)
    assert olivia.messages[-2].text == "Recipient: Rita."
    assert "Share Shop NVR with Rita" in olivia.last_message.text


async def test_a_renewed_account_code_stops_the_old_one(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    rita = await started(telegram, "Rita")
    await rita.send("/myqr")
    old = token_of(rita.last_message.photo.content)  # type: ignore[union-attr]
    await rita.tap("🔄 New code")
    await olivia.send(f"/start {old}")
    assert olivia.last_message.text.startswith("This QR code or link is not valid")
