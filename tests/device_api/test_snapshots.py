"""Snapshots: the channel's own JPEG, the NVR's StreamingProxy, size limits, concurrency."""

import asyncio
import io

import pytest
from PIL import Image

from device_api import DeviceRefused, ResponseTooLarge
from tests.device_api.conftest import DriverFor
from tests.device_simulator import DeviceSimulator, nvr
from tests.device_simulator.fixtures import StartSimulator


def _picture(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    return image


async def test_a_snapshot_is_the_channels_jpeg(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = driver_for(nvr_simulator)

    seven, twelve = await driver.snapshot(7), await driver.snapshot(12)

    assert _picture(seven).size == (640, 360)
    assert _picture(seven).info["comment"] == b"channel 7"
    assert _picture(twelve).info["comment"] == b"channel 12"
    paths = [record.path for record in nvr_simulator.requests if record.authenticated]
    assert paths == [
        "/ISAPI/Streaming/channels/701/picture",
        "/ISAPI/Streaming/channels/1201/picture",
    ]


async def test_a_proxied_nvr_channel_comes_from_the_streaming_proxy(
    start_simulator: StartSimulator, driver_for: DriverFor
) -> None:
    recorder = await start_simulator(nvr(channel_count=4, proxy_pictures=True))

    jpeg = await driver_for(recorder).snapshot(2)

    assert _picture(jpeg).info["comment"] == b"channel 2"
    assert [record.path for record in recorder.requests if record.authenticated] == [
        "/ISAPI/Streaming/channels/201/picture",
        "/ISAPI/ContentMgmt/StreamingProxy/channels/201/picture",
    ]


async def test_an_offline_channel_is_refused(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    nvr_simulator.device.channels[4].online = False

    with pytest.raises(DeviceRefused) as refused:
        await driver_for(nvr_simulator).snapshot(5)

    assert (refused.value.http_status, refused.value.sub_status) == (403, "invalidOperation")


async def test_an_oversized_picture_arrives_whole(camera_simulator, driver_for) -> None:
    camera_simulator.oversized_pictures = True

    jpeg = await driver_for(camera_simulator).snapshot(1)

    assert _picture(jpeg).size == (6000, 4000)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_past_the_limit_is_refused(
    camera_simulator: DeviceSimulator, driver_for: DriverFor, chunked: bool
) -> None:
    camera_simulator.chunked_pictures = chunked
    driver = driver_for(camera_simulator, max_response_bytes=2_000)

    with pytest.raises(ResponseTooLarge):
        await driver.snapshot(1)
    assert (await driver.device_info()).device_type == "IPDome"  # the driver still works


async def test_no_more_than_max_concurrent_requests_reach_the_device(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = driver_for(nvr_simulator, max_concurrent=2)
    await driver.device_info()  # the Digest challenge, out of the way
    answered_before = nvr_simulator.answered
    nvr_simulator.hold_requests()

    snapshots = [asyncio.create_task(driver.snapshot(channel)) for channel in range(1, 11)]
    await nvr_simulator.wait_until(lambda device: device.in_flight == 2)
    for released in range(1, 11):  # one at a time: a third would arrive meanwhile if it could
        await nvr_simulator.release_requests(1)
        await _answered(nvr_simulator, answered_before + released)

    jpegs = await asyncio.gather(*snapshots)
    assert nvr_simulator.max_in_flight == 2
    assert [_picture(jpeg).info["comment"] for jpeg in jpegs] == [
        f"channel {channel}".encode() for channel in range(1, 11)
    ]


async def _answered(simulator: DeviceSimulator, count: int) -> None:
    await simulator.wait_until(lambda device: device.answered == count)
