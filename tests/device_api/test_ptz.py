"""PTZ: momentary moves, the continuous fallback and its stop, presets."""

import asyncio

import pytest

from device_api import DeviceRefused, DeviceTimeout, Preset
from tests.device_api.conftest import DriverFor
from tests.device_simulator import DeviceSimulator, PtzMove, nvr, ptz_camera
from tests.device_simulator.fixtures import StartSimulator


class RecordingSleep:
    """Stands in for asyncio.sleep: records the pause, and can hold it for the test."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self.started = asyncio.Event()
        self.finish = asyncio.Event()
        self.finish.set()

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.started.set()
        await self.finish.wait()


async def test_a_momentary_move_is_sent_as_is(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    await driver_for(camera_simulator).ptz_move(1, pan=-30, tilt=20, zoom=0, duration_ms=400)

    assert camera_simulator.ptz_moves == [PtzMove(1, "momentary", -30, 20, 0, 400)]


async def test_without_momentary_it_moves_continuously_then_stops(
    start_simulator: StartSimulator, driver_for: DriverFor
) -> None:
    camera = await start_simulator(ptz_camera(momentary_ptz=False))
    sleep = RecordingSleep()

    await driver_for(camera, sleep=sleep).ptz_move(1, pan=50, tilt=0, zoom=10, duration_ms=300)

    assert camera.ptz_moves == [
        PtzMove(1, "continuous", 50, 0, 10, None),
        PtzMove(1, "continuous", 0, 0, 0, None),
    ]
    assert sleep.pauses == [0.3]


async def test_the_stop_is_sent_even_when_the_caller_is_cancelled(
    start_simulator: StartSimulator, driver_for: DriverFor
) -> None:
    camera = await start_simulator(ptz_camera(momentary_ptz=False))
    sleep = RecordingSleep()
    sleep.finish.clear()  # the move lasts until the caller gives up
    driver = driver_for(camera, sleep=sleep)

    move = asyncio.create_task(driver.ptz_move(1, pan=0, tilt=-40, zoom=0, duration_ms=5000))
    await sleep.started.wait()
    move.cancel()
    with pytest.raises(asyncio.CancelledError):
        await move
    await driver.aclose()  # waits for the stop on its way

    assert [move.is_stop for move in camera.ptz_moves] == [False, True]


async def test_a_move_the_camera_does_not_confirm_is_stopped(
    start_simulator: StartSimulator, driver_for: DriverFor
) -> None:
    camera = await start_simulator(ptz_camera(momentary_ptz=False))
    camera.hold_requests(1, path="/ISAPI/PTZCtrl/channels/1/continuous")  # the move, not the stop
    driver = driver_for(camera, timeout=0.5)  # time enough for the requests not held

    with pytest.raises(DeviceTimeout):
        await driver.ptz_move(1, pan=30, tilt=0, zoom=0, duration_ms=1000)

    assert camera.ptz_moves == [PtzMove(1, "continuous", 0, 0, 0, None)]  # the stop
    assert [record.path for record in camera.requests if record.method == "PUT"][-2:] == [
        "/ISAPI/PTZCtrl/channels/1/continuous",  # the move, still held
        "/ISAPI/PTZCtrl/channels/1/continuous",  # the stop
    ]


async def test_ptz_on_a_channel_without_ptz_is_refused(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    with pytest.raises(DeviceRefused) as refused:
        await driver_for(nvr_simulator).ptz_move(4, pan=10, tilt=0, zoom=0, duration_ms=200)

    assert refused.value.http_status == 403
    assert nvr_simulator.ptz_moves == []


async def test_a_refused_continuous_move_needs_no_stop(
    start_simulator: StartSimulator, driver_for: DriverFor
) -> None:
    camera = await start_simulator(ptz_camera(momentary_ptz=False))
    camera.device.channels[0].ptz = False  # the PTZ unit is disabled

    with pytest.raises(DeviceRefused):
        await driver_for(camera).ptz_move(1, pan=10, tilt=0, zoom=0, duration_ms=200)

    assert [record.path for record in camera.requests if record.authenticated] == [
        "/ISAPI/PTZCtrl/channels/1/momentary",
        "/ISAPI/PTZCtrl/channels/1/continuous",
    ]


async def test_speeds_out_of_range_are_refused_before_the_device(camera_simulator, driver_for):
    with pytest.raises(ValueError):
        await driver_for(camera_simulator).ptz_move(1, pan=101, tilt=0, zoom=0, duration_ms=200)

    assert camera_simulator.requests == []


async def test_presets_listed_and_visited(
    camera_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    driver = driver_for(camera_simulator)

    presets = await driver.ptz_presets(1)
    await driver.ptz_goto_preset(1, 2)

    assert presets == [Preset(1, "Gate"), Preset(2, "Drive"), Preset(3, "Garden")]
    assert camera_simulator.preset_gotos == [(1, 2)]


async def test_an_unknown_preset_is_refused(
    start_simulator: StartSimulator, driver_for: DriverFor
) -> None:
    recorder = await start_simulator(nvr(channel_count=2))
    recorder.device.channels[0].ptz = True

    with pytest.raises(DeviceRefused):
        await driver_for(recorder).ptz_goto_preset(1, 9)

    assert recorder.preset_gotos == []
