"""/adddevice, /devices and the device card, as an owner lives them."""

import pytest

from handlers.devices.add_device import CONNECT_NOW
from sharing.devices import devices
from storage.database import Database
from storage.models import Account, DeviceType, Share, ShareState
from tests.clock import FakeClock
from tests.handlers.journeys import add_nvr, started
from tests.handlers.speakers import speak
from tests.harness.users import Telegram


async def test_add_an_nvr_with_channel_names(telegram: Telegram) -> None:
    olivia = await started(telegram, "Olivia")
    await olivia.send("/adddevice")
    assert "serial number" in olivia.last_message.text
    await olivia.send("j1234 5678")
    assert "verification code" in olivia.last_message.text
    await olivia.send("ABCDEF")
    await olivia.send("Shop <North> & 🐈")
    assert olivia.last_message.buttons[0] == ["📷 Camera", "🗄 NVR", "📼 DVR"]
    await olivia.tap("🗄 NVR")
    assert olivia.messages[-2].text == "4/6 Type: 🗄 NVR."
    await olivia.send("3")
    await olivia.send("Gate\nYard <back>\nTill & door")
    await olivia.send("V4.30.005 build 200101")

    assert olivia.messages[-2].text == "✅ Added Shop <North> & 🐈.\n\n" + CONNECT_NOW
    card = olivia.last_message.text
    assert "🗄 NVR Shop <North> & 🐈" in card and "Serial: J12345678" in card
    assert "1. Gate\n2. Yard <back>\n3. Till & door" in card
    assert olivia.last_message.buttons == [
        ["📤 Share", "🔳 Share via QR code"],
        ["🔌 Connect"],
        ["👥 Groups"],
        ["✏️ Rename", "🗑 Remove"],
        ["« My devices"],
    ]


async def test_a_camera_has_one_channel_and_old_firmware_is_flagged(telegram: Telegram) -> None:
    olivia = await started(telegram, "Olivia")
    await olivia.send("/adddevice")
    for answer in ("C98765432", "QWERTY", "Porch"):
        await olivia.send(answer)
    await olivia.tap("📷 Camera")
    assert "firmware version" in olivia.last_message.text
    await olivia.send("V5.4.0 build 190101")
    assert "older than V5.5.0" in olivia.messages[-2].text
    assert "Channels (1):\n1. Camera 01" in olivia.last_message.text


async def test_every_step_refuses_bad_input_and_stays(
    telegram: Telegram, database: Database
) -> None:
    olivia = await started(telegram, "Olivia")
    await olivia.send("/adddevice")
    await olivia.send("<b>no</b>")
    assert "A serial number is 8 to 48 letters and digits" in olivia.last_message.text
    await olivia.send("J12345678")
    await olivia.send("12345")
    assert "The verification code is 6 letters" in olivia.last_message.text
    await olivia.send("ABCDEF")
    await olivia.send("x" * 65)
    assert "A name is 1 to 64 characters" in olivia.last_message.text
    await olivia.send("Shop")
    await olivia.send("an NVR please")
    assert olivia.last_message.text == "Tap one of the types above."
    await olivia.tap("📼 DVR")
    for bad in ("eight", "0", "257", "-3"):
        await olivia.send(bad)
        assert "whole number from 1 to 256" in olivia.last_message.text
    await olivia.send("2")
    await olivia.send("only one name")
    assert "I need exactly 2 names" in olivia.last_message.text
    await olivia.send("A\nB")
    await olivia.send("latest")
    assert "A firmware version looks like" in olivia.last_message.text
    await olivia.send("V4.0")
    assert olivia.messages[-2].text.startswith("✅ Added Shop.\n\nOptional last step: 🔌 Connect")
    async with database.read() as session:
        page = await devices.list_devices(session, owner_id=olivia.id, offset=0, limit=10)
    assert [(item.name, item.type, item.channel_count) for item in page.items] == [
        ("Shop", DeviceType.DVR, 2)
    ]


@pytest.mark.parametrize("steps_before_cancel", range(7))
async def test_cancel_at_any_step_stores_nothing(
    telegram: Telegram, database: Database, steps_before_cancel: int
) -> None:
    olivia = await started(telegram, "Olivia")
    steps = ["J12345678", "ABCDEF", "Shop", "tap:🗄 NVR", "4", "tap:Use default names"]
    await olivia.send("/adddevice")
    for step in steps[:steps_before_cancel]:
        await (olivia.tap(step[4:]) if step.startswith("tap:") else olivia.send(step))
    await olivia.send("/cancel")
    assert olivia.last_message.text.startswith("Cancelled. Nothing was saved.")
    await olivia.send("V4.0")
    assert "I'm not waiting for a message" in olivia.last_message.text
    async with database.read() as session:
        assert await devices.count_devices(session, owner_id=olivia.id) == 0


async def test_a_serial_held_by_another_account_is_refused_at_the_serial_step(
    telegram: Telegram,
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia)
    mallory = await started(telegram, "Mallory")
    await mallory.send("/adddevice")
    await mallory.send("J12345678")
    assert "This device has been added by another account" in mallory.last_message.text
    await mallory.send("K12345678")
    assert "verification code" in mallory.last_message.text


async def test_devices_pages_and_opens_cards(telegram: Telegram) -> None:
    olivia = await started(telegram, "Olivia")
    await olivia.send("/devices")
    assert olivia.last_message.text == "You have no devices yet. Send /adddevice to add one."
    for index in range(10):
        await add_nvr(olivia, serial=f"SERIAL{index:04d}", name=f"Site {index:02d}")
    await olivia.send("/devices")
    listing = olivia.last_message
    assert listing.text.startswith("Your devices (1–8 of 10)")
    assert listing.buttons[0] == ["🗄 Site 00 · 4 ch"] and listing.buttons[-1] == ["Next ›"]
    await olivia.tap("Next ›")
    assert listing.text.startswith("Your devices (9–10 of 10)")
    assert listing.buttons[-1] == ["‹ Previous"]
    await olivia.tap("🗄 Site 09 · 4 ch")
    assert "Site 09" in listing.text and listing.buttons[-1] == ["« My devices"]
    await olivia.tap("« My devices")
    assert listing.text.startswith("Your devices (1–8 of 10)")


async def test_rename_from_the_card(telegram: Telegram) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia)
    await olivia.tap("✏️ Rename")
    assert "Send the new name for Shop NVR" in olivia.last_message.text
    await olivia.send("")
    await olivia.send("y" * 80)
    assert "A name is 1 to 64 characters" in olivia.last_message.text
    await olivia.send("Warehouse <2>")
    assert olivia.messages[-2].text == "✅ Renamed to Warehouse <2>."
    assert "🗄 NVR Warehouse <2>" in olivia.last_message.text


async def test_remove_asks_twice_and_tells_recipients(
    telegram: Telegram, database: Database, clock: FakeClock
) -> None:
    olivia = await started(telegram, "Olivia")
    rita = await started(telegram, "Rita")
    await add_nvr(olivia)
    async with database.write() as session:
        page = await devices.list_devices(session, owner_id=olivia.id, offset=0, limit=1)
        session.add(
            Share(
                device_id=page.items[0].id,
                owner_id=olivia.id,
                recipient_id=rita.id,
                state=ShareState.ACTIVE,
                created_at=clock(),
                updated_at=clock(),
            )
        )
    card = olivia.last_message
    await olivia.tap("🗑 Remove")
    assert "Remove Shop NVR from your account? This ends its 1 share" in card.text
    await olivia.tap("Keep it")
    assert "Shared with 1 person" in card.text
    await olivia.tap("🗑 Remove")
    await olivia.tap("🗑 Yes, remove it")
    assert card.text == "🗑 Shop NVR was removed."
    assert rita.last_message.text == (
        "Olivia removed the device Shop NVR; it is no longer shared with you."
    )
    async with database.read() as session:
        assert await devices.count_devices(session, owner_id=olivia.id) == 0


async def test_removal_reaches_a_recipient_who_blocked_the_bot(
    telegram: Telegram, database: Database, clock: FakeClock
) -> None:
    olivia = await started(telegram, "Olivia")
    rita = await started(telegram, "Rita")
    await add_nvr(olivia)
    async with database.write() as session:
        page = await devices.list_devices(session, owner_id=olivia.id, offset=0, limit=1)
        session.add(
            Share(
                device_id=page.items[0].id,
                owner_id=olivia.id,
                recipient_id=rita.id,
                state=ShareState.PENDING,
                created_at=clock(),
                updated_at=clock(),
            )
        )
    await rita.block_bot()
    await olivia.tap("🗑 Remove")
    await olivia.tap("🗑 Yes, remove it")
    assert olivia.last_message.text == "🗑 Shop NVR was removed."
    async with database.read() as session:
        account = await session.get(Account, rita.id)
    assert account is not None and account.unreachable_since == clock()


async def test_forged_callbacks_reveal_nothing_and_change_nothing(
    telegram: Telegram, database: Database
) -> None:
    olivia = await started(telegram, "Olivia")
    mallory = await started(telegram, "Mallory")
    await add_nvr(olivia)
    async with database.read() as session:
        device_id = (
            (await devices.list_devices(session, owner_id=olivia.id, offset=0, limit=1)).items[0].id
        )
    for data in (f"dv:{device_id}", f"dvxy:{device_id}", f"dvr:{device_id}", "dv:999999"):
        answer = await mallory.forge_callback(data)
        assert (
            answer.text
            == "That device is not in your list any more. Send /devices to see your devices."
        )
        assert answer.show_alert
    for data in ("dv:abc", "dvxy", "nonsense", "dvl:1:2"):
        answer = await mallory.forge_callback(data)
        assert answer.text == "This button is no longer active. Send /help to start again."
    async with database.read() as session:
        device = await devices.get_owned_device(session, owner_id=olivia.id, device_id=device_id)
    assert device.name == "Shop NVR"


async def test_a_double_tap_is_harmless(
    telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_nvr(olivia)
    await olivia.send("/devices")
    listing = olivia.last_message
    await olivia.tap("🗄 Shop NVR · 4 ch")
    first = await olivia.tap("« My devices", message=listing)
    again = await olivia.forge_callback("dvl:0", message=listing)
    assert first.text is None and again.text is None
    assert listing.text.startswith("Your devices (1–1 of 1)")
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


@pytest.mark.usefixtures("pseudo_language")
async def test_a_removed_device_is_told_in_each_recipients_language(
    telegram: Telegram, database: Database, clock: FakeClock
) -> None:
    olivia = await started(telegram, "Olivia")
    rita = await started(telegram, "Rita")
    await add_nvr(olivia)
    await speak(rita, "ru")
    async with database.write() as session:
        page = await devices.list_devices(session, owner_id=olivia.id, offset=0, limit=1)
        session.add(
            Share(
                device_id=page.items[0].id,
                owner_id=olivia.id,
                recipient_id=rita.id,
                state=ShareState.ACTIVE,
                created_at=clock(),
                updated_at=clock(),
            )
        )
    card = olivia.last_message
    await olivia.tap("🗑 Remove")
    await olivia.tap("🗑 Yes, remove it")
    assert card.text == "🗑 Shop NVR was removed.", "the owner reads their own language"
    assert rita.last_message.text == (
        "[ru] Olivia removed the device Shop NVR; it is no longer shared with you."
    )
