"""Fixtures for simulated devices; register with `pytest_plugins` in a conftest.

- `device_clock`: the devices' clock (monotonic seconds); give it to the driver as well.
- `camera_simulator`: a one-channel PTZ camera.
- `nvr_simulator`: a 16-channel NVR.
- `start_simulator`: `await start_simulator(model)` for any other `DeviceModel`.
Each simulator is stopped when the test ends.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest

from tests.device_simulator.clock import ManualClock
from tests.device_simulator.models import DeviceModel, nvr, ptz_camera
from tests.device_simulator.server import DeviceSimulator

StartSimulator = Callable[[DeviceModel], Awaitable[DeviceSimulator]]


@pytest.fixture
def device_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def start_simulator(device_clock: ManualClock) -> AsyncIterator[StartSimulator]:
    async with AsyncExitStack() as running:

        async def start(device: DeviceModel) -> DeviceSimulator:
            return await running.enter_async_context(DeviceSimulator(device, clock=device_clock))

        yield start


@pytest.fixture
async def camera_simulator(start_simulator: StartSimulator) -> DeviceSimulator:
    return await start_simulator(ptz_camera())


@pytest.fixture
async def nvr_simulator(start_simulator: StartSimulator) -> DeviceSimulator:
    return await start_simulator(nvr())
