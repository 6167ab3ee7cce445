"""`DeviceSimulator`: a Hikvision device answering ISAPI on 127.0.0.1, for tests.

    async with DeviceSimulator(nvr(), clock=clock) as device:
        driver = IsapiDriver(device.endpoint, device.credentials, ...)

A Starlette app served by uvicorn on a free port, in the test's own event loop. Every
request passes the device's front door first (`_front`), which imitates what sits before
any ISAPI handler on a real device: the request log, the faults a test switches on, Digest
authentication and the "Illegal Login Lock". Nothing here waits on the wall clock: time is
the injected clock, and a held request waits for the test to release it.
"""

import asyncio
import contextlib
import socket
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator, Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Literal, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from device_api import Credentials, Endpoint
from tests.device_simulator import recordings, xml_bodies
from tests.device_simulator.alerts import MEDIA_TYPE, AlertStreams, frame
from tests.device_simulator.clips import h264_clip, recorded_span
from tests.device_simulator.clock import ManualClock
from tests.device_simulator.digest import DigestChallenger, Verdict
from tests.device_simulator.images import NORMAL_SIZE, OVERSIZED, channel_jpeg
from tests.device_simulator.models import DeviceModel, SimulatedChannel

HOST = "127.0.0.1"
USERNAME = "admin"
PASSWORD = "Cam-Share-2026"
MAX_FAILED_LOGINS = 7  # Hikvision's default "Max. Failure Attempts"
LOCK_SECONDS = 600  # and its default locking duration
_XML = "application/xml; charset=UTF-8"
_WAIT_LIMIT_SECONDS = 5.0  # a guard against a hung test, not a pause
_ALERT_EPOCH = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
_DOWNLOAD_CHUNK = 16 * 1024


@dataclass
class RequestRecord:
    method: str
    path: str
    authenticated: bool = False


@dataclass(frozen=True)
class PtzMove:
    channel: int
    kind: Literal["momentary", "continuous"]
    pan: int
    tilt: int
    zoom: int
    duration_ms: int | None  # momentary moves only

    @property
    def is_stop(self) -> bool:
        return self.kind == "continuous" and self.pan == self.tilt == self.zoom == 0


class DeviceSimulator:
    """One simulated device. Tests read and switch its state directly:

    - `requests`, `in_flight`, `answered`, `max_in_flight`, `failed_logins`, `ptz_moves`,
      `preset_gotos`
    - `password` (set another to make the driver's wrong), `not_isapi`, `oversized_pictures`,
      `chunked_pictures`, `device.channels[i].online`
    - `hold_requests(...)` / `release_requests(n)`: a device that accepts and does not answer
    - `go_away()`: the device disappears (its port closes)
    - `emit_event(...)`, `emit_heartbeat()`, `emit_part(body, content_type)` (a picture, or
      anything a test wants on the wire), `end_alert_streams()` (the body ends properly),
      `drop_alert_streams()` (the connection breaks mid-body); `open_alert_streams`
    - `add_recording(channel=, start=, end=)`, `remove_recordings()` (the ring buffer
      overwrote them); `searches` (each `ContentSearch` as read), `search_page_size`,
      `downloads` (method and playbackURI of each served); `recording_clip` (the bytes every
      download serves: a PyAV-made MPEG-PS of H.264 unless a test sets its own),
      `download_methods` (a method left out answers 405), `recording_sizes_unknown` (no
      `size=` in the URIs and no Content-Length on downloads); `device.download_by_time`
      (models.DownloadByTime) for the capability and what a narrowed playbackURI gets
    - `wait_until(condition)`: wait for the driver to have done something
    """

    def __init__(
        self,
        device: DeviceModel,
        *,
        clock: Callable[[], float] | None = None,
        max_failed_logins: int = MAX_FAILED_LOGINS,
        lock_seconds: int = LOCK_SECONDS,
    ) -> None:
        self.device = device
        self.clock = clock or ManualClock()
        self.username = USERNAME
        self.password = PASSWORD
        self.max_failed_logins = max_failed_logins
        self.lock_seconds = lock_seconds
        self.not_isapi = False
        self.oversized_pictures = False
        self.chunked_pictures = False  # no Content-Length: the client must count as it reads
        self.requests: list[RequestRecord] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.failed_logins = 0
        self.ptz_moves: list[PtzMove] = []
        self.preset_gotos: list[tuple[int, int]] = []
        self.recordings: list[recordings.StoredRecording] = []
        self.searches: list[recordings.ContentSearch] = []
        self.search_page_size = 40
        self.downloads: list[tuple[str, str]] = []
        self.download_methods = {"POST", "GET"}
        self.recording_sizes_unknown = False
        self._recording_clip: bytes | None = None
        self._failures_in_a_row = 0
        self._locked_until: float | None = None
        self._holds_left: int | None = 0  # requests still to hold; None: every one
        self._held_path: str | None = None  # hold only requests to this path
        self._waiting = 0  # requests held now
        self._release_permits = 0
        self._alert_posts = 0
        self._changed = asyncio.Condition()
        self._digest = DigestChallenger(device.realm)
        self._alerts = AlertStreams()
        self._app = Starlette(routes=self._routes())
        # IPPROTO_TCP, not 0: asyncio turns Nagle off only on sockets that say they are TCP,
        # and with Nagle on every answer on a kept-alive connection waits 40 ms for an ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._port: int | None = None
        self._server: _ServerLeavingSignals | None = None
        self._serving: asyncio.Task[None] | None = None

    # Where and who ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        """Kept after `go_away`: a driver pointed here then finds the port closed."""
        if self._port is None:
            raise RuntimeError("the simulator has not started")
        return self._port

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(scheme="http", host=HOST, port=self.port)

    @property
    def credentials(self) -> Credentials:
        """The account as the owner knows it; set `password` to change it on the device."""
        return Credentials(USERNAME, PASSWORD)

    @property
    def locked(self) -> bool:
        return self._locked_until is not None and self.clock() < self._locked_until

    @property
    def answered(self) -> int:
        """Requests the device has finished with."""
        return len(self.requests) - self.in_flight

    @property
    def open_alert_streams(self) -> int:
        return self._alerts.open_count

    # Starting and stopping --------------------------------------------------------------

    async def __aenter__(self) -> Self:
        # Bound and listening before uvicorn starts: an early connection waits in the backlog.
        self._socket.bind((HOST, 0))
        self._socket.listen(100)
        self._port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(
            self._front,
            interface="asgi3",
            lifespan="off",
            proxy_headers=False,
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self._server = _ServerLeavingSignals(config)
        self._serving = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.go_away()

    async def go_away(self) -> None:
        """The device disappears: held requests and alert streams end, the port closes."""
        if self._server is None or self._serving is None:
            return
        await self.release_requests()
        self._alerts.end_all()
        self._server.should_exit = True
        await self._serving
        self._socket.close()
        self._server = None

    # Faults and events ------------------------------------------------------------------

    def hold_requests(self, count: int | None = None, *, path: str | None = None) -> None:
        """Accept requests and do not answer them until released: the next `count` requests
        (every one from now on when None), or only those to `path` when given."""
        self._holds_left = count
        self._held_path = path

    async def release_requests(self, count: int | None = None) -> None:
        """Let `count` held requests through (the next ones if none is held yet), or with
        None every one held now, and stop holding."""
        async with self._changed:
            if count is None:
                self._holds_left = 0
                self._release_permits = self._waiting
            else:
                self._release_permits += count
            self._changed.notify_all()

    def emit_event(
        self,
        *,
        channel: int,
        event_type: str = "VMD",
        state: Literal["active", "inactive"] = "active",
        use_dyn_channel_id: bool = False,
        description: str | None = None,
    ) -> None:
        """Write one EventNotificationAlert part to every open alert stream."""
        self._alert_posts += 1
        moment = _ALERT_EPOCH + timedelta(seconds=self.clock())
        part = xml_bodies.event_alert(
            self.device,
            channel=channel,
            use_dyn_channel_id=use_dyn_channel_id,
            event_type=event_type,
            state=state,
            description=description or f"{event_type} alarm",
            date_time=moment.isoformat(timespec="seconds"),
            active_post_count=self._alert_posts,
        )
        self._alerts.push(frame(part))

    def emit_heartbeat(self) -> None:
        """A heartbeat is videoloss inactive; an NVR sends it for channel 0."""
        self.emit_event(
            channel=1 if self.device.kind == "camera" else 0,
            event_type="videoloss",
            state="inactive",
            description="videoloss alarm",
        )

    def emit_part(self, body: bytes, content_type: str) -> None:
        """Write one part of any content to every open alert stream."""
        self._alerts.push(frame(body, content_type))

    @property
    def recording_clip(self) -> bytes:
        if self._recording_clip is None:
            self._recording_clip = h264_clip()
        return self._recording_clip

    @recording_clip.setter
    def recording_clip(self, clip: bytes) -> None:
        self._recording_clip = clip

    def add_recording(self, *, channel: int, start: datetime, end: datetime) -> None:
        """A segment the channel recorded from `start` to `end` (timezone-aware)."""
        number = len(self.recordings) + 1
        self.recordings.append(
            recordings.StoredRecording(channel, start.astimezone(UTC), end.astimezone(UTC), number)
        )

    def remove_recordings(self) -> None:
        self.recordings.clear()

    def end_alert_streams(self) -> None:
        self._alerts.end_all()

    def drop_alert_streams(self) -> None:
        self._alerts.drop_all()

    async def wait_until(self, condition: Callable[["DeviceSimulator"], bool]) -> None:
        """Wait for requests to make `condition` true; TimeoutError if they do not soon."""
        async with asyncio.timeout(_WAIT_LIMIT_SECONDS), self._changed:
            await self._changed.wait_for(lambda: condition(self))

    # The front door ---------------------------------------------------------------------

    async def _front(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        record = RequestRecord(scope["method"], scope["path"])
        await self._arrived(record)
        try:
            # Received whole before any hold, as a device has it even if it never answers.
            receive = _replaying(await _read_body(receive), receive)
            await self._wait_while_held(record)
            if self.not_isapi:
                page = Response(xml_bodies.NOT_ISAPI_PAGE, media_type="text/html")
                await page(scope, receive, send)
            elif refusal := self._authenticate(scope, record):
                await refusal(scope, receive, send)
            else:
                await self._app(scope, receive, send)
        finally:
            await self._left()

    async def _arrived(self, record: RequestRecord) -> None:
        async with self._changed:
            self.requests.append(record)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._changed.notify_all()

    async def _left(self) -> None:
        async with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    async def _wait_while_held(self, record: RequestRecord) -> None:
        if self._holds_left == 0 or self._held_path not in (None, record.path):
            return
        if self._holds_left is not None:
            self._holds_left -= 1
        async with self._changed:
            self._waiting += 1
            await self._changed.wait_for(lambda: self._release_permits > 0)
            self._release_permits -= 1
            self._waiting -= 1

    def _authenticate(self, scope: Scope, record: RequestRecord) -> Response | None:
        """None when the request may go on; else the 401 the device answers."""
        if self._locked_until is not None and not self.locked:
            self._locked_until = None  # the lock has run out
        headers = dict(scope["headers"])
        authorization = headers.get(b"authorization", b"").decode("latin-1") or None
        uri = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            uri += "?" + scope["query_string"].decode("latin-1")
        if self.locked:
            return self._unauthorized()
        verdict = self._digest.verify(
            authorization,
            method=scope["method"],
            uri=uri,
            accounts={self.username: self.password},
        )
        if verdict is Verdict.RIGHT:
            self._failures_in_a_row = 0
            record.authenticated = True
            return None
        if verdict is Verdict.WRONG:
            self.failed_logins += 1
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= self.max_failed_logins:
                self._failures_in_a_row = 0
                self._locked_until = self.clock() + self.lock_seconds
        return self._unauthorized()

    def _unauthorized(self) -> Response:
        unlock_in = 0 if self._locked_until is None else int(self._locked_until - self.clock())
        body = xml_bodies.user_check(
            self.device,
            retries_left=0 if self.locked else self.max_failed_logins - self._failures_in_a_row,
            locked=self.locked,
            unlock_in_seconds=unlock_in,
        )
        return Response(
            body,
            status_code=401,
            media_type=_XML,
            headers={"WWW-Authenticate": self._digest.challenge()},
        )

    # ISAPI ------------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        ptz = "/ISAPI/PTZCtrl/channels/{channel:int}"
        return [
            Route("/ISAPI/System/deviceInfo", self._device_info),
            Route("/ISAPI/System/Video/inputs/channels", self._video_inputs),
            Route("/ISAPI/ContentMgmt/InputProxy/channels", self._proxy_channels),
            Route("/ISAPI/ContentMgmt/InputProxy/channels/status", self._proxy_status),
            Route("/ISAPI/Streaming/channels/{stream:int}/picture", self._picture),
            Route(
                "/ISAPI/ContentMgmt/StreamingProxy/channels/{stream:int}/picture",
                self._proxy_picture,
            ),
            Route(f"{ptz}/momentary", self._ptz_momentary, methods=["PUT"]),
            Route(f"{ptz}/continuous", self._ptz_continuous, methods=["PUT"]),
            Route(f"{ptz}/presets", self._ptz_presets),
            Route(f"{ptz}/presets/{{preset:int}}/goto", self._ptz_goto, methods=["PUT"]),
            Route("/ISAPI/Event/notification/alertStream", self._alert_stream),
            Route("/ISAPI/ContentMgmt/search", self._content_search, methods=["POST"]),
            Route("/ISAPI/ContentMgmt/download", self._download, methods=["GET", "POST"]),
            Route("/ISAPI/ContentMgmt/download/capabilities", self._download_capabilities),
        ]

    async def _device_info(self, request: Request) -> Response:
        return self._xml(xml_bodies.device_info(self.device))

    async def _video_inputs(self, request: Request) -> Response:
        inputs = [
            channel
            for channel in self.device.channels
            if channel.analog or self.device.kind == "camera"
        ]
        if not inputs:  # a pure NVR
            return self._not_supported(request)
        return self._xml(xml_bodies.video_inputs(self.device, inputs))

    async def _proxy_channels(self, request: Request) -> Response:
        if self.device.kind == "camera":
            return self._not_supported(request)
        return self._xml(xml_bodies.input_proxy_channels(self.device, self._ip_channels()))

    async def _proxy_status(self, request: Request) -> Response:
        if self.device.kind == "camera":
            return self._not_supported(request)
        return self._xml(xml_bodies.input_proxy_status(self.device, self._ip_channels()))

    async def _picture(self, request: Request) -> Response:
        channel = self._streamed_channel(request)
        if channel is None:
            return self._refused(request)
        if self.device.proxy_pictures and not channel.analog:
            return self._xml(
                xml_bodies.response_status(
                    self.device, request.url.path, 6, "Invalid XML Content", "badXmlContent"
                )
            )
        return self._jpeg(channel)

    async def _proxy_picture(self, request: Request) -> Response:
        channel = self._streamed_channel(request)
        if channel is None or self.device.kind == "camera":
            return self._refused(request)
        return self._jpeg(channel)

    async def _ptz_momentary(self, request: Request) -> Response:
        if not self.device.momentary_ptz:
            return self._not_supported(request)
        return await self._ptz_command(request, "momentary")

    async def _ptz_continuous(self, request: Request) -> Response:
        return await self._ptz_command(request, "continuous")

    async def _ptz_presets(self, request: Request) -> Response:
        channel = self._ptz_channel(request)
        if channel is None:
            return self._refused(request)
        return self._xml(xml_bodies.presets(self.device, channel))

    async def _ptz_goto(self, request: Request) -> Response:
        channel = self._ptz_channel(request)
        preset = int(request.path_params["preset"])
        if channel is None or preset not in channel.presets:
            return self._refused(request)
        self.preset_gotos.append((channel.number, preset))
        return self._ok(request)

    async def _alert_stream(self, request: Request) -> Response:
        return StreamingResponse(self._alerts.stream(self._changed), media_type=MEDIA_TYPE)

    async def _content_search(self, request: Request) -> Response:
        search = recordings.read_search(await request.body())
        if search is None:
            return self._status(request, 400, 6, "Invalid XML Content", "badXmlContent")
        self.searches.append(search)
        found = recordings.matches(search, self.recordings)
        end = search.position + min(search.max_results, self.search_page_size)
        page = found[search.position : end]
        body = recordings.search_result(
            self.device, search, page, more=end < len(found), size=self._announced_size()
        )
        return self._xml(body)

    async def _download(self, request: Request) -> Response:
        if request.method not in self.download_methods:
            return Response("Method Not Allowed", status_code=405, media_type="text/plain")
        uri = recordings.read_download(await request.body())
        if uri is None:
            return self._bad_xml(request)
        size = self._announced_size()
        clip = self._recorded(uri, size)
        if clip is None:
            return self._refused(request)  # overwritten since the search, or never there
        self.downloads.append((request.method, uri))
        chunks = [
            clip[start : start + _DOWNLOAD_CHUNK] for start in range(0, len(clip), _DOWNLOAD_CHUNK)
        ]
        headers = None if self.recording_sizes_unknown else {"Content-Length": str(len(clip))}
        return StreamingResponse(_iterate(chunks), media_type="video/mp2p", headers=headers)

    async def _download_capabilities(self, request: Request) -> Response:
        by_time = self.device.download_by_time
        if by_time == "no capabilities":
            return Response("Not Found", status_code=404, media_type="text/plain")
        supported = by_time in ("supported", "claimed")
        return self._xml(xml_bodies.download_ability(self.device, by_time=supported))

    def _recorded(self, uri: str, size: int | None) -> bytes | None:
        """What a download of `uri` serves: the recording's clip for its own URI; on a device
        that downloads by time, for a URI narrowed to a span of it, that span (or, where it
        only claims to, the whole clip). None: no such recording (any more)."""
        by_time = self.device.download_by_time in ("supported", "claimed")
        for stored in self.recordings:
            if stored.playback_uri(size) == uri:
                return self.recording_clip
            span = recordings.asked_span(uri, stored, size) if by_time else None
            if span is not None and self.device.download_by_time == "claimed":
                return self.recording_clip
            if span is not None:
                first, last = span
                return recorded_span(first, last - first)
        return None

    def _announced_size(self) -> int | None:
        return None if self.recording_sizes_unknown else len(self.recording_clip)

    async def _ptz_command(
        self, request: Request, kind: Literal["momentary", "continuous"]
    ) -> Response:
        channel = self._ptz_channel(request)
        if channel is None:
            return self._refused(request)
        try:
            data = ElementTree.fromstring(await request.body())
        except ElementTree.ParseError:
            return self._bad_xml(request)
        values = {element.tag.rsplit("}", 1)[-1]: element.text for element in data.iter()}
        try:
            move = PtzMove(
                channel=channel.number,
                kind=kind,
                pan=int(values.get("pan") or 0),
                tilt=int(values.get("tilt") or 0),
                zoom=int(values.get("zoom") or 0),
                duration_ms=int(values["duration"] or "") if kind == "momentary" else None,
            )
        except (KeyError, ValueError):
            return self._bad_xml(request)
        async with self._changed:
            self.ptz_moves.append(move)
            self._changed.notify_all()
        return self._ok(request)

    # Helpers ----------------------------------------------------------------------------

    def _ip_channels(self) -> list[SimulatedChannel]:
        return [channel for channel in self.device.channels if not channel.analog]

    def _streamed_channel(self, request: Request) -> SimulatedChannel | None:
        """The channel of stream id N01 (N02 and others are not simulated)."""
        channel_number, stream_type = divmod(int(request.path_params["stream"]), 100)
        channel = self.device.channel(channel_number)
        return channel if stream_type == 1 and channel is not None and channel.online else None

    def _ptz_channel(self, request: Request) -> SimulatedChannel | None:
        channel = self.device.channel(int(request.path_params["channel"]))
        return channel if channel is not None and channel.ptz else None

    def _jpeg(self, channel: SimulatedChannel) -> Response:
        picture = channel_jpeg(
            channel.number, OVERSIZED if self.oversized_pictures else NORMAL_SIZE
        )
        if self.chunked_pictures:
            chunks = [picture[start : start + 4096] for start in range(0, len(picture), 4096)]
            return StreamingResponse(_iterate(chunks), media_type="image/jpeg")
        return Response(picture, media_type="image/jpeg")

    def _xml(self, body: bytes, status_code: int = 200) -> Response:
        return Response(body, status_code=status_code, media_type=_XML)

    def _status(
        self, request: Request, http_status: int, code: int, text: str, sub_status: str
    ) -> Response:
        body = xml_bodies.response_status(self.device, request.url.path, code, text, sub_status)
        return self._xml(body, http_status)

    def _ok(self, request: Request) -> Response:
        return self._status(request, 200, 1, "OK", "ok")

    def _refused(self, request: Request) -> Response:
        """No such channel, or not permitted on it (e.g. PTZ on a fixed camera)."""
        return self._status(request, 403, 4, "Invalid Operation", "invalidOperation")

    def _not_supported(self, request: Request) -> Response:
        return self._status(request, 403, 4, "Invalid Operation", "notSupport")

    def _bad_xml(self, request: Request) -> Response:
        return self._status(request, 400, 5, "Invalid XML Format", "badXmlFormat")


async def _read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client hung up
            return body
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body read already, then what the connection says next."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class _ServerLeavingSignals(uvicorn.Server):
    """uvicorn takes SIGINT and SIGTERM while it serves and puts the old handlers back when it
    stops; simulators stopped out of order would leave Ctrl-C to a stopped server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def _iterate(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
