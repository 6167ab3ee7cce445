"""How odd answers are read, through `IsapiDriver(transport=...)`: answers the simulator has
no reason to give (a ResponseStatus failure in a 200, an entity bomb, a lock without a time)."""

import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from device_api import (
    Credentials,
    DeviceDriver,
    DeviceLockedOut,
    DeviceRefused,
    DeviceUnreachable,
    Endpoint,
    IsapiDriver,
    NotIsapi,
    NotSupported,
)
from device_api.isapi.session import DEFAULT_LOCK_SECONDS
from tests.device_simulator import DeviceSimulator, ManualClock

ENDPOINT = Endpoint(scheme="http", host="192.0.2.10", port=80)  # TEST-NET: never reached
DEVICE_INFO = (
    b'<DeviceInfo xmlns="http://www.std-cgi.com/ver20/XMLSchema"><deviceName>Shop</deviceName>'
    b"<model>DS-2CD1043G0-I</model><serialNumber>DS-2CD1043G0-I20200101AAWRE11111111"
    b"</serialNumber><firmwareVersion>V5.5.0</firmwareVersion><deviceType>IPCamera</deviceType>"
    b"</DeviceInfo>"
)


def _driver(
    answer: Callable[[httpx.Request], httpx.Response], clock: ManualClock | None = None
) -> tuple[IsapiDriver, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    driver = IsapiDriver(
        ENDPOINT,
        Credentials("admin", "secret-123"),
        timeout=1.0,
        max_concurrent=1,
        max_response_bytes=100_000,
        transport=httpx.MockTransport(handle),
        clock=clock or ManualClock(),
    )
    return driver, seen


def _xml(body: bytes, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(
        status, content=body, headers={"Content-Type": "application/xml"}
    )


async def test_the_std_cgi_namespace_reads_too() -> None:
    driver, _ = _driver(_xml(DEVICE_INFO))

    info = await driver.device_info()

    assert (info.model, info.firmware_version, info.label_serial) == (
        "DS-2CD1043G0-I",
        "V5.5.0",
        "E11111111",
    )


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "byte order mark"])
async def test_a_failed_response_status_inside_a_200_is_a_refusal(bom: bytes) -> None:
    body = bom + (
        b'<ResponseStatus xmlns="urn:psialliance-org"><statusCode>3</statusCode>'
        b"<statusString>Device Error</statusString><subStatusCode>deviceError</subStatusCode>"
        b"</ResponseStatus>"
    )
    driver, _ = _driver(_xml(body))

    with pytest.raises(DeviceRefused) as refused:
        await driver.snapshot(1)

    assert (refused.value.status_code, refused.value.sub_status) == (3, "deviceError")
    assert refused.value.http_status == 200


@pytest.mark.parametrize(
    "body",
    [
        b"<Wrong><model>x</model></Wrong>",
        b"\x00\x01garbage",
        b"<DeviceInfo><model>unclosed",
        b'<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><DeviceInfo>&b;</DeviceInfo>',
        b"<DeviceInfo><model>no serial</model></DeviceInfo>",
    ],
    ids=["wrong root", "garbage", "unclosed", "entities", "missing field"],
)
async def test_what_is_not_isapi_xml_is_refused(body: bytes) -> None:
    driver, _ = _driver(_xml(body))

    with pytest.raises(NotIsapi):
        await driver.device_info()


async def test_a_404_is_not_supported() -> None:
    driver, _ = _driver(lambda request: httpx.Response(404, text="Not Found"))

    with pytest.raises(NotSupported):
        await driver.ptz_presets(1)


async def test_a_lock_without_an_unlock_time_waits_the_default() -> None:
    locked = b"<userCheck><statusValue>401</statusValue><lockStatus>lock</lockStatus></userCheck>"
    clock = ManualClock()
    driver, seen = _driver(_xml(locked, status=401), clock)

    with pytest.raises(DeviceLockedOut) as lock:
        await driver.device_info()
    assert lock.value.unlock_in_seconds is None
    clock.advance(DEFAULT_LOCK_SECONDS - 1)
    with pytest.raises(DeviceLockedOut):
        await driver.device_info()

    assert len(seen) == 1


async def test_https_to_a_plain_http_device_is_unreachable(
    camera_simulator: DeviceSimulator,
) -> None:
    endpoint = Endpoint(scheme="https", host="127.0.0.1", port=camera_simulator.port)
    async with IsapiDriver(
        endpoint,
        camera_simulator.credentials,
        timeout=2.0,
        max_concurrent=1,
        max_response_bytes=1000,
    ) as driver:
        with pytest.raises(DeviceUnreachable):
            await driver.device_info()


def test_endpoint_urls() -> None:
    assert Endpoint("https", "fd12::5", 443, verify_tls=False).base_url == "https://[fd12::5]:443"
    assert Endpoint("http", "nvr.home.arpa", 8080).base_url == "http://nvr.home.arpa:8080"


def test_isapi_driver_is_a_device_driver() -> None:
    driver_class: type[DeviceDriver] = IsapiDriver  # mypy checks the protocol here
    assert driver_class is IsapiDriver


def test_device_api_imports_nothing_else_of_camshare() -> None:
    program = (
        "import sys, device_api; "
        "print(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'bot', 'handlers', 'sharing', 'storage', 'telegram', 'tests'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
