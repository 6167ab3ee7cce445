"""What device operations answer, independent of the protocol that got it."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DeviceInfo:
    serial_number: str  # in full, e.g. DS-2CD2386G2-IU20230101AAWRJ12345678
    model: str
    device_type: str  # as the device says it: IPCamera, IPDome, NVR, DVR...
    firmware_version: str
    device_name: str

    @property
    def label_serial(self) -> str:
        """The 9 characters printed on the device's label: the tail of the full serial."""
        return self.serial_number[-9:]


@dataclass(frozen=True)
class Channel:
    number: int
    name: str
    online: bool | None  # None: the device did not say


@dataclass(frozen=True)
class Preset:
    id: int
    name: str


@dataclass(frozen=True)
class Recording:
    """One recorded segment of a channel, as the device's content search found it.

    - `track_id`: the device's track, channel × 100 + 1 for the main stream (301: channel 3).
    - `start`, `end`: timezone-aware, in UTC.
    - `playback_uri`: the device's handle for the segment, opaque; it is what a download asks
      for.
    - `size_bytes`: the size the device announced for it (Hikvision puts `size=` in the URI);
      None when it did not.
    """

    track_id: int
    start: datetime
    end: datetime
    playback_uri: str
    size_bytes: int | None

    @property
    def channel(self) -> int:
        return self.track_id // 100
