"""The device simulator's fixtures, and a driver factory pointed at a simulator."""

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import pytest

from device_api import Credentials, IsapiDriver
from tests.device_simulator import DeviceSimulator
from tests.device_simulator.fixtures import (  # noqa: F401 (fixtures)
    camera_simulator,
    device_clock,
    nvr_simulator,
    start_simulator,
)

DriverFor = Callable[..., IsapiDriver]


@pytest.fixture
async def driver_for() -> AsyncIterator[DriverFor]:
    """`driver_for(simulator, **options)`: an IsapiDriver on the simulator, on its clock."""
    async with AsyncExitStack() as drivers:

        def make(
            simulator: DeviceSimulator,
            *,
            credentials: Credentials | None = None,
            timeout: float = 5.0,
            max_concurrent: int = 2,
            max_response_bytes: int = 10_000_000,
            **options: object,
        ) -> IsapiDriver:
            driver = IsapiDriver(
                simulator.endpoint,
                credentials or simulator.credentials,
                timeout=timeout,
                max_concurrent=max_concurrent,
                max_response_bytes=max_response_bytes,
                clock=simulator.clock,
                **options,  # type: ignore[arg-type]
            )
            drivers.push_async_callback(driver.aclose)
            return driver

        yield make
