"""🕑 At a time, deep in an hour-long recording: a device that downloads by time sends only the
clip's part of it, so any moment arrives; one that does not is refused as before; one that
claims to but sends the whole recording is caught by the length of what it sends."""

import io
from datetime import UTC, datetime, timedelta

import av
import pytest

from bot.settings import Settings
from sharing.devices import recordings
from tests.device_simulator import DeviceSimulator, clips
from tests.device_simulator.clips import recorded_span
from tests.device_simulator.models import DownloadByTime
from tests.harness.state import ChatMessage
from tests.harness.users import TelegramUser

CLIP_SECONDS = 2
CAPABILITIES = "/ISAPI/ContentMgmt/download/capabilities"
TOO_FAR_IN = (
    "That moment lies too far into a long recording of Shop NVR, which began 15 Jan 2026,"
    " 07:50 UTC: I fetch clips from a recording's first minutes only. Try a moment nearer"
    " its start."
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"clip_seconds": CLIP_SECONDS})


@pytest.fixture
def hour_long(nvr_simulator: DeviceSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Channel 1 recorded 07:50 to 08:50 (the bot's clock says 09:00), and a download from a
    recording's start reaches a quarter of it: the simulator's recordings are small, so the
    200 MB that reach 7 minutes of a real one are made small with them."""
    nvr_simulator.add_recording(
        channel=1,
        start=datetime(2026, 1, 15, 7, 50, tzinfo=UTC),
        end=datetime(2026, 1, 15, 8, 50, tzinfo=UTC),
    )
    monkeypatch.setattr(recordings, "READ_LIMIT_BYTES", len(nvr_simulator.recording_clip) // 4)


def shown(message: ChatMessage) -> tuple[int, float]:
    """The video's first frame's brightness, and how long it lasts. The simulator's frame n of
    a recording, counted from its start, is (5 n) % 256 bright (tests.device_simulator.clips)."""
    assert message.video is not None, f"not a video: {message.text or message.caption}"
    with av.open(io.BytesIO(message.video.content)) as mp4:
        assert mp4.duration is not None
        seconds = mp4.duration / av.time_base
    return clips.first_frame_shade(message.video.content), seconds


def asked_capabilities(device: DeviceSimulator) -> int:
    return sum(1 for r in device.requests if r.path == CAPABILITIES and r.authenticated)


def shade_at(second: int) -> int:
    """The brightness of the recording's frame `second`s into it, as the decoder shows it: Y
    from video range (16 to 235) to full."""
    return max(0, min(255, round((second * 25 * 5 % 256 - 16) * 255 / 219)))


async def ask_at_a_time(person: TelegramUser, moment: str) -> ChatMessage:
    await person.tap("🎞 Recordings")
    await person.tap("1. Camera 01")
    await person.tap("🕑 At a time")
    await person.send(moment)
    return person.last_message


@pytest.mark.usefixtures("hour_long")
async def test_a_moment_forty_minutes_in_arrives_from_a_device_that_downloads_by_time(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    nvr_simulator.device.download_by_time = "supported"

    clip = await ask_at_a_time(olivia, "8:30")

    assert clip.caption == (
        "🎞 Shop NVR · 1. Camera 01\nAround 15 Jan 2026, 08:30 UTC: 2 s from 08:29:59"
    )
    shade, seconds = shown(clip)
    assert abs(shade - shade_at(39 * 60 + 59)) <= 3, "the recording's frame at 08:29:59"
    assert seconds == pytest.approx(CLIP_SECONDS, abs=0.1)
    ((method, uri),) = nvr_simulator.downloads
    assert method == "POST" and uri == (
        "rtsp://192.168.1.64/Streaming/tracks/101/?starttime=20260115T082959Z"
        f"&endtime=20260115T083001Z&name=ch01_0000000000000001"
        f"&size={len(nvr_simulator.recording_clip)}"
    ), "the recording's own playbackURI, narrowed to the clip"

    await olivia.tap("🕑 At a time")  # on the channel's screen, still in the chat
    await olivia.send("8:49:59")
    clip = olivia.last_message
    assert clip.caption == (
        "🎞 Shop NVR · 1. Camera 01\nAround 15 Jan 2026, 08:49 UTC: 2 s from 08:49:58"
    )
    assert abs(shown(clip)[0] - shade_at(59 * 60 + 58)) <= 3, "the end of the recording"
    assert len(nvr_simulator.downloads) == 2
    assert asked_capabilities(nvr_simulator) == 1, "asked once for the connection"


@pytest.mark.parametrize("by_time", ["unsupported", "no capabilities"])
@pytest.mark.usefixtures("hour_long")
async def test_without_download_by_time_the_moment_is_still_refused(
    olivia: TelegramUser,
    nvr_simulator: DeviceSimulator,
    monkeypatch: pytest.MonkeyPatch,
    by_time: DownloadByTime,
) -> None:
    nvr_simulator.device.download_by_time = by_time
    monkeypatch.setattr(recordings, "MIN_READ_BYTES", 0)  # 4 MB would hold a whole recording here

    assert (await ask_at_a_time(olivia, "8:30")).text == TOO_FAR_IN
    assert nvr_simulator.downloads == [], "refused before asking the device"
    await olivia.send("8:40")
    assert olivia.last_message.text == TOO_FAR_IN, "the step waits for another moment"
    assert nvr_simulator.downloads == []
    assert asked_capabilities(nvr_simulator) == 1


@pytest.mark.usefixtures("hour_long")
async def test_a_device_that_claims_it_but_sends_the_whole_recording_is_refused_as_one_without(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its Content-Length is the whole recording's, more than two seconds of an hour take."""
    nvr_simulator.device.download_by_time = "claimed"
    monkeypatch.setattr(recordings, "MIN_READ_BYTES", 0)

    assert (await ask_at_a_time(olivia, "8:30")).text == TOO_FAR_IN
    assert len(nvr_simulator.downloads) == 1, "asked by time, and found out by the answer"


async def test_a_whole_recording_sent_for_a_part_is_cut_at_the_moment(
    olivia: TelegramUser, nvr_simulator: DeviceSimulator
) -> None:
    """A minute-long recording: what the device sends for two seconds of it lasts a minute, so
    it is the recording from its start, and the clip is cut 9 s into it."""
    nvr_simulator.device.download_by_time = "claimed"
    nvr_simulator.recording_clip = recorded_span(0, 60)
    start = datetime(2026, 1, 15, 8, 29, 50, tzinfo=UTC)
    nvr_simulator.add_recording(channel=1, start=start, end=start + timedelta(minutes=1))

    clip = await ask_at_a_time(olivia, "8:30")

    assert clip.caption == (
        "🎞 Shop NVR · 1. Camera 01\nAround 15 Jan 2026, 08:30 UTC: 2 s from 08:29:59"
    )
    shade, seconds = shown(clip)
    assert abs(shade - shade_at(9)) <= 3, "9 s into the recording, not its start"
    assert seconds == pytest.approx(CLIP_SECONDS, abs=0.1)
