"""📷 Live view and PTZ: each holder sees exactly the channels they hold, checked at every tap
(R13); the device's failures are told, never crash a tap."""

from sqlmodel import select

from storage.database import Database
from storage.models import Permission, Share, ShareState
from tests.device_simulator import DeviceSimulator, ManualClock
from tests.handlers.devices.journeys import (
    CAMERA_SERIAL,
    connect,
    pictured_channel,
    share_channels,
)
from tests.handlers.journeys import add_nvr, started
from tests.harness.users import Telegram, TelegramUser

PTZ_ROWS = [["◀", "▲", "▼", "▶"], ["＋", "－"]]


async def test_the_owner_sees_every_channel_and_moves_through_them(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    await olivia.tap("📷 Live view")
    picker = olivia.last_message
    assert picker.text == "📷 Shop NVR: which channel? Each tap takes a fresh snapshot."
    assert picker.buttons[0] == ["1. Camera 01", "2. Camera 02"]
    assert picker.buttons[-1] == ["« Device"]
    assert sum(len(row) for row in picker.buttons[:-1]) == 16

    await olivia.tap("3. Camera 03")
    photo = olivia.last_message
    assert pictured_channel(photo) == 3
    assert photo.caption.startswith("📷 Shop NVR · 3. Camera 03\nTaken ")
    assert photo.buttons == [["‹", "🔄 Refresh", "›"], *PTZ_ROWS]

    await olivia.tap("›", message=photo)
    assert pictured_channel(photo) == 4, "the same message shows the next channel"
    assert photo.caption.startswith("📷 Shop NVR · 4. Camera 04")
    await olivia.tap("🔄 Refresh", message=photo)
    assert pictured_channel(photo) == 4 and len(photo.history) == 2


async def test_a_recipient_sees_only_the_channels_granted(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    share_id = await share_channels(database, rita, [2, 5])
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    screen = rita.last_message
    assert "🟢 Online" in screen.text and "127.0.0.1" not in screen.text
    await rita.tap("📷 Live view")
    assert rita.last_message.buttons == [["2. Camera 02", "5. Camera 05"], ["« Back"]]
    await rita.tap("5. Camera 05")
    photo = rita.last_message
    assert pictured_channel(photo) == 5
    assert photo.buttons == [["‹", "🔄 Refresh"]], "no PTZ, and no channel after 5"
    await rita.tap("‹", message=photo)
    assert pictured_channel(photo) == 2

    forged = await rita.forge_callback("lvs:1:3", message=photo)
    assert forged.text == "Your access to this channel has ended."
    assert pictured_channel(photo) == 2
    forged = await rita.forge_callback("lvc:1:3")
    assert forged.text == "You don't have Live View on that channel (any more)."
    assert share_id


async def test_access_ends_on_the_very_next_tap(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    await share_channels(database, rita, [1])
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("📷 Live view")  # one channel held: straight to its picture
    photo = rita.last_message
    assert pictured_channel(photo) == 1
    async with database.write() as session:
        (share,) = await session.exec(select(Share))
        share.state = ShareState.REVOKED
    answer = await rita.tap("🔄 Refresh", message=photo)
    assert answer.text == "Your access to this channel has ended." and answer.show_alert
    assert photo.buttons == [], "the old photo's buttons are gone"


async def test_ptz_moves_only_for_those_who_hold_it(
    telegram: Telegram,
    camera_simulator: DeviceSimulator,
    rita: TelegramUser,
    database: Database,
) -> None:
    olivia = await started(telegram, "Olivia")
    await add_camera(olivia)
    await connect(olivia, camera_simulator)
    await olivia.tap("📷 Live view")  # one channel: straight to the picture
    photo = olivia.last_message
    assert pictured_channel(photo) == 1
    assert photo.buttons == [["🔄 Refresh"], *PTZ_ROWS, ["⭐ Gate", "⭐ Drive", "⭐ Garden"]]
    await olivia.tap("▶", message=photo)
    (move,) = [m for m in camera_simulator.ptz_moves if not m.is_stop]
    assert move.pan > 0 and move.tilt == 0 and move.channel == 1
    assert len(photo.history) == 1, "the picture was taken again after the move"
    await olivia.tap("⭐ Drive", message=photo)
    assert camera_simulator.preset_gotos == [(1, 2)]

    await share_channels(database, rita, [1], Permission.LIVE_VIEW)
    await rita.send("/received")
    await rita.tap("📷 Porch · from Olivia")
    await rita.tap("📷 Live view")
    assert rita.last_message.buttons == [["🔄 Refresh"]]
    moves = len(camera_simulator.ptz_moves)
    answer = await rita.forge_callback("lvm:1:1:r", message=rita.last_message)
    assert answer.text == "Your access to this channel has ended."
    answer = await rita.forge_callback("lvp:1:1:2")
    assert len(camera_simulator.ptz_moves) == moves and camera_simulator.preset_gotos == [(1, 2)]


async def test_a_device_that_goes_away_is_told_not_crashed(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator, device_clock: ManualClock
) -> None:
    await olivia.tap("📷 Live view")
    await olivia.tap("1. Camera 01")
    photo = olivia.last_message
    await nvr_simulator.go_away()
    device_clock.advance(2)  # past the second in which taps share a picture
    answer = await olivia.tap("🔄 Refresh", message=photo)
    assert answer.show_alert and answer.text.startswith("Nothing answers at Shop NVR's address")
    assert pictured_channel(photo) == 1 and photo.buttons, "the photo stays as it was"


async def test_a_device_that_stops_answering_mid_request_is_told_within_the_timeout(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator, device_clock: ManualClock
) -> None:
    await olivia.tap("📷 Live view")
    await olivia.tap("1. Camera 01")
    photo = olivia.last_message
    device_clock.advance(2)
    nvr_simulator.hold_requests(path="/ISAPI/Streaming/channels/101/picture")
    answer = await olivia.tap("🔄 Refresh", message=photo)
    await nvr_simulator.release_requests()
    assert answer.show_alert and answer.text == "Shop NVR is not answering. Try again in a moment."
    assert pictured_channel(photo) == 1, "the photo stays as it was"


async def test_taps_are_limited_per_person_and_pictures_shared(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    await olivia.tap("📷 Live view")
    await olivia.tap("1. Camera 01")
    photo = olivia.last_message
    answers = [await olivia.tap("🔄 Refresh", message=photo) for _ in range(12)]
    refused = [a for a in answers if a.text and a.text.startswith("Easy: too many taps.")]
    assert len(refused) == 3, [a.text for a in answers]
    pictures = [r for r in nvr_simulator.requests if r.path.endswith("/picture")]
    assert len(pictures) < 10, "taps within a second share the device's picture"


async def test_a_huge_snapshot_is_scaled_to_what_telegram_takes(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    nvr_simulator.oversized_pictures = True
    await olivia.tap("📷 Live view")
    await olivia.tap("2. Camera 02")
    photo = olivia.last_message
    assert photo.photo is not None and photo.photo.dimensions is not None
    assert sum(photo.photo.dimensions) <= 10_000


async def add_camera(owner: TelegramUser) -> None:
    await owner.send("/adddevice")
    for answer in (CAMERA_SERIAL, "ABCDEF", "Porch"):
        await owner.send(answer)
    await owner.tap("📷 Camera")
    await owner.send("V5.7.3 build 220112")


__all__ = ["add_nvr"]
