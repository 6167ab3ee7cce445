"""Recorded video as a Hikvision recorder keeps it: the content search and the download
(DEVICES.md 1.6).

A test defines what each channel recorded (`DeviceSimulator.add_recording`); the search pages
through the segments overlapping the asked span, and the download serves the device's clip
for any segment it still has, or, on a device that downloads by time, a span of it asked by
the playbackURI with its starttime and endtime narrowed (`asked_span`).
"""

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from tests.device_simulator.models import DeviceModel

_WIRE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_URI_TIME = "%Y%m%dT%H%M%SZ"
_MAIN_STREAM = 1


@dataclass(frozen=True)
class StoredRecording:
    channel: int
    start: datetime
    end: datetime
    number: int  # the device's file number, part of its name

    @property
    def track_id(self) -> int:
        return self.channel * 100 + _MAIN_STREAM

    def playback_uri(self, size: int | None) -> str:
        """As devices write it: an RTSP URL with the span, the file name and its size."""
        size_parameter = "" if size is None else f"&size={size}"
        return (
            f"rtsp://192.168.1.64/Streaming/tracks/{self.track_id}/"
            f"?starttime={self.start.strftime(_URI_TIME)}&endtime={self.end.strftime(_URI_TIME)}"
            f"&name=ch{self.channel:02d}_{self.number:016d}{size_parameter}"
        )


@dataclass(frozen=True)
class ContentSearch:
    """A `CMSearchDescription` as the device read it."""

    search_id: str
    track_ids: list[int]
    start_time: str  # as sent, e.g. 2026-01-15T08:00:00Z
    end_time: str
    max_results: int
    position: int

    @property
    def span(self) -> tuple[datetime, datetime]:
        return _parse_wire_time(self.start_time), _parse_wire_time(self.end_time)


def read_search(body: bytes) -> ContentSearch | None:
    """The search asked, or None when the description is not one this device accepts: times
    not in UTC `YYYY-MM-DDThh:mm:ssZ`, or the position spelled `searchResultPosition` (the
    firmware knows only its own spelling, `searchResultPostion`)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    values: dict[str, list[str]] = {}
    for element in root.iter():
        values.setdefault(element.tag.rsplit("}", 1)[-1], []).append((element.text or "").strip())

    def one(name: str) -> str:
        return values.get(name, [""])[0]

    times = one("startTime"), one("endTime")
    numbers = one("maxResults"), one("searchResultPostion"), *values.get("trackID", [""])
    if not all(_WIRE_TIME.fullmatch(time) for time in times) or not one("searchID"):
        return None
    if not all(number.isdigit() for number in numbers):
        return None
    return ContentSearch(
        search_id=one("searchID"),
        track_ids=[int(track) for track in values["trackID"]],
        start_time=times[0],
        end_time=times[1],
        max_results=int(numbers[0]),
        position=int(numbers[1]),
    )


def matches(search: ContentSearch, recordings: list[StoredRecording]) -> list[StoredRecording]:
    """The segments of the searched tracks overlapping the span, oldest first."""
    start, end = search.span
    return sorted(
        (
            recording
            for recording in recordings
            if recording.track_id in search.track_ids
            and recording.start < end
            and recording.end > start
        ),
        key=lambda recording: recording.start,
    )


def search_result(
    device: DeviceModel,
    search: ContentSearch,
    page: list[StoredRecording],
    *,
    more: bool,
    size: int | None,
) -> bytes:
    """A `CMSearchResult` page: NO MATCHES when empty, MORE when matches remain past it."""
    status = "NO MATCHES" if not page else "MORE" if more else "OK"
    items = "".join(
        "<searchMatchItem>"
        f"<sourceID>{{0000000000-0000-0000-0000-000000000000}}</sourceID>"
        f"<trackID>{recording.track_id}</trackID>"
        f"<timeSpan><startTime>{recording.start.strftime('%Y-%m-%dT%H:%M:%SZ')}</startTime>"
        f"<endTime>{recording.end.strftime('%Y-%m-%dT%H:%M:%SZ')}</endTime></timeSpan>"
        "<mediaSegmentDescriptor><contentType>video</contentType>"
        "<codecType>H.264-BP</codecType>"
        f"<playbackURI>{escape(recording.playback_uri(size))}</playbackURI>"
        "</mediaSegmentDescriptor></searchMatchItem>"
        for recording in page
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<CMSearchResult version="2.0" xmlns="{device.namespace}">'
        f"<searchID>{escape(search.search_id)}</searchID>"
        f"<responseStatus>true</responseStatus><responseStatusStrg>{status}</responseStatusStrg>"
        f"<numOfMatches>{len(page)}</numOfMatches><matchList>{items}</matchList>"
        "</CMSearchResult>"
    ).encode()


def read_download(body: bytes) -> str | None:
    """The playbackURI a `downloadRequest` asks for; None if it is not one."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "playbackURI" and element.text:
            return element.text.strip()
    return None


def asked_span(uri: str, stored: StoredRecording, size: int | None) -> tuple[int, int] | None:
    """The seconds from the recording's start that a playbackURI narrowed to a span of it asks
    for, [first, last); None unless it is the recording's own URI, times aside, and the span
    lies within the recording."""
    base, __, query = uri.partition("?")
    fields = dict(field.partition("=")[::2] for field in query.split("&"))
    try:
        start = datetime.strptime(fields.pop("starttime", ""), _URI_TIME).replace(tzinfo=UTC)
        end = datetime.strptime(fields.pop("endtime", ""), _URI_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None
    own = stored.playback_uri(size)
    own_base, __, own_query = own.partition("?")
    own_fields = dict(field.partition("=")[::2] for field in own_query.split("&"))
    del own_fields["starttime"], own_fields["endtime"]
    if (base, fields) != (own_base, own_fields):
        return None
    if not stored.start <= start < end <= stored.end:
        return None
    first = int((start - stored.start).total_seconds())
    return first, first + int((end - start).total_seconds())


def _parse_wire_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
