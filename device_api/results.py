"""What device operations answer, independent of the protocol that got it."""

from dataclasses import dataclass


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
