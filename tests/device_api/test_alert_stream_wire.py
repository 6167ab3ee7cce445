"""The simulator's alert stream, read over the wire: real multipart framing, test-pushed parts."""

from collections.abc import Callable

import httpx

from tests.device_simulator import DeviceSimulator


class PartReader:
    """Reads parts as a careful client does: headers, then exactly Content-Length bytes."""

    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.aiter_raw()
        self._buffer = b""

    async def next_part(self) -> tuple[dict[str, str], bytes]:
        await self._fill(lambda: b"\r\n\r\n" in self._buffer)
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        boundary, *header_lines = head.decode().split("\r\n")
        assert boundary == "--boundary"
        headers = dict(line.split(": ", 1) for line in header_lines)
        length = int(headers["Content-Length"])
        await self._fill(lambda: len(self._buffer) >= length + 2)
        body, ending, self._buffer = (
            self._buffer[:length],
            self._buffer[length : length + 2],
            self._buffer[length + 2 :],
        )
        assert ending == b"\r\n"
        return headers, body

    async def rest(self) -> bytes:
        return self._buffer + b"".join([chunk async for chunk in self._chunks])

    async def _fill(self, enough: Callable[[], bool]) -> None:
        while not enough():
            self._buffer += await anext(self._chunks)


async def test_events_and_heartbeats_arrive_as_multipart_parts(
    nvr_simulator: DeviceSimulator,
) -> None:
    auth = httpx.DigestAuth(nvr_simulator.username, nvr_simulator.password)
    async with (
        httpx.AsyncClient(base_url=nvr_simulator.endpoint.base_url, auth=auth) as client,
        client.stream("GET", "/ISAPI/Event/notification/alertStream") as response,
    ):
        assert response.headers["content-type"] == "multipart/mixed; boundary=boundary"
        await nvr_simulator.wait_until(lambda device: device.open_alert_streams == 1)
        parts = PartReader(response)

        nvr_simulator.emit_event(channel=3, event_type="VMD", state="active")
        headers, alert = await parts.next_part()
        assert headers["Content-Type"] == 'application/xml; charset="UTF-8"'
        assert b"<channelID>3</channelID>" in alert
        assert b"<eventType>VMD</eventType><eventState>active</eventState>" in alert

        nvr_simulator.emit_event(channel=8, event_type="linedetection", use_dyn_channel_id=True)
        _, alert = await parts.next_part()
        assert b"<dynChannelID>8</dynChannelID>" in alert

        nvr_simulator.emit_heartbeat()
        _, heartbeat = await parts.next_part()
        assert b"<channelID>0</channelID>" in heartbeat
        assert b"<eventType>videoloss</eventType><eventState>inactive</eventState>" in heartbeat

        nvr_simulator.end_alert_streams()
        assert await parts.rest() == b""  # the device hung up
    assert nvr_simulator.requests[-1].authenticated
