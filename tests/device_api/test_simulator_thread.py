"""The simulator in a thread of its own, driven from a synchronous test, as a process test is."""

import httpx

from tests.device_simulator import PtzMove, ptz_camera
from tests.device_simulator.threaded import SimulatorThread


def test_a_synchronous_test_drives_a_simulator_in_a_thread() -> None:
    with SimulatorThread(ptz_camera()) as device:
        auth = httpx.DigestAuth(device.credentials.username, device.credentials.password)
        with httpx.Client(base_url=device.endpoint.base_url, auth=auth, timeout=5) as client:
            info = client.get("/ISAPI/System/deviceInfo")
            moved = client.put(
                "/ISAPI/PTZCtrl/channels/1/momentary",
                content=b"<PTZData><pan>5</pan><tilt>0</tilt><zoom>0</zoom>"
                b"<Momentary><duration>100</duration></Momentary></PTZData>",
            )
        device.call(lambda simulator: setattr(simulator, "not_isapi", True))
        with httpx.Client(base_url=device.endpoint.base_url, timeout=5) as client:
            page = client.get("/ISAPI/System/deviceInfo")

        assert info.status_code == 200 and b"<deviceType>IPDome</deviceType>" in info.content
        assert moved.status_code == 200
        assert device.call(lambda simulator: simulator.ptz_moves) == [
            PtzMove(1, "momentary", 5, 0, 0, 100)
        ]
        assert page.headers["content-type"].startswith("text/html")
        assert device.call(lambda simulator: simulator.failed_logins) == 0
