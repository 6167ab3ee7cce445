"""Device info and channel lists, from cameras, NVRs and DVRs in each namespace."""

import pytest

from device_api import Channel
from tests.device_api.conftest import DriverFor
from tests.device_simulator import (
    IPC_NAMESPACE,
    ISAPI_NAMESPACE,
    PSIA_NAMESPACE,
    hybrid_dvr,
    nvr,
    ptz_camera,
)
from tests.device_simulator.fixtures import StartSimulator

NAMESPACES = [IPC_NAMESPACE, ISAPI_NAMESPACE, PSIA_NAMESPACE]


@pytest.mark.parametrize("namespace", NAMESPACES)
async def test_camera_info_in_each_namespace(
    start_simulator: StartSimulator, driver_for: DriverFor, namespace: str
) -> None:
    camera = await start_simulator(
        ptz_camera(model="DS-2CD2386G2-IU", label_serial="J12345678", namespace=namespace)
    )

    info = await driver_for(camera).device_info()

    assert info.serial_number == "DS-2CD2386G2-IU20230101AAWRJ12345678"
    assert info.label_serial == "J12345678"
    assert (info.model, info.device_type, info.firmware_version) == (
        "DS-2CD2386G2-IU",
        "IPDome",
        "V5.7.18",
    )


@pytest.mark.parametrize("namespace", NAMESPACES)
async def test_nvr_info_in_each_namespace(
    start_simulator: StartSimulator, driver_for: DriverFor, namespace: str
) -> None:
    recorder = await start_simulator(nvr(firmware_version="V4.74.105", namespace=namespace))

    info = await driver_for(recorder).device_info()

    assert (info.device_type, info.firmware_version) == ("NVR", "V4.74.105")
    assert info.device_name == "Network Video Recorder"


async def test_a_camera_has_one_channel_online(camera_simulator, driver_for: DriverFor) -> None:
    assert await driver_for(camera_simulator).channels() == [Channel(1, "Gate", online=True)]


async def test_nvr_channels_say_which_are_offline(nvr_simulator, driver_for: DriverFor) -> None:
    nvr_simulator.device.channels[2].online = False  # channel 3 goes offline

    channels = await driver_for(nvr_simulator).channels()

    assert [channel.number for channel in channels] == list(range(1, 17))
    assert channels[0] == Channel(1, "Camera 01", online=True)
    assert channels[2] == Channel(3, "Camera 03", online=False)
    assert [channel.number for channel in channels if not channel.online] == [3]


async def test_nvr_firmware_without_online_leaves_it_unknown(
    start_simulator: StartSimulator, driver_for: DriverFor
) -> None:
    recorder = await start_simulator(nvr(channel_count=4, reports_online=False))

    channels = await driver_for(recorder).channels()

    assert [(channel.number, channel.online) for channel in channels] == [
        (1, None),
        (2, None),
        (3, None),
        (4, None),
    ]


async def test_nvr_channels_skip_the_analog_endpoint(nvr_simulator, driver_for) -> None:
    await driver_for(nvr_simulator).channels()

    paths = [record.path for record in nvr_simulator.requests if record.authenticated]
    assert "/ISAPI/System/Video/inputs/channels" not in paths
    assert "/ISAPI/ContentMgmt/InputProxy/channels/status" in paths


async def test_a_dvr_has_analog_then_ip_channels(
    start_simulator: StartSimulator, driver_for: DriverFor
) -> None:
    device = hybrid_dvr(analog_inputs=2, ip_channels=2)
    device.channels[1].online = False  # analog input 2 unplugged: NO VIDEO
    recorder = await start_simulator(device)

    channels = await driver_for(recorder).channels()

    assert channels == [
        Channel(1, "Analog 1", online=True),
        Channel(2, "Analog 2", online=False),
        Channel(3, "IP Camera 1", online=True),
        Channel(4, "IP Camera 2", online=True),
    ]
