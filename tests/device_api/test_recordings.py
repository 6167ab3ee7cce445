"""Recordings on the simulated recorder: the content search page by page, and downloads by
POST or GET, bounded, with their size announced for progress."""

import asyncio
import io
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import av
import pytest

from device_api import DeviceRefused, IsapiDriver, Recording, ResponseTooLarge
from media import to_telegram_mp4
from tests.device_api.conftest import DriverFor
from tests.device_simulator import DeviceSimulator

DOWNLOAD = "/ISAPI/ContentMgmt/download"
MORNING = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
PARIS_WINTER = timezone(timedelta(hours=1))


def quarter(number: int) -> tuple[datetime, datetime]:
    """The `number`th quarter of an hour from 08:00 UTC."""
    return MORNING + timedelta(minutes=15 * number), MORNING + timedelta(minutes=15 * (number + 1))


def record(device: DeviceSimulator, channel: int, *quarters: int) -> None:
    for number in quarters:
        start, end = quarter(number)
        device.add_recording(channel=channel, start=start, end=end)


async def download(driver: IsapiDriver, recording: Recording, max_bytes: int) -> bytes:
    async with driver.download_recording(recording, max_bytes=max_bytes) as incoming:
        return b"".join([chunk async for chunk in incoming.chunks])


async def test_a_search_finds_the_channels_segments_in_the_span_in_utc(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    record(nvr_simulator, 3, 1, 0, -8)  # -8: 06:00, before the span
    record(nvr_simulator, 4, 0)
    driver = driver_for(nvr_simulator)

    found = await driver.search_recordings(
        3,
        datetime(2026, 1, 15, 9, 0, tzinfo=PARIS_WINTER),
        datetime(2026, 1, 15, 10, 0, tzinfo=PARIS_WINTER),
    )

    clip_size = len(nvr_simulator.recording_clip)
    assert [(r.track_id, r.channel, r.start, r.end, r.size_bytes) for r in found] == [
        (301, 3, *quarter(0), clip_size),
        (301, 3, *quarter(1), clip_size),
    ]
    assert found[0].playback_uri == (
        "rtsp://192.168.1.64/Streaming/tracks/301/?starttime=20260115T080000Z"
        f"&endtime=20260115T081500Z&name=ch03_0000000000000002&size={clip_size}"
    )
    (search,) = nvr_simulator.searches
    assert search.track_ids == [301]
    assert (search.start_time, search.end_time) == ("2026-01-15T08:00:00Z", "2026-01-15T09:00:00Z")
    assert (search.max_results, search.position) == (50, 0)
    assert uuid.UUID(search.search_id).version == 4


async def test_a_search_pages_while_the_device_says_more(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    nvr_simulator.search_page_size = 2
    record(nvr_simulator, 1, 4, 0, 3, 1, 2)
    driver = driver_for(nvr_simulator)

    found = await driver.search_recordings(1, MORNING, MORNING + timedelta(hours=2))
    again = await driver.search_recordings(1, MORNING, MORNING + timedelta(hours=2))

    assert [recording.start for recording in found] == [quarter(n)[0] for n in range(5)]
    assert again == found
    first, second = nvr_simulator.searches[:3], nvr_simulator.searches[3:]
    assert [search.position for search in first] == [0, 2, 4]
    assert len({search.search_id for search in first}) == 1  # one search, three pages
    assert first[0].search_id != second[0].search_id  # a fresh ID for each search


async def test_nothing_recorded_is_an_empty_list(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    record(camera_simulator, 1, 0)

    found = await driver_for(camera_simulator).search_recordings(
        1, MORNING + timedelta(days=1), MORNING + timedelta(days=2)
    )

    assert found == []
    assert len(camera_simulator.searches) == 1


async def test_a_search_span_must_be_aware_and_forward(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = driver_for(camera_simulator)
    with pytest.raises(ValueError):
        await driver.search_recordings(1, MORNING.replace(tzinfo=None), MORNING)
    with pytest.raises(ValueError):
        await driver.search_recordings(1, MORNING, MORNING)
    assert camera_simulator.requests == []


async def test_a_recording_downloads_by_post_with_its_size_announced(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    record(nvr_simulator, 2, 0)
    driver = driver_for(nvr_simulator)
    (recording,) = await driver.search_recordings(2, *quarter(0))
    clip = nvr_simulator.recording_clip

    progress: list[tuple[int, int | None]] = []
    async with driver.download_recording(recording, max_bytes=len(clip)) as incoming:
        received = b""
        async for chunk in incoming.chunks:
            received += chunk
            progress.append((len(received), incoming.total_bytes))

    assert received == clip
    assert progress[-1] == (len(clip), len(clip))
    assert nvr_simulator.downloads == [("POST", recording.playback_uri)]


async def test_a_device_that_takes_get_gets_a_get_with_the_same_body(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    nvr_simulator.download_methods = {"GET"}
    record(nvr_simulator, 2, 0)
    driver = driver_for(nvr_simulator, max_concurrent=1)  # the refused POST gives its place back
    (recording,) = await driver.search_recordings(2, *quarter(0))

    assert await download(driver, recording, 1_000_000) == nvr_simulator.recording_clip
    assert [(r.method, r.path) for r in nvr_simulator.requests if r.path == DOWNLOAD] == [
        ("POST", DOWNLOAD),
        ("GET", DOWNLOAD),
    ]
    assert nvr_simulator.downloads == [("GET", recording.playback_uri)]


async def test_a_recording_announced_too_large_is_refused_before_asking(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    record(nvr_simulator, 2, 0)
    driver = driver_for(nvr_simulator)
    (recording,) = await driver.search_recordings(2, *quarter(0))

    with pytest.raises(ResponseTooLarge):
        await download(driver, recording, 1000)
    assert not any(r.path == DOWNLOAD for r in nvr_simulator.requests)

    with pytest.raises(ResponseTooLarge):  # the URI's size unknown: the Content-Length says it
        await download(driver, replace(recording, size_bytes=None), 1000)
    assert nvr_simulator.downloads == [("POST", recording.playback_uri)]


async def test_a_recording_of_unknown_size_is_cut_off_past_the_limit(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    nvr_simulator.recording_sizes_unknown = True
    record(nvr_simulator, 2, 0)
    driver = driver_for(nvr_simulator)
    (recording,) = await driver.search_recordings(2, *quarter(0))
    assert recording.size_bytes is None

    received = 0
    with pytest.raises(ResponseTooLarge):
        async with driver.download_recording(recording, max_bytes=10_000) as incoming:
            assert incoming.total_bytes is None
            async for chunk in incoming.chunks:
                received += len(chunk)
    assert received <= 10_000

    clip = nvr_simulator.recording_clip
    assert await download(driver, recording, len(clip)) == clip  # exactly the limit is fine


async def test_a_recording_gone_from_the_device_is_refused(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    record(nvr_simulator, 2, 0)
    driver = driver_for(nvr_simulator)
    (recording,) = await driver.search_recordings(2, *quarter(0))
    nvr_simulator.remove_recordings()  # the disk is a ring buffer

    with pytest.raises(DeviceRefused) as refused:
        await download(driver, recording, 1_000_000)
    assert refused.value.http_status == 403


async def test_a_downloaded_recording_converts_to_a_clip_for_telegram(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    record(camera_simulator, 1, 0)
    driver = driver_for(camera_simulator)
    (recording,) = await driver.search_recordings(1, *quarter(0))
    recorded = await download(driver, recording, 1_000_000)

    mp4 = await asyncio.to_thread(to_telegram_mp4, recorded, max_seconds=3)

    with av.open(io.BytesIO(mp4), mode="r") as clip:
        assert "mp4" in clip.format.name
        assert clip.streams.video[0].codec_context.name == "h264"
        assert clip.duration is not None and clip.duration / av.time_base <= 3
