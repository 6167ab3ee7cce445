"""Recorded video over ISAPI: the content search and the download request (DEVICES.md 1.6).

`POST /ISAPI/ContentMgmt/search` takes a `CMSearchDescription` and answers a `CMSearchResult`
page by page (`responseStatusStrg` OK, MORE or NO MATCHES); a match's `playbackURI` is then
asked of `/ISAPI/ContentMgmt/download` in a `downloadRequest`, whole or, where the device's
`DownloadAbility` says `isSupportDownloadbyTime`, narrowed to a span of it (`narrowed_uri`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from device_api.errors import NotIsapi
from device_api.isapi.xml import child, children, text
from device_api.results import Recording

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_WIRE_TIME = "%Y-%m-%dT%H:%M:%SZ"
_URI_TIME = "%Y%m%dT%H%M%SZ"
_URI_SPAN_FIELDS = ("starttime", "endtime")
_MORE = "MORE"
_NO_MATCHES = "NO MATCHES"


@dataclass(frozen=True)
class SearchPage:
    recordings: list[Recording]
    more: bool  # the device has matches past this page


def search_description(
    *,
    search_id: str,
    track_id: int,
    start: datetime,
    end: datetime,
    max_results: int,
    position: int,
) -> bytes:
    """A `CMSearchDescription` for one track over [start, end), times sent in UTC.

    `searchResultPostion` is spelled as the devices spell it: some reject the correct spelling.
    """
    return (
        f"{_DECLARATION}<CMSearchDescription>"
        f"<searchID>{escape(search_id)}</searchID>"
        f"<trackIDList><trackID>{track_id}</trackID></trackIDList>"
        "<timeSpanList><timeSpan>"
        f"<startTime>{_wire_time(start)}</startTime><endTime>{_wire_time(end)}</endTime>"
        "</timeSpan></timeSpanList>"
        f"<maxResults>{max_results}</maxResults>"
        f"<searchResultPostion>{position}</searchResultPostion>"
        "<metadataList><metadataDescriptor>//recordType.meta.std-cgi.com</metadataDescriptor>"
        "</metadataList></CMSearchDescription>"
    ).encode()


def search_page(root: Element) -> SearchPage:
    """A `CMSearchResult`: its matches, and whether the device has more."""
    status = (text(root, "responseStatusStrg") or "").upper()
    if status == _NO_MATCHES:
        return SearchPage([], more=False)
    found = child(root, "matchList")
    items = [] if found is None else children(found, "searchMatchItem")
    return SearchPage([_recording(item) for item in items], more=status == _MORE)


def download_request(playback_uri: str) -> bytes:
    return (
        f"{_DECLARATION}<downloadRequest>"
        f"<playbackURI>{escape(playback_uri)}</playbackURI></downloadRequest>"
    ).encode()


def narrowed_uri(playback_uri: str, start: datetime, end: datetime) -> str:
    """The playbackURI with its `starttime` and `endtime` replaced by [start, end) in UTC
    (`YYYYMMDDThhmmssZ`, the device's form), its other fields kept as the device wrote them.
    Fields it lacks are added at the end."""
    base, mark, query = playback_uri.partition("?")
    times = dict(zip(_URI_SPAN_FIELDS, (start, end), strict=True))
    fields = [] if not mark else query.split("&")
    narrowed: list[str] = []
    for field in fields:
        name = field.partition("=")[0]
        moment = times.pop(name.lower(), None)
        narrowed.append(field if moment is None else f"{name}={_uri_time(moment)}")
    narrowed += [f"{name}={_uri_time(moment)}" for name, moment in times.items()]
    return f"{base}?{'&'.join(narrowed)}"


def downloads_by_time(root: Element) -> bool:
    """Whether a `DownloadAbility` says `isSupportDownloadbyTime`: no element is a no."""
    return (text(root, "isSupportDownloadbyTime") or "").lower() == "true"


def _recording(item: Element) -> Recording:
    span = child(item, "timeSpan")
    segment = child(item, "mediaSegmentDescriptor")
    track = text(item, "trackID") or ""
    uri = None if segment is None else text(segment, "playbackURI")
    if span is None or not uri or not track.isdigit():
        raise NotIsapi("a searchMatchItem without trackID, timeSpan or playbackURI")
    return Recording(
        track_id=int(track),
        start=_device_time(text(span, "startTime")),
        end=_device_time(text(span, "endTime")),
        playback_uri=uri,
        size_bytes=_announced_size(uri),
    )


def _wire_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_WIRE_TIME)


def _uri_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_URI_TIME)


def _device_time(value: str | None) -> datetime:
    """A match's time; one without an offset is taken as UTC, the zone the search was in."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError as error:
        raise NotIsapi(f"a recording time that is not a time: {value!r}") from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _announced_size(uri: str) -> int | None:
    sizes = parse_qs(urlsplit(uri).query).get("size", [])
    return int(sizes[0]) if sizes and sizes[0].isascii() and sizes[0].isdigit() else None
