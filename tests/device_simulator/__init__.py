"""A Hikvision device on loopback for tests: real HTTP, Digest, ISAPI XML, JPEGs and alerts.

`DeviceSimulator` (server.py) serves one `DeviceModel` (models.py); fixtures.py gives tests
`camera_simulator`, `nvr_simulator` and `start_simulator` for any other model.
"""

from tests.device_simulator.clock import ManualClock
from tests.device_simulator.models import (
    IPC_NAMESPACE,
    ISAPI_NAMESPACE,
    PSIA_NAMESPACE,
    DeviceModel,
    SimulatedChannel,
    hybrid_dvr,
    nvr,
    ptz_camera,
)
from tests.device_simulator.server import DeviceSimulator, PtzMove, RequestRecord

__all__ = [
    "IPC_NAMESPACE",
    "ISAPI_NAMESPACE",
    "PSIA_NAMESPACE",
    "DeviceModel",
    "DeviceSimulator",
    "ManualClock",
    "PtzMove",
    "RequestRecord",
    "SimulatedChannel",
    "hybrid_dvr",
    "nvr",
    "ptz_camera",
]
