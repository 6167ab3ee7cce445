"""Download by time: the device's DownloadAbility asked once per driver, and a part of a
recording asked with its playbackURI narrowed to the part's span (DEVICES.md 1.6)."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from device_api import (
    Credentials,
    DeviceTimeout,
    Endpoint,
    IsapiDriver,
    NotSupported,
    Recording,
)
from device_api.isapi.playback import download_request, narrowed_uri
from tests.device_api.conftest import DriverFor
from tests.device_simulator import DeviceSimulator, ManualClock
from tests.device_simulator.clips import recorded_span
from tests.device_simulator.models import DownloadByTime

CAPABILITIES = "/ISAPI/ContentMgmt/download/capabilities"
DOWNLOAD = "/ISAPI/ContentMgmt/download"
START = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)


def asked(device: DeviceSimulator, path: str) -> int:
    """Requests to `path` that got past Digest (a new connection's first is challenged)."""
    return sum(1 for r in device.requests if r.path == path and r.authenticated)


async def hour_recording(device: DeviceSimulator, driver: IsapiDriver) -> Recording:
    device.add_recording(channel=1, start=START, end=START + timedelta(hours=1))
    (recording,) = await driver.search_recordings(1, START, START + timedelta(hours=1))
    return recording


async def test_a_part_is_asked_with_the_playback_uri_narrowed_and_gets_that_part(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    nvr_simulator.device.download_by_time = "supported"
    driver = driver_for(nvr_simulator)
    recording = await hour_recording(nvr_simulator, driver)
    part = (START + timedelta(minutes=40, seconds=0.5), START + timedelta(minutes=40, seconds=2.2))

    async with driver.download_recording(recording, max_bytes=1_000_000, between=part) as got:
        received = b"".join([chunk async for chunk in got.chunks])

    widened = (START + timedelta(minutes=40), START + timedelta(minutes=40, seconds=3))
    assert got.between == widened, "whole seconds, the start down and the end up"
    assert received == recorded_span(2400, 3)
    assert got.total_bytes == len(received), "the part's Content-Length, not the recording's"
    size = len(nvr_simulator.recording_clip)
    assert nvr_simulator.downloads == [
        (
            "POST",
            "rtsp://192.168.1.64/Streaming/tracks/101/?starttime=20260115T084000Z"
            f"&endtime=20260115T084003Z&name=ch01_0000000000000001&size={size}",
        )
    ]


async def test_the_capability_is_asked_once_per_driver(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    nvr_simulator.device.download_by_time = "supported"
    driver = driver_for(nvr_simulator)
    recording = await hour_recording(nvr_simulator, driver)

    assert await asyncio.gather(*(driver.downloads_by_time() for _ in range(3))) == [True] * 3
    for minute in (10, 50):
        part = (START + timedelta(minutes=minute), START + timedelta(minutes=minute, seconds=2))
        async with driver.download_recording(recording, max_bytes=1_000_000, between=part) as got:
            assert b"".join([chunk async for chunk in got.chunks]) == recorded_span(minute * 60, 2)
    assert asked(nvr_simulator, CAPABILITIES) == 1

    assert await driver_for(nvr_simulator).downloads_by_time() is True
    assert asked(nvr_simulator, CAPABILITIES) == 2, "a new connection asks again"


@pytest.mark.parametrize("by_time", ["unsupported", "no capabilities"])
async def test_a_device_that_does_not_say_so_gets_no_part_request(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor, by_time: DownloadByTime
) -> None:
    nvr_simulator.device.download_by_time = by_time
    driver = driver_for(nvr_simulator)
    recording = await hour_recording(nvr_simulator, driver)

    assert await driver.downloads_by_time() is False
    with pytest.raises(NotSupported):
        part = (START, START + timedelta(seconds=2))
        async with driver.download_recording(recording, max_bytes=1_000_000, between=part):
            pass
    assert asked(nvr_simulator, DOWNLOAD) == 0
    assert asked(nvr_simulator, CAPABILITIES) == 1, "the no is remembered too"


def _driver(answers: list[Callable[[], httpx.Response]]) -> tuple[IsapiDriver, list[str]]:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return answers.pop(0)()

    driver = IsapiDriver(
        Endpoint(scheme="http", host="192.0.2.10", port=80),  # TEST-NET: never reached
        Credentials("admin", "secret-123"),
        timeout=1.0,
        max_concurrent=1,
        max_response_bytes=100_000,
        transport=httpx.MockTransport(handle),
        clock=ManualClock(),
    )
    return driver, seen


def _answer(body: bytes, status: int = 200) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(status, content=body, headers={"Content-Type": "application/xml"})


@pytest.mark.parametrize(
    "body",
    [
        b'<DownloadAbility xmlns="http://www.isapi.org/ver20/XMLSchema">'
        b"<isSupportDownloadbyFileName>true</isSupportDownloadbyFileName></DownloadAbility>",
        b'<DownloadAbility xmlns="urn:psialliance-org">'
        b"<isSupportDownloadbyTime>false</isSupportDownloadbyTime></DownloadAbility>",
        b"<DeviceInfo><model>DS-2CD1043G0-I</model></DeviceInfo>",
        b"<DownloadAbility><isSupportDownloadbyTime>true",
        b'<ResponseStatus xmlns="urn:psialliance-org"><statusCode>4</statusCode>'
        b"<subStatusCode>notSupport</subStatusCode></ResponseStatus>",
    ],
    ids=["element missing", "false", "another document", "not XML", "notSupport"],
)
async def test_anything_but_a_yes_is_a_no(body: bytes) -> None:
    driver, seen = _driver([_answer(body)])
    async with driver:
        assert await driver.downloads_by_time() is False
        assert await driver.downloads_by_time() is False
    assert seen == [CAPABILITIES]


async def test_a_yes_in_any_namespace_and_case() -> None:
    body = (
        b'<DownloadAbility version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">'
        b"<isSupportDownloadbyFileName>true</isSupportDownloadbyFileName>"
        b"<isSupportDownloadbyTime> True </isSupportDownloadbyTime></DownloadAbility>"
    )
    driver, __ = _driver([_answer(body)])
    async with driver:
        assert await driver.downloads_by_time() is True


async def test_a_device_that_does_not_answer_is_asked_again() -> None:
    def silent() -> httpx.Response:
        raise httpx.ReadTimeout("no answer")

    yes = b"<DownloadAbility><isSupportDownloadbyTime>true</isSupportDownloadbyTime>"
    yes += b"</DownloadAbility>"
    driver, seen = _driver([silent, _answer(yes)])
    async with driver:
        with pytest.raises(DeviceTimeout):
            await driver.downloads_by_time()
        assert await driver.downloads_by_time() is True
    assert seen == [CAPABILITIES, CAPABILITIES]


def test_the_narrowed_uri_keeps_the_devices_other_fields() -> None:
    part = (datetime(2026, 1, 15, 8, 40, tzinfo=UTC), datetime(2026, 1, 15, 8, 40, 30, tzinfo=UTC))
    uri = (
        "rtsp://10.0.0.5/Streaming/tracks/301/?StartTime=20260115T080000Z&name=ch03_07"
        "&endtime=20260115T090000Z&size=2901372"
    )
    assert narrowed_uri(uri, *part) == (
        "rtsp://10.0.0.5/Streaming/tracks/301/?StartTime=20260115T084000Z&name=ch03_07"
        "&endtime=20260115T084030Z&size=2901372"
    )
    assert narrowed_uri("rtsp://10.0.0.5/Streaming/tracks/101/?name=x", *part) == (
        "rtsp://10.0.0.5/Streaming/tracks/101/?name=x"
        "&starttime=20260115T084000Z&endtime=20260115T084030Z"
    )
    assert b"starttime=20260115T084000Z&amp;endtime=" in download_request(
        narrowed_uri("rtsp://d/?starttime=1&endtime=2", *part)
    ), "XML-escaped in the request's body"
