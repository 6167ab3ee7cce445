"""The devices in use: one driver per connected device, kept open between taps, and the limits
that keep devices and Telegram comfortable.

- A driver is reused while its device's connection is unchanged (`DeviceTarget.fingerprint`); a
  new password or address opens a new one and closes the old.
- Snapshots of the same channel asked within `snapshot_reuse_seconds` share one device request
  (ten people tapping 🔄 at once cost the recorder one picture).
- Each person may tap snapshot, PTZ and Playback buttons (or type moments) `taps_per_window`
  times per `tap_window_seconds`; more is refused with `TooManyTaps` before any device is
  called.
- One recording is downloaded from a device at a time (`download_slot`): a second person is
  refused with `ClipInProgress` rather than queued behind a long download.
- Every device error becomes a refusal that names the device (`failures.refusal`).
- Credentials a device refused are not offered to it again (its logins lock out after a few):
  taps, checks and the event stream get the refusal without a request, until the owner gives
  the connection new ones.
- A target older than the device's newest (read before its owner changed or removed the
  connection) opens nothing: it would bring the old credentials back.
The per-device concurrency and the timeouts are the driver's (settings, bot/app.py).
"""

import asyncio
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from device_api import (
    DeviceDriver,
    DeviceError,
    DeviceEvent,
    DeviceRefused,
    DeviceUnreachable,
    Download,
    Heartbeat,
    Preset,
    Recording,
    RecordingSearch,
    WrongCredentials,
)
from sharing.devices.connections import DeviceTarget, serial_matches
from sharing.devices.failures import refusal, status_after
from sharing.devices.probing import DriverFactory
from sharing.devices.status import CheckResult
from sharing.errors import ClipInProgress, RecordingGone, TooManyTaps
from storage.models import DeviceStatus

T = TypeVar("T")
MANY = 256
"""Past this many people or pictures remembered, the stale ones are swept."""
Alerts = AsyncIterator[DeviceEvent | Heartbeat]


@dataclass(frozen=True)
class PtzMove:
    """Speeds from -100 to 100; the camera moves for `duration_ms`, then stops by itself."""

    pan: int = 0
    tilt: int = 0
    zoom: int = 0
    duration_ms: int = 500


@dataclass
class _Snapshot:
    taken_at: float
    picture: asyncio.Future[bytes]


class DevicePool:
    def __init__(
        self,
        open_driver: DriverFactory,
        *,
        clock: Callable[[], float],
        snapshot_reuse_seconds: float = 1.0,
        taps_per_window: int = 10,
        tap_window_seconds: float = 20.0,
    ) -> None:
        self._open_driver = open_driver
        self._clock = clock
        self._snapshot_reuse = snapshot_reuse_seconds
        self._taps_per_window = taps_per_window
        self._tap_window = tap_window_seconds
        self._drivers: dict[int, tuple[bytes, DeviceDriver]] = {}
        self._newest: dict[int, datetime] = {}
        self._refused: set[bytes] = set()
        self._snapshots: dict[tuple[int, int], _Snapshot] = {}
        self._taps: defaultdict[int, deque[float]] = defaultdict(deque)
        self._downloads: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    def take_tap(self, account_id: int) -> None:
        """Count one snapshot, PTZ or Playback tap of this person; TooManyTaps past the limit."""
        now = self._clock()
        if len(self._taps) > MANY:
            self._taps = defaultdict(
                deque, {a: q for a, q in self._taps.items() if q and q[-1] > now - self._tap_window}
            )
        taps = self._taps[account_id]
        while taps and taps[0] <= now - self._tap_window:
            taps.popleft()
        if len(taps) >= self._taps_per_window:
            raise TooManyTaps(retry_in_seconds=max(1, round(taps[0] + self._tap_window - now)))
        taps.append(now)

    async def snapshot(self, target: DeviceTarget, channel: int, *, fresh: bool = False) -> bytes:
        """A JPEG of the channel; `fresh` after a PTZ move, when an older picture would lie."""
        key = (target.device_id, channel)
        now = self._clock()
        if len(self._snapshots) > MANY:  # pictures past their second are of no more use
            self._snapshots = {
                k: s for k, s in self._snapshots.items() if now - s.taken_at <= self._snapshot_reuse
            }
        shared = self._snapshots.get(key)
        if fresh or shared is None or now - shared.taken_at > self._snapshot_reuse:
            shared = _Snapshot(
                taken_at=now,
                picture=asyncio.ensure_future(
                    self._call(target, lambda driver: driver.snapshot(channel))
                ),
            )
            self._snapshots[key] = shared
        try:
            return await asyncio.shield(shared.picture)
        except Exception:
            if self._snapshots.get(key) is shared:
                del self._snapshots[key]  # a failure is not kept for the next tap
            raise

    async def check(self, target: DeviceTarget) -> CheckResult:
        """Does the device answer, as itself, and which of its channels are online?"""
        try:
            driver = await self._driver(target)
            info = await driver.device_info()
            if not serial_matches(info.serial_number, target.serial):
                return CheckResult(DeviceStatus.NOT_A_DEVICE)
            return CheckResult(DeviceStatus.ONLINE, tuple(await driver.channels()))
        except DeviceError as error:
            self._note(target, error)
            return CheckResult(status_after(error))

    @asynccontextmanager
    async def alert_stream(self, target: DeviceTarget) -> AsyncIterator[Alerts]:
        """The device's event stream, on its pooled driver (`watching.EventWatchers` keeps one
        open per device). Device errors are the driver's own: the watcher waits them out."""
        try:
            driver = await self._driver(target)
            async with driver.alert_stream() as alerts:
                yield alerts
        except DeviceError as error:
            self._note(target, error)
            raise

    async def ptz_move(self, target: DeviceTarget, channel: int, move: PtzMove) -> None:
        await self._call(
            target,
            lambda driver: driver.ptz_move(
                channel,
                pan=move.pan,
                tilt=move.tilt,
                zoom=move.zoom,
                duration_ms=move.duration_ms,
            ),
        )

    async def presets(self, target: DeviceTarget, channel: int) -> list[Preset]:
        return await self._call(target, lambda driver: driver.ptz_presets(channel))

    async def goto_preset(self, target: DeviceTarget, channel: int, preset_id: int) -> None:
        await self._call(target, lambda driver: driver.ptz_goto_preset(channel, preset_id))

    async def search_recordings(
        self, target: DeviceTarget, search: RecordingSearch
    ) -> list[Recording]:
        return await self._call(target, search.run)

    @asynccontextmanager
    async def download_slot(self, target: DeviceTarget) -> AsyncIterator[None]:
        """The device's one download at a time; `ClipInProgress` while another is under way."""
        self.check_download_free(target)
        async with self._downloads[target.device_id]:
            yield

    def check_download_free(self, target: DeviceTarget) -> None:
        """`ClipInProgress` while the device's download is under way: a second person is told
        at once, before anything is sent."""
        if self._downloads[target.device_id].locked():
            raise ClipInProgress(device_name=target.device_name)

    async def downloads_by_time(self, target: DeviceTarget) -> bool:
        """Whether the device sends a part of a recording between two times (its driver asks
        the device once per connection)."""
        return await self._call(target, lambda driver: driver.downloads_by_time())

    @asynccontextmanager
    async def download(
        self,
        target: DeviceTarget,
        recording: Recording,
        *,
        max_bytes: int,
        between: tuple[datetime, datetime] | None = None,
    ) -> AsyncIterator[Download]:
        """The recording's bytes, or those `between` two times where the device
        `downloads_by_time` (take `download_slot` first). `RecordingGone` when the device no
        longer has it; other device errors, while opening or reading, as refusals."""
        try:
            driver = await self._driver(target)
            async with driver.download_recording(
                recording, max_bytes=max_bytes, between=between
            ) as download:
                yield download
        except DeviceRefused:
            raise RecordingGone(device_name=target.device_name) from None
        except DeviceError as error:
            self._note(target, error)
            raise refusal(error, device_name=target.device_name) from None

    async def forget(self, device_id: int, *, before: datetime) -> None:
        """Close the device's driver: its connection was removed or changed at `before`, and
        targets made earlier are leftovers from then on."""
        self._newest[device_id] = max(before, self._newest.get(device_id, before))
        entry = self._drivers.pop(device_id, None)
        if entry is not None:
            await entry[1].aclose()

    async def close(self) -> None:
        drivers = [driver for _, driver in self._drivers.values()]
        self._drivers.clear()
        for snapshot in self._snapshots.values():
            snapshot.picture.cancel()
        self._snapshots.clear()
        await asyncio.gather(*(driver.aclose() for driver in drivers), return_exceptions=True)

    async def _call(
        self, target: DeviceTarget, operation: Callable[[DeviceDriver], Awaitable[T]]
    ) -> T:
        try:
            driver = await self._driver(target)
            return await operation(driver)
        except DeviceError as error:
            self._note(target, error)
            raise refusal(error, device_name=target.device_name) from None

    def _note(self, target: DeviceTarget, error: DeviceError) -> None:
        if isinstance(error, WrongCredentials):
            self._refused.add(target.fingerprint)

    async def _driver(self, target: DeviceTarget) -> DeviceDriver:
        """The device's driver for `target`; WrongCredentials, without a request, for
        credentials it refused; DeviceUnreachable for a leftover target."""
        if target.fingerprint in self._refused:
            raise WrongCredentials(retries_left=None)
        if target.connected_at < self._newest.get(target.device_id, target.connected_at):
            raise DeviceUnreachable("the device's connection has changed since")
        self._newest[target.device_id] = target.connected_at
        entry = self._drivers.get(target.device_id)
        if entry is not None and entry[0] == target.fingerprint:
            return entry[1]
        # Replaced before the old one is closed, with no await between: a tap meanwhile finds
        # the new driver, never opens a second one.
        driver = self._open_driver(target.request.endpoint, target.request.credentials)
        self._drivers[target.device_id] = (target.fingerprint, driver)
        if entry is not None:
            await entry[1].aclose()
        return driver
