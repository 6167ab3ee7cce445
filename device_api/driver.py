"""The interface the product uses to talk to a device, whatever the protocol behind it."""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Literal, Protocol, Self

from device_api.events import DeviceEvent, Heartbeat
from device_api.results import Channel, DeviceInfo, Preset, Recording

Alerts = AsyncIterator[DeviceEvent | Heartbeat]


@dataclass(frozen=True)
class Download:
    """A recording on its way. `total_bytes` is its size as the device announced it (None when
    it did not), for a progress bar; `chunks` are its bytes as they come. `between` is the part
    of the recording asked for, as sent (UTC, to the second), None for the whole recording: what
    the device was asked, not proof of what it sends."""

    total_bytes: int | None
    chunks: AsyncIterator[bytes]
    between: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class Endpoint:
    """Where the device answers. `verify_tls=False` accepts a self-signed certificate, which
    most recorders have; only the owner can decide that."""

    scheme: Literal["http", "https"]
    host: str
    port: int
    verify_tls: bool = True

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 literal
        return f"{self.scheme}://{host}:{self.port}"


@dataclass(frozen=True)
class Credentials:
    """A device account. The password never shows in a repr, a log line or an error."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"

    __str__ = __repr__


class DeviceDriver(Protocol):
    """One device, over one connection pool; `async with driver:` closes it at the end.

    Channels are numbered as the device numbers them, from 1. PTZ speeds are -100..100.
    Every method raises only `DeviceError`s (and `ValueError` for arguments out of range).
    """

    async def device_info(self) -> DeviceInfo: ...

    async def channels(self) -> list[Channel]: ...

    async def snapshot(self, channel: int) -> bytes:
        """A JPEG of the channel's main stream."""
        ...

    async def ptz_move(
        self, channel: int, *, pan: int, tilt: int, zoom: int, duration_ms: int
    ) -> None:
        """Move for `duration_ms`, then stop: the camera is never left moving."""
        ...

    async def ptz_presets(self, channel: int) -> list[Preset]: ...

    async def ptz_goto_preset(self, channel: int, preset_id: int) -> None: ...

    def alert_stream(self) -> AbstractAsyncContextManager[Alerts]:
        """The device's events and heartbeats, for as long as the block lasts:

            async with driver.alert_stream() as alerts:
                async for alert in alerts:
                    ...

        The iteration never ends by itself: a silent stream raises `DeviceTimeout`, a dropped
        or ended one `DeviceUnreachable`; the caller decides when to open it again.
        """
        ...

    async def search_recordings(
        self, channel: int, start: datetime, end: datetime
    ) -> list[Recording]:
        """The channel's recorded segments that overlap [start, end) (timezone-aware), oldest
        first; an empty list when there are none, or no storage to hold them."""
        ...

    async def downloads_by_time(self) -> bool:
        """Whether the device downloads a part of a recording between two times, rather than
        only whole recordings from their start. Asked of the device once per driver; a device
        that does not say counts as one that does not."""
        ...

    def download_recording(
        self,
        recording: Recording,
        *,
        max_bytes: int,
        between: tuple[datetime, datetime] | None = None,
    ) -> AbstractAsyncContextManager[Download]:
        """The recording's bytes, as the device stores them (MPEG-PS on Hikvision):

            async with driver.download_recording(recording, max_bytes=limit) as download:
                async for chunk in download.chunks:
                    ...

        `between` (timezone-aware) asks for that part of the recording only, widened to whole
        seconds, from a device that `downloads_by_time()` (`NotSupported` from any other,
        before asking it); `Download.between` says what was asked.

        `ResponseTooLarge` as soon as it is known to exceed `max_bytes`: before asking when
        the recording's announced size does (a whole recording), on opening when the device's
        Content-Length does, else when the bytes read pass it. A recording the device no longer
        has (its disk is a ring buffer) raises `DeviceRefused`.
        """
        ...

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
