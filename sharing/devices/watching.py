"""One long-lived event stream per connected device, kept open: reopened after it drops, with
backoff and jitter, and after the device's lock-out ends; closed when the device is
disconnected or its connection changes.

Each device has a task of its own, so a device that floods or stalls holds up only itself; what
each event costs is the domain's (`alarms.record_event` folds a burst into one notice each), so
a flood is folded, not queued. `reconcile` is called by a job with the connections there are
now: it is the one place where watching starts and stops, whatever changed them.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from device_api import DeviceError, DeviceEvent, DeviceLockedOut, EventKind, Heartbeat
from sharing.devices.connections import DeviceTarget

__all__ = ["DeviceEvent", "EventKind", "EventWatchers", "Heartbeat", "Throttle"]
"""The event types are the protocol's, named here for the handlers, which reach devices
through sharing only."""

log = logging.getLogger(__name__)

Alerts = AsyncIterator[DeviceEvent | Heartbeat]
OpenStream = Callable[[DeviceTarget], AbstractAsyncContextManager[Alerts]]
OnAlert = Callable[[DeviceTarget, DeviceEvent | Heartbeat], Awaitable[None]]

FIRST_RETRY_SECONDS = 1.0
LAST_RETRY_SECONDS = 300.0


@dataclass
class _Watch:
    target: DeviceTarget
    task: asyncio.Task[None]


@dataclass
class EventWatchers:
    open_stream: OpenStream
    on_alert: OnAlert
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    jitter: Callable[[], float] = field(default_factory=lambda: random.Random().random)
    _watches: dict[int, _Watch] = field(default_factory=dict)

    @property
    def watched(self) -> frozenset[int]:
        return frozenset(self._watches)

    async def reconcile(self, targets: list[DeviceTarget]) -> None:
        """Watch exactly these devices: start the new ones, restart the changed ones (another
        address or password), stop the ones no longer connected."""
        wanted = {target.device_id: target for target in targets}
        for device_id in list(self._watches):
            watch = self._watches[device_id]
            target = wanted.get(device_id)
            changed = target is None or target.fingerprint != watch.target.fingerprint
            if changed or watch.task.done():  # done: it failed in a way it could not wait out
                await self._stop(device_id)
        for device_id, target in wanted.items():
            if device_id not in self._watches:
                task = asyncio.create_task(self._watch(target), name=f"events-{device_id}")
                self._watches[device_id] = _Watch(target, task)

    async def close(self) -> None:
        for device_id in list(self._watches):
            await self._stop(device_id)

    async def _stop(self, device_id: int) -> None:
        watch = self._watches.pop(device_id)
        watch.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):  # logged where it came
            await watch.task

    async def _watch(self, target: DeviceTarget) -> None:
        failures = 0
        while True:
            try:
                async with self.open_stream(target) as alerts:
                    async for alert in alerts:
                        failures = 0
                        await self._deliver(target, alert)
                # The device ended the stream: reopen it, soon if it had been sending.
                failures += 1
                wait = _backoff(failures)
            except DeviceLockedOut as error:
                wait = float(error.unlock_in_seconds or LAST_RETRY_SECONDS)
            except DeviceError as error:
                failures += 1
                wait = _backoff(failures)
                log.info(
                    "event stream of device %s: %s; retry in %.0f s", target.device_id, error, wait
                )
            except Exception:
                # Not the device's doing (a closed client, a bug): logged, and waited out like
                # a failure, so that one device's trouble never ends its watching for good.
                failures += 1
                wait = _backoff(failures)
                log.exception("event stream of device %s failed", target.device_id)
            await self.sleep(wait * (0.5 + self.jitter()))

    async def _deliver(self, target: DeviceTarget, alert: DeviceEvent | Heartbeat) -> None:
        """An error in handling one event must not end the device's stream."""
        try:
            await self.on_alert(target, alert)
        except Exception:
            log.exception("handling an event of device %s failed", target.device_id)


def _backoff(failures: int) -> float:
    return min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), LAST_RETRY_SECONDS)


@dataclass
class Throttle:
    """Says yes to a device at most once per `every`: heartbeats come every few seconds, and
    counting each as a status check would write as often."""

    _last: dict[int, datetime] = field(default_factory=dict)

    def due(self, device_id: int, now: datetime, every: timedelta) -> bool:
        last = self._last.get(device_id)
        if last is not None and now - last < every:
            return False
        self._last[device_id] = now
        return True
