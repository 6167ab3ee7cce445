"""A simulator for tests that are not async, e.g. a `python -m bot` process test.

`DeviceSimulator` lives in an event loop; a synchronous test has none running, so this
runs the simulator in a thread with a loop of its own and hands the test's controls over
to that loop:

    with SimulatorThread(nvr()) as device:
        environment["DEVICE_PORT"] = str(device.endpoint.port)
        device.call(lambda simulator: simulator.emit_event(channel=3))
        device.call_async(lambda simulator: simulator.release_requests())
        assert device.call(lambda simulator: simulator.failed_logins) == 0
"""

import asyncio
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self, TypeVar

from device_api import Credentials, Endpoint
from tests.device_simulator.models import DeviceModel
from tests.device_simulator.server import DeviceSimulator

T = TypeVar("T")
_START_LIMIT_SECONDS = 10.0  # guards against a hung start, never waited out otherwise


class SimulatorThread:
    def __init__(self, device: DeviceModel, *, clock: Callable[[], float] | None = None) -> None:
        self._simulator = DeviceSimulator(device, clock=clock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="device-simulator", daemon=True)

    @property
    def endpoint(self) -> Endpoint:
        return self._simulator.endpoint

    @property
    def credentials(self) -> Credentials:
        return self._simulator.credentials

    def call(self, control: Callable[[DeviceSimulator], T]) -> T:
        """Run `control` on the simulator in its own loop, and return what it returns."""

        async def in_loop() -> T:
            return control(self._simulator)

        return self._in_loop(in_loop())

    def call_async(self, control: Callable[[DeviceSimulator], Awaitable[T]]) -> T:
        """The same for a control that is a coroutine (`release_requests`, `go_away`...)."""

        async def in_loop() -> T:
            return await control(self._simulator)

        return self._in_loop(in_loop())

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._started.wait(_START_LIMIT_SECONDS):
            raise RuntimeError("the device simulator did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()

    def _in_loop(self, work: Awaitable[T]) -> T:
        assert self._loop is not None, "use the SimulatorThread in a with block"
        return asyncio.run_coroutine_threadsafe(_as_coroutine(work), self._loop).result()

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with self._simulator:
            self._started.set()
            await self._stop.wait()


async def _as_coroutine(work: Awaitable[T]) -> T:
    return await work
