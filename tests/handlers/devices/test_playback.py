"""🎞 Recordings: the day's recordings of a channel and a clip of one, as a video, for exactly
those who hold Playback on that channel, checked at every tap (R13); the device's failures are
told, never crash a tap."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from sharing.devices import recordings
from storage.database import Database
from storage.models import Channel, Grant, Permission
from tests.device_simulator import DeviceSimulator
from tests.handlers.devices.journeys import share_channels
from tests.harness.state import ChatMessage
from tests.harness.users import Telegram, TelegramUser

LIST_HEAD = "🎞 Shop NVR · 1. Camera 01\n15 Jan 2026 (UTC): "
"""The bot's clock (tests.clock) says 15 January 2026, 09:00 UTC."""


def at(hour: int, minute: int = 0, *, day: int = 15) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def record_a_morning(device: DeviceSimulator) -> None:
    device.add_recording(channel=1, start=at(6), end=at(6, 10))
    device.add_recording(channel=1, start=at(7, 30), end=at(7, 45))
    device.add_recording(channel=2, start=at(8), end=at(8, 5))
    device.add_recording(channel=1, start=at(22, day=14), end=at(23, day=14))


def video_of(message: ChatMessage) -> bytes:
    assert message.video is not None, f"not a video: {message.text or message.caption}"
    return message.video.content


async def test_the_owner_lists_a_day_and_gets_a_clip_as_a_video(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator, telegram: Telegram
) -> None:
    record_a_morning(nvr_simulator)
    await olivia.tap("🎞 Recordings")
    picker = olivia.last_message
    assert picker.text == "🎞 Shop NVR: the recordings of which channel?"
    assert picker.buttons[0] == ["1. Camera 01", "2. Camera 02"]
    assert picker.buttons[-1] == ["« Device"]
    assert sum(len(row) for row in picker.buttons[:-1]) == 16

    await olivia.tap("1. Camera 01")
    assert picker.text == "🎞 Shop NVR · 1. Camera 01\nWhich day? Times are UTC."
    assert picker.buttons == [
        ["Today", "Yesterday"],
        ["📅 Another day", "🕑 At a time"],
        ["« Channels"],
    ]
    await olivia.tap("Today")
    assert picker.text == LIST_HEAD + (
        "recordings 1–2 of 2. Tap one for its first 30 s as a video."
    )
    assert picker.buttons == [["06:00:00 – 06:10:00"], ["07:30:00 – 07:45:00"], ["« Days"]]

    await olivia.tap("07:30:00 – 07:45:00")
    clip = olivia.last_message
    assert b"ftyp" in video_of(clip)[:16], "an MP4 that Telegram plays"
    assert clip.caption == (
        "🎞 Shop NVR · 1. Camera 01\nRecorded 15 Jan 2026, 07:30 UTC – 07:45 UTC; the first 30 s"
    )
    (video_call,) = [call for call in telegram.api.calls if call.method == "sendVideo"]
    assert video_call.params.get("supports_streaming") == "true"
    assert len(nvr_simulator.downloads) == 1
    assert olivia.messages[-2] is picker, "the progress message went once the clip was sent"
    shown = [
        call.params["text"]
        for call in telegram.api.calls
        if call.method in ("sendMessage", "editMessageText")
        and call.params.get("text", "").startswith("🎞 Fetching the clip…")
    ]
    assert shown[0] == "🎞 Fetching the clip… 0%" and shown[-1] == "🎞 Fetching the clip… 100%"
    assert len(shown) == len(set(shown)), "no edit that changes nothing"

    await olivia.tap("« Days", message=picker)
    await olivia.tap("Yesterday", message=picker)
    assert picker.buttons == [["22:00:00 – 23:00:00"], ["« Days"]]


async def test_a_recipient_has_only_the_channels_where_playback_is_granted(
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    nvr_simulator: DeviceSimulator,
) -> None:
    record_a_morning(nvr_simulator)
    nvr_simulator.add_recording(channel=3, start=at(8), end=at(8, 5))
    await share_channels(database, rita, [2, 3, 4], Permission.LIVE_VIEW | Permission.PLAYBACK)
    await _grant_only_live_view(database, channel=3)
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    assert rita.last_message.buttons[0] == ["📷 Live view", "🎞 Recordings"]
    await rita.tap("🎞 Recordings")
    assert rita.last_message.buttons == [["2. Camera 02", "4. Camera 04"], ["« Back"]]
    await rita.tap("2. Camera 02")
    await rita.tap("Today")
    assert rita.last_message.buttons == [["08:00:00 – 08:05:00"], ["« Days"]]

    searches = len(nvr_simulator.searches)
    forged = await rita.forge_callback("pbd:1:3:20260115:0")
    assert forged.text == "You don't have Playback on that channel (any more)."
    forged = await rita.forge_callback(f"pbf:1:3:{int(at(8).timestamp())}")
    assert forged.text == "You don't have Playback on that channel (any more)."
    assert forged.show_alert
    assert len(nvr_simulator.searches) == searches and nvr_simulator.downloads == []

    await rita.tap("08:00:00 – 08:05:00")
    assert video_of(rita.last_message)
    assert [uri for _, uri in nvr_simulator.downloads] == [
        nvr_simulator.recordings[2].playback_uri(len(nvr_simulator.recording_clip))
    ]


async def test_a_recipient_without_playback_has_no_recordings(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    await share_channels(database, rita, [1, 2], Permission.LIVE_VIEW | Permission.ALARM)
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    assert rita.last_message.buttons[0] == ["📷 Live view"]
    forged = await rita.forge_callback("pb:1")
    assert forged.text == "You don't have Playback on that channel (any more)."
    forged = await rita.forge_callback("pbc:1:1")
    assert forged.text == "You don't have Playback on that channel (any more)."


async def test_an_empty_day(olivia: TelegramUser, nvr_simulator: DeviceSimulator) -> None:
    record_a_morning(nvr_simulator)
    await olivia.tap("🎞 Recordings")
    await olivia.tap("3. Camera 03")
    await olivia.tap("Today")
    assert olivia.last_message.text == (
        "🎞 Shop NVR · 3. Camera 03\n15 Jan 2026 (UTC): No recordings that day."
    )
    assert olivia.last_message.buttons == [["« Days"]]


async def test_a_day_is_listed_8_recordings_a_page(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    for hour in range(10):
        nvr_simulator.add_recording(channel=1, start=at(hour), end=at(hour, 30))
    await olivia.tap("🎞 Recordings")
    await olivia.tap("1. Camera 01")
    await olivia.tap("Today")
    listing = olivia.last_message
    assert listing.text.startswith(LIST_HEAD + "recordings 1–8 of 10.")
    assert listing.buttons[0] == ["00:00:00 – 00:30:00"]
    assert listing.buttons[-2:] == [["Next ›"], ["« Days"]]
    await olivia.tap("Next ›")
    assert listing.text.startswith(LIST_HEAD + "recordings 9–10 of 10.")
    assert listing.buttons == [
        ["08:00:00 – 08:30:00"],
        ["09:00:00 – 09:30:00"],
        ["‹ Previous"],
        ["« Days"],
    ]


async def test_a_recording_of_unknown_size_is_fetched_whole(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    nvr_simulator.recording_sizes_unknown = True  # no size= in the URIs, no Content-Length
    record_a_morning(nvr_simulator)
    await olivia.tap("🎞 Recordings")
    await olivia.tap("2. Camera 02")
    await olivia.tap("Today")
    await olivia.tap("08:00:00 – 08:05:00")
    assert b"ftyp" in video_of(olivia.last_message)[:16]
    assert olivia.last_message.caption.endswith("08:00 UTC – 08:05 UTC; the first 30 s")
    forged = await olivia.forge_callback("pbf:1:2:99999999999999")
    assert forged.text == "That is not a recording I can find."


async def test_a_clip_over_telegrams_limit_is_refused(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recordings, "TELEGRAM_UPLOAD_LIMIT", 1000)
    record_a_morning(nvr_simulator)
    await olivia.tap("🎞 Recordings")
    await olivia.tap("1. Camera 01")
    await olivia.tap("Today")
    await olivia.tap("06:00:00 – 06:10:00")
    assert olivia.last_message.text.startswith("That clip is too large to send here")
    assert olivia.last_message.video is None


async def test_a_recording_gone_since_the_list_is_told(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    record_a_morning(nvr_simulator)
    await olivia.tap("🎞 Recordings")
    await olivia.tap("1. Camera 01")
    await olivia.tap("Today")
    listing = olivia.last_message
    nvr_simulator.remove_recordings()  # the disk recorded over them
    await olivia.tap("06:00:00 – 06:10:00")
    assert olivia.last_message.text == (
        "Shop NVR no longer has that recording: its disk has recorded over it. List the day's"
        " recordings again."
    )
    assert olivia.messages[-2] is listing and nvr_simulator.downloads == []


async def test_a_device_that_goes_away_is_told_not_crashed(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    record_a_morning(nvr_simulator)
    await olivia.tap("🎞 Recordings")
    await olivia.tap("1. Camera 01")
    await olivia.tap("Today")
    listing = olivia.last_message
    await nvr_simulator.go_away()
    answer = await olivia.tap("06:00:00 – 06:10:00")
    assert olivia.last_message.text.startswith("Nothing answers at Shop NVR's address")
    assert answer.text is None
    answer = await olivia.tap("« Days", message=listing)
    answer = await olivia.tap("Today", message=listing)
    assert answer.show_alert and answer.text.startswith("Nothing answers at Shop NVR's address")
    assert listing.buttons[0] == ["Today", "Yesterday"], "the screen stays"


async def test_a_typed_day(olivia: TelegramUser, nvr_simulator: DeviceSimulator) -> None:
    record_a_morning(nvr_simulator)
    await olivia.tap("🎞 Recordings")
    await olivia.tap("1. Camera 01")
    await olivia.tap("📅 Another day")
    assert olivia.last_message.text == (
        "🎞 Shop NVR · 1. Camera 01\nSend the day as YYYY-MM-DD, for example 2026-01-12 (UTC)."
        " Send /cancel to stop."
    )
    await olivia.send("2026-02-30")
    assert olivia.last_message.text == (
        "That is not a day like 2026-01-12 (year, month, day). Please send it again."
    )
    await olivia.send(" 2026-01-14 ")
    listing = olivia.last_message
    assert listing.text == (
        "🎞 Shop NVR · 1. Camera 01\n14 Jan 2026 (UTC): recordings 1–1 of 1."
        " Tap one for its first 30 s as a video."
    )
    await olivia.tap("22:00:00 – 23:00:00")
    assert video_of(olivia.last_message)
    await olivia.send("2026-01-15")
    assert olivia.last_message.text != listing.text, "the wizard ended: a day is not awaited"


async def test_one_clip_per_device_at_a_time(
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    nvr_simulator: DeviceSimulator,
) -> None:
    record_a_morning(nvr_simulator)
    await share_channels(database, rita, [2], Permission.PLAYBACK)
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("🎞 Recordings")  # one channel: straight to the days
    await rita.tap("Today")
    await olivia.tap("🎞 Recordings")
    await olivia.tap("1. Camera 01")
    await olivia.tap("Today")

    nvr_simulator.hold_requests(path="/ISAPI/ContentMgmt/download")
    first = asyncio.create_task(olivia.tap("06:00:00 – 06:10:00"))
    await nvr_simulator.wait_until(
        lambda device: any(r.path.endswith("/download") for r in device.requests)
    )
    answer = await rita.tap("08:00:00 – 08:05:00")
    assert answer.show_alert and answer.text == (
        "Another clip from this device is being fetched; try again in a moment."
    )
    await nvr_simulator.release_requests()
    await first
    assert video_of(olivia.last_message)
    await rita.tap("08:00:00 – 08:05:00")
    assert video_of(rita.last_message), "free again once the first clip is fetched"


async def _grant_only_live_view(database: Database, *, channel: int) -> None:
    async with database.write() as session:
        (grant,) = await session.exec(
            select(Grant)
            .join(Channel, col(Channel.id) == Grant.channel_id)
            .where(Channel.number == channel)
        )
        grant.permissions = int(Permission.LIVE_VIEW)
