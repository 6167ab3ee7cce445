"""The event watchers: one stream a device, reopened after it drops with growing waits (and
after a lock-out ends), restarted when the connection changes, stopped when it goes."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from device_api import DeviceEvent, DeviceLockedOut, DeviceUnreachable, EventKind, Heartbeat
from sharing.devices.connections import ConnectionRequest, DeviceTarget
from sharing.devices.watching import EventWatchers

CONNECTED_AT = datetime(2026, 1, 15, tzinfo=UTC)
EVENT = DeviceEvent(
    kind=EventKind.MOTION,
    channel=1,
    active=True,
    occurred_at=datetime(2026, 1, 15, tzinfo=UTC),
    event_type="VMD",
    description="",
    io_port=None,
)


def target(device_id: int, password: str = "pw") -> DeviceTarget:
    request = ConnectionRequest("http", "127.0.0.1", 80, False, "admin", password)
    return DeviceTarget(device_id, "NVR", "K98765432", request, password.encode(), CONNECTED_AT)


class Device:
    """A device's stream as the test scripts it: each opening takes the next act from `acts`,
    an exception to raise or alerts to give before the stream ends."""

    def __init__(self, *acts: Exception | list[DeviceEvent | Heartbeat]) -> None:
        self.acts = list(acts)
        self.opened = 0
        self.quiet = asyncio.Event()  # set when the script is done: the stream then waits

    @asynccontextmanager
    async def open(
        self, _target: DeviceTarget
    ) -> AsyncIterator[AsyncIterator[DeviceEvent | Heartbeat]]:
        self.opened += 1
        if not self.acts:
            self.quiet.set()
            await asyncio.Event().wait()  # a stream that stays open and silent
        act = self.acts.pop(0)
        if isinstance(act, Exception):
            raise act

        async def alerts() -> AsyncIterator[DeviceEvent | Heartbeat]:
            for alert in act:
                yield alert

        yield alerts()


async def test_a_dropped_stream_reopens_with_growing_waits_and_jitter() -> None:
    device = Device(
        DeviceUnreachable("refused"),
        DeviceUnreachable("refused"),
        [EVENT, EVENT],
        DeviceLockedOut(unlock_in_seconds=600),
    )
    heard: list[object] = []
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def on_alert(_target: DeviceTarget, alert: object) -> None:
        heard.append(alert)

    watchers = EventWatchers(device.open, on_alert, sleep=sleep, jitter=lambda: 0.5)
    await watchers.reconcile([target(1)])
    await device.quiet.wait()
    assert heard == [EVENT, EVENT]
    assert waits == [1.0, 2.0, 1.0, 600.0], "1 s, 2 s; reset by events; the lock's own time"
    assert device.opened == 5
    await watchers.close()


async def test_reconcile_starts_restarts_and_stops_streams() -> None:
    devices = {1: Device(), 2: Device()}

    @asynccontextmanager
    async def open_stream(
        chosen: DeviceTarget,
    ) -> AsyncIterator[AsyncIterator[DeviceEvent | Heartbeat]]:
        async with devices[chosen.device_id].open(chosen) as alerts:
            yield alerts

    async def on_alert(_target: DeviceTarget, _alert: object) -> None:
        raise AssertionError("nothing is said")

    watchers = EventWatchers(open_stream, on_alert)
    await watchers.reconcile([target(1), target(2)])
    await asyncio.gather(devices[1].quiet.wait(), devices[2].quiet.wait())
    assert watchers.watched == {1, 2}

    devices[1].quiet.clear()
    await watchers.reconcile([target(1, password="new")])
    await devices[1].quiet.wait()
    assert watchers.watched == {1}
    assert devices[1].opened == 2, "a new password: the stream reopened"
    await watchers.close()
    assert watchers.watched == frozenset()


async def test_a_failing_handler_does_not_end_the_stream() -> None:
    device = Device([EVENT, Heartbeat(received_at=datetime(2026, 1, 15, tzinfo=UTC))])
    heard: list[object] = []

    async def on_alert(_target: DeviceTarget, alert: object) -> None:
        heard.append(alert)
        if alert is EVENT:
            raise RuntimeError("the database hiccuped")

    async def sleep(_seconds: float) -> None:
        return None

    watchers = EventWatchers(device.open, on_alert, sleep=sleep)
    await watchers.reconcile([target(1)])
    await device.quiet.wait()
    assert len(heard) == 2
    await watchers.close()
