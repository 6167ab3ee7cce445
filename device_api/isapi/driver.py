"""`DeviceDriver` for Hikvision devices, over ISAPI (HTTP + XML + Digest)."""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from xml.etree.ElementTree import Element

import httpx

from device_api.driver import Alerts, Credentials, Download, Endpoint
from device_api.errors import (
    DeviceLockedOut,
    DeviceRefused,
    DeviceUnreachable,
    NotIsapi,
    NotSupported,
    ResponseTooLarge,
    WrongCredentials,
)
from device_api.events import DeviceEvent, Heartbeat
from device_api.isapi import documents, playback
from device_api.isapi.alert_stream import boundary_of, read_alerts
from device_api.isapi.session import Answer, IsapiSession, StreamedAnswer
from device_api.isapi.xml import local_name, looks_like_xml, parse
from device_api.results import Channel, DeviceInfo, Preset, Recording

logger = logging.getLogger(__name__)

_JPEG_START = b"\xff\xd8\xff"
_INVALID_XML_CONTENT = 6  # what the main picture URL answers for an NVR's proxied channel
_MAIN_STREAM = 1
_RECORDERS = frozenset({"NVR", "DVR", "HVR", "DVS"})
_PTZ_SPEED = range(-100, 101)
_ALERT_STREAM = "/ISAPI/Event/notification/alertStream"
# Heartbeats come every 10 s on firmware 5.5 and later, 30 s on the subscription API: three
# missed ones is a dead stream, not a slow one.
DEFAULT_ALERT_READ_TIMEOUT = 90.0
# Some NVR firmware numbers IP channel N as 32 + N in its alerts (DEVICES.md 1.5).
_IP_CHANNEL_OFFSET = 32
_SEARCH = "/ISAPI/ContentMgmt/search"
_DOWNLOAD = "/ISAPI/ContentMgmt/download"
_DOWNLOAD_CAPABILITIES = "/ISAPI/ContentMgmt/download/capabilities"
_SEARCH_PAGE_SIZE = 50
# A day of one channel is a few hundred segments at most; a device saying MORE past this many
# pages is looping, and what was found is returned.
_MAX_SEARCH_PAGES = 40
_METHOD_NOT_ALLOWED = 405
# Answers by which the device refused a command: it did not act on it.
_SAID_NO = (DeviceRefused, NotSupported, NotIsapi, WrongCredentials, DeviceLockedOut)


class IsapiDriver:
    """A Hikvision camera, NVR or DVR. See `IsapiSession` for the rules of every request.

    `clock` (monotonic seconds) times the lock-out; `sleep` times a continuous PTZ move;
    `wall_clock` stamps heartbeats and events without a readable device time. Tests pass their
    own so that nothing waits on the wall clock. `transport` replaces httpx's, and with it the
    endpoint's TLS choice: it is for tests. `alert_read_timeout` is how long an open alert
    stream may stay silent before it counts as dead.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials,
        *,
        timeout: float,
        max_concurrent: int,
        max_response_bytes: int,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        alert_read_timeout: float = DEFAULT_ALERT_READ_TIMEOUT,
    ) -> None:
        self._session = IsapiSession(
            endpoint,
            credentials,
            timeout=timeout,
            max_concurrent=max_concurrent,
            max_response_bytes=max_response_bytes,
            transport=transport,
            clock=clock,
        )
        self._timeout = timeout
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._alert_read_timeout = alert_read_timeout
        self._device_type: str | None = None
        self._channel_numbers: frozenset[int] = frozenset()  # as the last `channels()` listed
        self._stops_in_flight: set[asyncio.Task[None]] = set()
        self._by_time: bool | None = None  # the device's answer, once asked
        self._asking_by_time = asyncio.Lock()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections, once any PTZ stop still on its way has been sent."""
        await asyncio.gather(*self._stops_in_flight, return_exceptions=True)
        await self._session.aclose()

    async def device_info(self) -> DeviceInfo:
        info = documents.device_info(await self._get_xml("/ISAPI/System/deviceInfo", "DeviceInfo"))
        self._device_type = info.device_type
        return info

    async def channels(self) -> list[Channel]:
        """A camera's one channel, a recorder's IP channels and, on a DVR, its analog inputs.

        A 403 or 404 on one of the lists means the device has no channels of that kind.
        """
        if self._device_type is None:
            await self.device_info()
        device_type = (self._device_type or "").upper()
        if device_type not in _RECORDERS:
            channels = [
                Channel(entry.number, entry.name, online=True)  # it answered just now
                for entry, _ in await self._analog_channels()
            ]
        else:
            analog = [] if device_type == "NVR" else await self._analog_channels()
            channels = [
                Channel(entry.number, entry.name, online)
                for entry, online in analog + await self._proxy_channels()
            ]
        self._channel_numbers = frozenset(channel.number for channel in channels)
        return channels

    async def snapshot(self, channel: int) -> bytes:
        """A JPEG from the main stream; an NVR's proxied channel from the StreamingProxy."""
        stream = channel * 100 + _MAIN_STREAM
        try:
            return await self._get_jpeg(f"/ISAPI/Streaming/channels/{stream}/picture")
        except DeviceRefused as refusal:
            if refusal.status_code != _INVALID_XML_CONTENT:
                raise
        return await self._get_jpeg(f"/ISAPI/ContentMgmt/StreamingProxy/channels/{stream}/picture")

    async def ptz_move(
        self, channel: int, *, pan: int, tilt: int, zoom: int, duration_ms: int
    ) -> None:
        """A momentary move, which the camera ends itself; without one, continuous then stop.

        The stop is sent even when the caller is cancelled: a lost stop leaves the camera
        turning. `aclose` waits for a stop still on its way.
        """
        if not all(speed in _PTZ_SPEED for speed in (pan, tilt, zoom)):
            raise ValueError("PTZ speeds are -100..100")
        if duration_ms <= 0:
            raise ValueError("a PTZ move lasts a positive number of milliseconds")
        base = f"/ISAPI/PTZCtrl/channels/{channel}"
        try:
            momentary = documents.ptz_data(pan=pan, tilt=tilt, zoom=zoom, duration_ms=duration_ms)
            await self._put(f"{base}/momentary", momentary)
            return
        except NotSupported:
            logger.debug("no momentary PTZ on channel %d: continuous with a stop", channel)
        continuous = f"{base}/continuous"
        try:
            await self._put(continuous, documents.ptz_data(pan=pan, tilt=tilt, zoom=zoom))
        except _SAID_NO:
            raise  # nothing turns, nothing to stop
        except BaseException:
            await self._stop_surely(continuous)  # the move may have reached the camera
            raise
        try:
            await self._sleep(duration_ms / 1000)
        finally:
            await self._stop_surely(continuous)

    async def ptz_presets(self, channel: int) -> list[Preset]:
        path = f"/ISAPI/PTZCtrl/channels/{channel}/presets"
        return documents.presets(await self._get_xml(path, "PTZPresetList"))

    async def ptz_goto_preset(self, channel: int, preset_id: int) -> None:
        await self._put(f"/ISAPI/PTZCtrl/channels/{channel}/presets/{preset_id}/goto", None)

    @contextlib.asynccontextmanager
    async def alert_stream(self) -> AsyncIterator[Alerts]:
        """The device's events and heartbeats as they come (`GET .../alertStream`).

        Opening raises as any request does (`WrongCredentials`, `DeviceLockedOut`, `NotIsapi`,
        `NotSupported`...). Iterating raises `DeviceTimeout` after `alert_read_timeout` seconds
        without a byte (heartbeats included) and `DeviceUnreachable` when the connection drops
        or the device ends the stream: it never just stops, so the end of the `async for` is
        always the caller's doing. The stream does not take one of the `max_concurrent`
        places, and memory stays bounded whatever the device sends (oversized parts dropped).

        Once `channels()` has listed the device's channels, an event on a channel outside that
        list whose number minus 32 is in it is given that channel: some NVR firmware numbers
        IP channel N as 32 + N. Before any `channels()` call, channels come as the device sent
        them.
        """
        async with self._session.stream(
            "GET", _ALERT_STREAM, read_timeout=self._alert_read_timeout, counted=False
        ) as answer:
            content_type = answer.header("content-type")
            if not content_type.lower().startswith("multipart/"):
                _raise_refusal(Answer(answer.status, await answer.read()))
                raise NotIsapi("the device answered the alert stream with no multipart body")
            try:
                boundary_of(content_type)
            except ValueError as error:
                raise NotIsapi(f"the alert stream's multipart is unreadable: {error}") from error
            async with contextlib.aclosing(self._alerts(answer, content_type)) as alerts:
                yield alerts

    async def _alerts(
        self, answer: StreamedAnswer, content_type: str
    ) -> AsyncGenerator[DeviceEvent | Heartbeat, None]:
        # Each generator closed in turn, so that leaving early leaves none to the collector.
        async with (
            contextlib.aclosing(answer.chunks()) as chunks,
            contextlib.aclosing(
                read_alerts(chunks, content_type, clock=self._wall_clock)
            ) as alerts,
        ):
            async for alert in alerts:
                yield self._on_listed_channel(alert)
        raise DeviceUnreachable("the device ended the alert stream")

    def _on_listed_channel(self, alert: DeviceEvent | Heartbeat) -> DeviceEvent | Heartbeat:
        if not isinstance(alert, DeviceEvent) or alert.channel is None:
            return alert
        listed = self._channel_numbers
        if alert.channel in listed or alert.channel - _IP_CHANNEL_OFFSET not in listed:
            return alert
        return replace(alert, channel=alert.channel - _IP_CHANNEL_OFFSET)

    async def search_recordings(
        self, channel: int, start: datetime, end: datetime
    ) -> list[Recording]:
        """The main stream's segments overlapping [start, end), page by page.

        One fresh searchID for all the pages of one search, the position moving on by what
        came: the device keeps the result set under that ID. "NO MATCHES" (no recording, or
        no disk) is an empty list.
        """
        if channel < 1:
            raise ValueError("channels are numbered from 1")
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if start >= end:
            raise ValueError("start must come before end")
        search_id = str(uuid.uuid4())
        recordings: list[Recording] = []
        for _ in range(_MAX_SEARCH_PAGES):
            description = playback.search_description(
                search_id=search_id,
                track_id=channel * 100 + _MAIN_STREAM,
                start=start,
                end=end,
                max_results=_SEARCH_PAGE_SIZE,
                position=len(recordings),
            )
            answer = await self._session.request("POST", _SEARCH, xml=description)
            _raise_refusal(answer)
            page = playback.search_page(_root(answer.body, "CMSearchResult"))
            recordings += page.recordings
            if not page.more or not page.recordings:
                return recordings
        logger.warning("content search: still MORE after %d pages", _MAX_SEARCH_PAGES)
        return recordings

    async def downloads_by_time(self) -> bool:
        """`isSupportDownloadbyTime` in `GET /ISAPI/ContentMgmt/download/capabilities`, asked
        once for the life of the driver (one connection) and remembered. An answer that is no
        `DownloadAbility` with that element true (404, notSupport, a refusal, not XML) is a
        no, remembered too; a device that does not answer (timeout, unreachable, refused
        credentials) raises, and is asked again next time.
        """
        async with self._asking_by_time:  # callers at once share one question
            if self._by_time is None:
                try:
                    root = await self._get_xml(_DOWNLOAD_CAPABILITIES, "DownloadAbility")
                    self._by_time = playback.downloads_by_time(root)
                except (NotSupported, DeviceRefused, NotIsapi) as error:
                    logger.debug("no download by time: %s", error)
                    self._by_time = False
            return self._by_time

    @contextlib.asynccontextmanager
    async def download_recording(
        self,
        recording: Recording,
        *,
        max_bytes: int,
        between: tuple[datetime, datetime] | None = None,
    ) -> AsyncIterator[Download]:
        """POST /ISAPI/ContentMgmt/download, or GET with the same body where the device answers
        POST with 405 or notSupport (HikLoad's devices take GET). The download holds one of
        the `max_concurrent` places until the block ends: the device works for it. Each read
        within `timeout`. A recording gone from the device raises `DeviceRefused`.

        With `between`, the playbackURI asked has its starttime and endtime replaced by that
        span, the start rounded down and the end up to whole seconds; `total_bytes` is then the
        device's Content-Length only, as the recording's announced size is the whole file's.
        """
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        uri = recording.playback_uri
        if between is not None:
            between = _whole_seconds(*between)
            if not await self.downloads_by_time():
                raise NotSupported("the device does not download recordings by time")
            uri = playback.narrowed_uri(uri, *between)
        elif recording.size_bytes is not None and recording.size_bytes > max_bytes:
            raise ResponseTooLarge(
                f"the recording is {recording.size_bytes} bytes, over {max_bytes}"
            )
        request = playback.download_request(uri)
        async with contextlib.AsyncExitStack() as held:
            answer = await self._open_download(held, "POST", request)
            if answer is None:
                logger.debug("no POST download on this device: GET with a body")
                answer = await self._open_download(held, "GET", request)
            if answer is None:
                raise NotSupported("the device downloads recordings by neither POST nor GET")
            declared = answer.declared_length
            announced = recording.size_bytes if between is None else None
            total = announced if declared is None else declared
            if total is not None and total > max_bytes:
                raise ResponseTooLarge(f"the recording is {total} bytes, over {max_bytes}")
            async with contextlib.aclosing(_at_most(answer, max_bytes)) as chunks:
                yield Download(total, chunks, between)

    async def _open_download(
        self, held: contextlib.AsyncExitStack, method: str, request: bytes
    ) -> StreamedAnswer | None:
        """The open answer, kept open in `held`; None when the device refuses this method
        (its place is given back first, so that the next attempt does not queue behind it)."""
        attempt = contextlib.AsyncExitStack()
        answer = await attempt.enter_async_context(
            self._session.stream(
                method, _DOWNLOAD, xml=request, read_timeout=self._timeout, counted=True
            )
        )
        try:
            refused = await _refuses_method(answer)
        except BaseException:
            await attempt.aclose()
            raise
        if refused:
            await attempt.aclose()
            return None
        await held.enter_async_context(attempt)
        return answer

    async def _analog_channels(self) -> list[tuple[documents.ChannelEntry, bool | None]]:
        root = await self._get_xml_if_any(
            "/ISAPI/System/Video/inputs/channels", "VideoInputChannelList"
        )
        return [] if root is None else documents.analog_channels(root)

    async def _proxy_channels(self) -> list[tuple[documents.ChannelEntry, bool | None]]:
        base = "/ISAPI/ContentMgmt/InputProxy/channels"
        root = await self._get_xml_if_any(base, "InputProxyChannelList")
        if root is None:
            return []
        status = await self._get_xml_if_any(f"{base}/status", "InputProxyChannelStatusList")
        online = {} if status is None else documents.proxy_online(status)
        return [(entry, online.get(entry.number)) for entry in documents.proxy_channels(root)]

    async def _get_xml_if_any(self, path: str, root_name: str) -> Element | None:
        """The document, or None where the device has no such endpoint (403 or 404)."""
        try:
            return await self._get_xml(path, root_name)
        except NotSupported:
            return None
        except DeviceRefused as refusal:
            if refusal.http_status == 403:
                return None
            raise

    async def _get_xml(self, path: str, root_name: str) -> Element:
        answer = await self._session.request("GET", path)
        _raise_refusal(answer)
        return _root(answer.body, root_name)

    async def _get_jpeg(self, path: str) -> bytes:
        answer = await self._session.request("GET", path)
        _raise_refusal(answer)
        if not answer.body.startswith(_JPEG_START):
            raise NotIsapi("the device answered a picture request with something not a JPEG")
        return answer.body

    async def _put(self, path: str, xml: bytes | None) -> None:
        answer = await self._session.request("PUT", path, xml=xml)
        _raise_refusal(answer)
        if answer.body.strip() and documents.response_status(answer.body) is None:
            raise NotIsapi("the device answered a command with something not a ResponseStatus")

    async def _stop_surely(self, path: str) -> None:
        """Send the stop in a task of its own, so that cancelling the caller cannot lose it."""
        stop = asyncio.create_task(self._put(path, documents.ptz_data(pan=0, tilt=0, zoom=0)))
        self._stops_in_flight.add(stop)
        stop.add_done_callback(_forget_stop(self._stops_in_flight))
        await asyncio.shield(stop)


async def _refuses_method(answer: StreamedAnswer) -> bool:
    """Whether the device refused the method (405, notSupport, 404); raises any other refusal,
    and `NotIsapi` for a success that is XML rather than video."""
    if answer.status == _METHOD_NOT_ALLOWED:
        return True
    if 200 <= answer.status < 300 and "xml" not in answer.header("content-type").lower():
        return False
    try:
        _raise_refusal(Answer(answer.status, await answer.read()))
    except NotSupported:
        return True
    raise NotIsapi("the device answered a download with XML, not a recording")


async def _at_most(answer: StreamedAnswer, max_bytes: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async with contextlib.aclosing(answer.chunks()) as chunks:
        async for chunk in chunks:
            received += len(chunk)
            if received > max_bytes:
                raise ResponseTooLarge(f"the recording is more than {max_bytes} bytes")
            yield chunk


def _whole_seconds(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[start, end) widened to whole seconds, in UTC; ValueError unless aware and forward."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if start >= end:
        raise ValueError("start must come before end")
    first = start.astimezone(UTC).replace(microsecond=0)
    last = end.astimezone(UTC)
    if last.microsecond:
        last = last.replace(microsecond=0) + timedelta(seconds=1)
    return first, last


def _root(body: bytes, root_name: str) -> Element:
    root = parse(body)
    if local_name(root) != root_name:
        raise NotIsapi(f"expected {root_name}, the device answered {local_name(root)}")
    return root


def _forget_stop(stops: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
    def forget(stop: asyncio.Task[None]) -> None:
        stops.discard(stop)
        if not stop.cancelled() and (error := stop.exception()) is not None:
            # Read here too: when the caller was cancelled, nobody else reads it.
            logger.warning("a PTZ stop failed: %s", error)

    return forget


def _raise_refusal(answer: Answer) -> None:
    """Raise what a refusal means: a failed ResponseStatus (even in a 200), a 403 or 404."""
    status = documents.response_status(answer.body)
    if status is not None and not status.ok:
        if (status.sub_status or "").lower() == "notsupport":
            raise NotSupported(f"the device does not support this ({status.sub_status})")
        raise DeviceRefused(status.status_code, status.sub_status, http_status=answer.status)
    if answer.status == 404:
        raise NotSupported("the device has no such endpoint (404)")
    if not 200 <= answer.status < 300:
        if not looks_like_xml(answer.body) and answer.body.strip():
            raise NotIsapi(f"the device answered HTTP {answer.status} without ISAPI XML")
        raise DeviceRefused(answer.status, None, http_status=answer.status)
