"""🎞 Recordings › 🕑 At a time: the clip around a moment the person types, on their own clock;
what was recorded that day when nothing was then; the step stays for another try where the
moment cannot be read or is still to come; Playback checked again at every answer."""

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.settings import Settings
from sharing.devices import recordings
from storage.database import Database
from storage.models import Channel, Grant, Permission
from tests.device_simulator import DeviceSimulator, clips
from tests.handlers.devices.journeys import share_channels
from tests.harness.state import ChatMessage
from tests.harness.users import Telegram, TelegramUser

CLIP_SECONDS = 2
"""The simulator's recordings are all the same 4-second clip, a keyframe every second: a
2-second clip from the middle of a 4-second recording shows the cut."""
PROMPT = (
    "🎞 Shop NVR · 1. Camera 01\nSend the moment to watch, on UTC time: 14:30 (today),"
    " yesterday 14:30, 5 Dec 14:30 or 2026-12-05 14:30. I send the 2 s around it."
    " Send /cancel to stop."
)
UNREADABLE = (
    "That is not a moment I can read. Send it like 14:30, yesterday 14:30, 5 Dec 14:30 or"
    " 2026-12-05 14:30."
)
NO_PLAYBACK = "You don't have Playback on that channel (any more)."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"clip_seconds": CLIP_SECONDS})


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 15) -> datetime:
    """The bot's clock (tests.clock) says 15 January 2026, 09:00 UTC."""
    return datetime(2026, 1, day, hour, minute, second, tzinfo=UTC)


def record_around(device: DeviceSimulator, moment: datetime, *, channel: int = 1) -> None:
    """A 4-second recording with `moment` in its middle: as long as the simulator's clip."""
    device.add_recording(
        channel=channel, start=moment - timedelta(seconds=2), end=moment + timedelta(seconds=2)
    )


def first_frame_shade(message: ChatMessage) -> int:
    """The first frame's brightness: the simulator's frame n is (5 n) % 256 (tests.
    device_simulator.clips), so frame 25, a second in, is 125."""
    assert message.video is not None, f"not a video: {message.text or message.caption}"
    return clips.first_frame_shade(message.video.content)


async def open_at_a_time(person: TelegramUser, channel_label: str | None) -> None:
    await person.tap("🎞 Recordings")
    if channel_label is not None:
        await person.tap(channel_label)
    await person.tap("🕑 At a time")


async def test_a_typed_moment_brings_the_clip_around_it(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator, telegram: Telegram
) -> None:
    record_around(nvr_simulator, at(8, 30))
    nvr_simulator.add_recording(channel=1, start=at(6), end=at(6, 10))
    await open_at_a_time(olivia, "1. Camera 01")
    assert olivia.last_message.text == PROMPT

    await olivia.send("half past eight")
    assert olivia.last_message.text == UNREADABLE
    await olivia.send("9:30")
    assert olivia.last_message.text == (
        "15 Jan 2026, 09:30 UTC is still to come: nothing is recorded yet. Send a moment that"
        " has passed."
    )
    await olivia.send("7:00")
    assert olivia.last_message.text == (
        "Nothing recorded on Camera 01 at 15 Jan 2026, 07:00 UTC. Recordings on that day:"
        " 06:00–06:10, 08:29–08:30.\nSend another moment, or /cancel to stop."
    )
    assert nvr_simulator.downloads == [], "nothing fetched"

    await olivia.send("8:30")
    clip = olivia.last_message
    assert clip.caption == (
        "🎞 Shop NVR · 1. Camera 01\nAround 15 Jan 2026, 08:30 UTC: 2 s from 08:29:59"
    )
    assert abs(first_frame_shade(clip) - 125) <= 3, "cut a second into the recording"
    (video_call,) = [call for call in telegram.api.calls if call.method == "sendVideo"]
    assert video_call.params.get("supports_streaming") == "true"
    assert len(nvr_simulator.downloads) == 1
    assert "🎞 Fetching the clip…" not in (olivia.messages[-2].text or ""), "progress went"

    await olivia.send("8:30")
    assert olivia.last_message.video is None, "the clip ended the step: a moment is not awaited"
    assert len(nvr_simulator.downloads) == 1


async def test_moments_are_read_and_shown_on_the_persons_clock(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    await olivia.send("/myaccount")
    await olivia.tap("🕒 Time zone")
    await olivia.send("Europe/Moscow")  # UTC+3: 09:00 UTC is 12:00 there
    record_around(nvr_simulator, at(23, 30, day=14))
    await open_at_a_time(olivia, "1. Camera 01")
    assert "on Europe/Moscow time" in (olivia.last_message.text or "")
    await olivia.send("yesterday 23:30")
    assert olivia.last_message.text == (
        "Nothing recorded on Camera 01 at 14 Jan 2026, 23:30 MSK, nor on the rest of that day."
        "\nSend another moment, or /cancel to stop."
    ), "23:30 UTC on the 14th is 02:30 on the 15th in Moscow"
    await olivia.send("01:00")
    assert olivia.last_message.text == (
        "Nothing recorded on Camera 01 at 15 Jan 2026, 01:00 MSK. Recordings on that day:"
        " 02:29–02:30.\nSend another moment, or /cancel to stop."
    )
    await olivia.send("02:30")
    assert olivia.last_message.caption == (
        "🎞 Shop NVR · 1. Camera 01\nAround 15 Jan 2026, 02:30 MSK: 2 s from 02:29:59"
    )


async def test_a_day_with_nothing_recorded(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    record_around(nvr_simulator, at(8, 30))
    await open_at_a_time(olivia, "3. Camera 03")
    await olivia.send("yesterday 14:30")
    assert olivia.last_message.text == (
        "Nothing recorded on Camera 03 at 14 Jan 2026, 14:30 UTC, nor on the rest of that day."
        "\nSend another moment, or /cancel to stop."
    )
    await olivia.send("/cancel")
    await olivia.send("8:30")
    assert olivia.last_message.video is None, "the step ended with /cancel"


async def test_playback_is_checked_again_when_the_moment_arrives(
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    nvr_simulator: DeviceSimulator,
) -> None:
    record_around(nvr_simulator, at(8, 30), channel=2)
    await share_channels(database, rita, [2], Permission.PLAYBACK)
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    forged = await rita.forge_callback("pbm:1:3")
    assert forged.show_alert and forged.text == NO_PLAYBACK
    await rita.send("8:30")
    assert rita.last_message.video is None, "no step began"
    await open_at_a_time(rita, None)  # one channel: straight to the days

    async with database.write() as session:
        (grant,) = await session.exec(
            select(Grant)
            .join(Channel, col(Channel.id) == Grant.channel_id)
            .where(Channel.number == 2)
        )
        grant.permissions = int(Permission.LIVE_VIEW)
    searches = len(nvr_simulator.searches)
    await rita.send("8:30")
    assert rita.last_message.text == NO_PLAYBACK
    assert len(nvr_simulator.searches) == searches and nvr_simulator.downloads == []
    await rita.send("8:30")
    assert rita.last_message.text != NO_PLAYBACK, "the step ended: a moment is not awaited"
    assert "I'm not waiting for a message right now" in rita.last_message.text


async def test_typed_moments_count_as_taps(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    await open_at_a_time(olivia, "1. Camera 01")
    searches = len(nvr_simulator.searches)
    for minute in range(10):
        await olivia.send(f"8:{minute:02d}")
        assert (olivia.last_message.text or "").startswith("Nothing recorded on Camera 01")
    await olivia.send("8:10")
    assert (olivia.last_message.text or "").startswith("Easy: too many taps. Try again in")
    assert len(nvr_simulator.searches) == searches + 10
    await olivia.send("8:10")
    assert (olivia.last_message.text or "").startswith("Easy: too many taps"), "still waiting"


async def test_a_moment_too_far_into_a_long_recording(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = len(nvr_simulator.recording_clip)
    monkeypatch.setattr(recordings, "READ_LIMIT_BYTES", size // 4)
    monkeypatch.setattr(recordings, "MIN_READ_BYTES", 0)
    nvr_simulator.add_recording(channel=1, start=at(6), end=at(8))
    await open_at_a_time(olivia, "1. Camera 01")
    await olivia.send("7:30")
    assert olivia.last_message.text == (
        "That moment lies too far into a long recording of Shop NVR, which began 15 Jan 2026,"
        " 06:00 UTC: I fetch clips from a recording's first minutes only. Try a moment nearer"
        " its start."
    )
    assert nvr_simulator.downloads == [], "refused before asking the device"
    await olivia.send("6:05")
    assert len(nvr_simulator.downloads) == 1, "near its start: asked of the device"


async def test_the_conversion_leaves_the_bot_free_for_others(
    olivia: TelegramUser,
    rita: TelegramUser,
    nvr_simulator: DeviceSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The remux runs in a worker thread: while it is held there, Rita's /help is answered."""
    converting, release = threading.Event(), threading.Event()
    convert = recordings.to_telegram_mp4

    def held_conversion(data: bytes, **cut: float) -> bytes:
        converting.set()
        release.wait(10)
        return convert(data, **cut)

    monkeypatch.setattr(recordings, "to_telegram_mp4", held_conversion)
    record_around(nvr_simulator, at(8, 30))
    await open_at_a_time(olivia, "1. Camera 01")
    clip = asyncio.create_task(olivia.send("8:30"))
    assert await asyncio.to_thread(converting.wait, 10)
    await rita.send("/help")
    assert rita.last_message.text, "answered while the clip converts"
    assert not clip.done()
    release.set()
    await clip
    assert olivia.last_message.video is not None
