"""The devices the simulator can be: what each answers, after real captures (DEVICES.md).

- `ptz_camera`: a one-channel PTZ camera (deviceType IPDome, hikvision.com namespace). Its
  InputProxy endpoints answer 403, as on an IPC. `momentary_ptz=False` makes the variant that
  answers notSupport to a momentary move.
- `nvr`: an NVR with N IP channels (isapi.org namespace), names and `<online>` per channel;
  `reports_online=False` is the firmware that leaves `<online>` out, `proxy_pictures=True`
  the one whose main picture URL answers ResponseStatus 6 (use the StreamingProxy URL). Its
  analog-input endpoint answers 403, as on a pure NVR.
- `hybrid_dvr`: analog inputs (resDesc NO VIDEO when unplugged) followed by IP channels.

Every model has `download_by_time` (`DownloadByTime`): whether its DownloadAbility says
isSupportDownloadbyTime, and what it does with a playbackURI narrowed to a span.

Fields are mutable: a test turns a channel offline with `channel.online = False`.
"""

from dataclasses import dataclass, field
from typing import Literal

IPC_NAMESPACE = "http://www.hikvision.com/ver20/XMLSchema"
ISAPI_NAMESPACE = "http://www.isapi.org/ver20/XMLSchema"
PSIA_NAMESPACE = "urn:psialliance-org"

DeviceKind = Literal["camera", "nvr", "dvr"]
DownloadByTime = Literal["no capabilities", "unsupported", "supported", "claimed"]
"""- "no capabilities": older firmware, whose download/capabilities answers 404;
- "unsupported": DownloadAbility says false, and a narrowed playbackURI is refused as unknown;
- "supported": it says true, and serves a narrowed playbackURI with that span only;
- "claimed": it says true, and serves a narrowed playbackURI with the whole recording."""


@dataclass
class SimulatedChannel:
    number: int
    name: str
    online: bool = True
    analog: bool = False  # a DVR's own video input rather than an IP camera behind it
    ptz: bool = False
    presets: dict[int, str] = field(default_factory=dict)


@dataclass
class DeviceModel:
    kind: DeviceKind
    model: str
    device_type: str
    firmware_version: str
    serial_number: str
    device_name: str
    namespace: str
    channels: list[SimulatedChannel]
    momentary_ptz: bool = True
    reports_online: bool = True
    proxy_pictures: bool = False
    download_by_time: DownloadByTime = "unsupported"

    @property
    def realm(self) -> str:
        return f"IP Camera({self.model})" if self.kind == "camera" else self.model

    def channel(self, number: int) -> SimulatedChannel | None:
        return next((channel for channel in self.channels if channel.number == number), None)


def full_serial(model: str, label_serial: str, made: str = "20230101") -> str:
    """A serial as deviceInfo gives it: model, date, a batch code, then the 9-character
    serial printed on the label, e.g. DS-2CD2386G2-IU20230101AAWRJ12345678."""
    return f"{model}{made}AAWR{label_serial}"


def ptz_camera(
    *,
    model: str = "DS-2DE4425IW-DE",
    firmware_version: str = "V5.7.18",
    label_serial: str = "J12345678",
    namespace: str = IPC_NAMESPACE,
    momentary_ptz: bool = True,
) -> DeviceModel:
    return DeviceModel(
        kind="camera",
        model=model,
        device_type="IPDome",
        firmware_version=firmware_version,
        serial_number=full_serial(model, label_serial),
        device_name="IP DOME",
        namespace=namespace,
        channels=[
            SimulatedChannel(1, "Gate", ptz=True, presets={1: "Gate", 2: "Drive", 3: "Garden"})
        ],
        momentary_ptz=momentary_ptz,
    )


def nvr(
    *,
    channel_count: int = 16,
    model: str = "DS-7616NXI-K2",
    firmware_version: str = "V4.62.210",
    label_serial: str = "K98765432",
    namespace: str = ISAPI_NAMESPACE,
    reports_online: bool = True,
    proxy_pictures: bool = False,
) -> DeviceModel:
    return DeviceModel(
        kind="nvr",
        model=model,
        device_type="NVR",
        firmware_version=firmware_version,
        serial_number=full_serial(model, label_serial, made="20220615"),
        device_name="Network Video Recorder",
        namespace=namespace,
        channels=[
            SimulatedChannel(number, f"Camera {number:02d}")
            for number in range(1, channel_count + 1)
        ],
        reports_online=reports_online,
        proxy_pictures=proxy_pictures,
    )


def hybrid_dvr(
    *,
    analog_inputs: int = 4,
    ip_channels: int = 2,
    model: str = "iDS-7204HUHI-M1",
    namespace: str = ISAPI_NAMESPACE,
) -> DeviceModel:
    analog = [
        SimulatedChannel(number, f"Analog {number}", analog=True)
        for number in range(1, analog_inputs + 1)
    ]
    ip = [
        SimulatedChannel(analog_inputs + index, f"IP Camera {index}")
        for index in range(1, ip_channels + 1)
    ]
    return DeviceModel(
        kind="dvr",
        model=model,
        device_type="DVR",
        firmware_version="V4.71.000",
        serial_number=full_serial(model, "L11223344", made="20210301"),
        device_name="Embedded Net DVR",
        namespace=namespace,
        channels=analog + ip,
    )
