"""`IsapiDriver.alert_stream()` against the simulated device: typed alerts in order, every
failure a typed error, and memory bounded under a flood."""

import tracemalloc
from datetime import UTC, datetime

import pytest

from device_api import (
    Credentials,
    DeviceEvent,
    DeviceLockedOut,
    DeviceTimeout,
    DeviceUnreachable,
    EventKind,
    Heartbeat,
    IsapiDriver,
    NotIsapi,
    WrongCredentials,
)
from tests.device_api.conftest import DriverFor
from tests.device_simulator import DeviceSimulator, ManualClock

ALERT_STREAM = "/ISAPI/Event/notification/alertStream"
RECEIVED_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
# The simulator stamps events 2026-01-15 09:00 UTC plus its clock, which starts at 1000 s.
DEVICE_TIME = datetime(2026, 1, 15, 9, 16, 40, tzinfo=UTC)
WRONG = Credentials("admin", "not-the-password-1234")


def streaming_driver(
    driver_for: DriverFor, device: DeviceSimulator, **options: object
) -> IsapiDriver:
    return driver_for(device, wall_clock=lambda: RECEIVED_AT, **options)


async def stream_opened(device: DeviceSimulator) -> None:
    await device.wait_until(lambda simulator: simulator.open_alert_streams == 1)


async def test_events_and_heartbeats_arrive_typed_and_in_order(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = streaming_driver(driver_for, nvr_simulator)

    async with driver.alert_stream() as alerts:
        await stream_opened(nvr_simulator)
        nvr_simulator.emit_heartbeat()
        nvr_simulator.emit_event(channel=3, event_type="VMD")
        nvr_simulator.emit_event(channel=3, event_type="VMD", use_dyn_channel_id=True)
        nvr_simulator.emit_part(b"\xff\xd8\xff\xe0 a detection picture", "image/jpeg")
        nvr_simulator.emit_event(
            channel=3, event_type="linedetection", use_dyn_channel_id=True, description="gate"
        )
        nvr_simulator.emit_event(channel=5, event_type="fielddetection", state="inactive")
        nvr_simulator.emit_heartbeat()
        received = [await anext(alerts) for _ in range(6)]

    motion_on_3 = DeviceEvent(
        kind=EventKind.MOTION,
        channel=3,
        active=True,
        occurred_at=DEVICE_TIME,
        event_type="VMD",
        description="VMD alarm",
        io_port=None,
    )
    assert received == [
        Heartbeat(received_at=RECEIVED_AT),
        motion_on_3,  # as channelID
        motion_on_3,  # as dynChannelID
        DeviceEvent(
            kind=EventKind.LINE_CROSSING,
            channel=3,
            active=True,
            occurred_at=DEVICE_TIME,
            event_type="linedetection",
            description="gate",
            io_port=None,
        ),
        DeviceEvent(
            kind=EventKind.INTRUSION,
            channel=5,
            active=False,
            occurred_at=DEVICE_TIME,
            event_type="fielddetection",
            description="fielddetection alarm",
            io_port=None,
        ),
        Heartbeat(received_at=RECEIVED_AT),
    ]
    await nvr_simulator.wait_until(lambda simulator: simulator.open_alert_streams == 0)


async def test_ip_channels_numbered_from_33_are_mapped_once_the_channels_are_listed(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = streaming_driver(driver_for, nvr_simulator)

    async with driver.alert_stream() as alerts:
        await stream_opened(nvr_simulator)
        nvr_simulator.emit_event(channel=35)
        before = await anext(alerts)
        assert len(await driver.channels()) == 16
        nvr_simulator.emit_event(channel=35)
        nvr_simulator.emit_event(channel=16, use_dyn_channel_id=True)
        nvr_simulator.emit_event(channel=60)  # 28 is not a channel of this NVR either
        after = [await anext(alerts) for _ in range(3)]

    assert isinstance(before, DeviceEvent) and before.channel == 35  # as sent: nothing known
    assert [alert.channel for alert in after if isinstance(alert, DeviceEvent)] == [3, 16, 60]


async def test_the_stream_does_not_hold_a_request_place(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = streaming_driver(driver_for, camera_simulator, max_concurrent=1)

    async with driver.alert_stream():
        await stream_opened(camera_simulator)
        assert (await driver.device_info()).device_type == "IPDome"
        assert await driver.snapshot(1)

    assert camera_simulator.max_in_flight == 2  # the stream and one request beside it


@pytest.mark.parametrize("ending", ["end_alert_streams", "drop_alert_streams"])
async def test_the_device_ending_the_stream_is_an_error_the_caller_tells_from_its_own_close(
    camera_simulator: DeviceSimulator, driver_for: DriverFor, ending: str
) -> None:
    driver = streaming_driver(driver_for, camera_simulator)

    async with driver.alert_stream() as alerts:
        await stream_opened(camera_simulator)
        camera_simulator.emit_event(channel=1)
        assert isinstance(await anext(alerts), DeviceEvent)
        getattr(camera_simulator, ending)()
        with pytest.raises(DeviceUnreachable):
            await anext(alerts)


async def test_leaving_the_block_closes_the_stream_without_an_error(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = streaming_driver(driver_for, camera_simulator)

    async with driver.alert_stream() as alerts:
        await stream_opened(camera_simulator)
        camera_simulator.emit_event(channel=1)
        async for alert in alerts:
            assert isinstance(alert, DeviceEvent)
            break

    await camera_simulator.wait_until(lambda simulator: simulator.open_alert_streams == 0)
    async with driver.alert_stream():  # and it opens again
        await stream_opened(camera_simulator)


async def test_a_wrong_password_is_refused_once_and_a_lock_out_is_honoured(
    camera_simulator: DeviceSimulator, driver_for: DriverFor, device_clock: ManualClock
) -> None:
    driver = streaming_driver(driver_for, camera_simulator, credentials=WRONG)

    with pytest.raises(WrongCredentials) as refused:
        async with driver.alert_stream():
            pass
    assert refused.value.retries_left == 6
    assert camera_simulator.failed_logins == 1

    for _ in range(5):
        with pytest.raises(WrongCredentials):
            await driver.device_info()
    with pytest.raises(DeviceLockedOut):
        async with driver.alert_stream():
            pass
    requests_so_far = len(camera_simulator.requests)
    device_clock.advance(300)
    with pytest.raises(DeviceLockedOut) as locked:
        async with driver.alert_stream():
            pass
    assert locked.value.unlock_in_seconds == 300
    assert len(camera_simulator.requests) == requests_so_far  # the device heard nothing
    assert camera_simulator.open_alert_streams == 0


async def test_a_web_page_is_not_an_alert_stream(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    camera_simulator.not_isapi = True

    with pytest.raises(NotIsapi):
        async with streaming_driver(driver_for, camera_simulator).alert_stream():
            pass


async def test_a_silent_stream_times_out(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = streaming_driver(driver_for, camera_simulator, alert_read_timeout=0.2)

    async with driver.alert_stream() as alerts:
        await stream_opened(camera_simulator)
        camera_simulator.emit_heartbeat()
        assert isinstance(await anext(alerts), Heartbeat)
        with pytest.raises(DeviceTimeout):
            await anext(alerts)  # nothing more comes: 0.2 s later it is dead


async def test_a_device_that_accepts_and_never_answers_times_out_on_opening(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    camera_simulator.hold_requests(path=ALERT_STREAM)
    driver = streaming_driver(driver_for, camera_simulator, timeout=0.2)

    with pytest.raises(DeviceTimeout):
        async with driver.alert_stream():
            pass


async def test_a_device_gone_is_unreachable(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = streaming_driver(driver_for, camera_simulator)
    await camera_simulator.go_away()

    with pytest.raises(DeviceUnreachable):
        async with driver.alert_stream():
            pass


async def test_memory_stays_bounded_under_a_flood(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    """Ten megabytes of events and oversized pictures pass through; the reader's memory grows
    by a fraction of that, and every event arrives, in order."""
    driver = streaming_driver(driver_for, nvr_simulator)
    events, pictures, picture_bytes = 1000, 40, 256 * 1024

    async with driver.alert_stream() as alerts:
        await stream_opened(nvr_simulator)
        for index in range(events):
            nvr_simulator.emit_event(channel=1 + index % 16, description=f"flood {index}")
            if index % (events // pictures) == 0:
                nvr_simulator.emit_part(b"\xff" * picture_bytes, "image/jpeg")
        nvr_simulator.emit_heartbeat()
        tracemalloc.start()
        try:
            baseline, _ = tracemalloc.get_traced_memory()
            received = 0
            async for alert in alerts:
                if isinstance(alert, Heartbeat):
                    break
                assert alert.description == f"flood {received}"
                received += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert received == events
    assert peak - baseline < 2 * 1024 * 1024, peak - baseline  # 10 MB went through
