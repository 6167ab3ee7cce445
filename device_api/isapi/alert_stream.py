"""ISAPI's event stream, `GET /ISAPI/Event/notification/alertStream`, read without I/O.

The device keeps the response open and pushes a multipart/mixed body: each part is an
`EventNotificationAlert` (XML or JSON), a heartbeat, or a detection picture. Bytes come from the
device, so nothing here trusts them: chunks may split anywhere, parts may lack Content-Length, a
part may be huge or the stream pure garbage. Memory stays bounded and nothing raises on bad
input; what is dropped is counted.
"""

import json
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum, auto

from defusedxml import ElementTree

from device_api.events import DeviceEvent, EventKind, Heartbeat

logger = logging.getLogger(__name__)

DEFAULT_BOUNDARY = "boundary"
# RFC 2046 caps boundaries at 70 characters; a longer one is not a multipart stream we can read.
MAX_BOUNDARY_LENGTH = 70
# A part's header block is a few short lines; more than this without a blank line is garbage.
MAX_HEADER_BYTES = 4 * 1024

_BOUNDARY_PARAMETER = re.compile(r'boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_LONGEST_BLANK_LINE = len(b"\r\n\r\n")
_LINE_BREAK = re.compile(rb"\r?\n")
# Longer numbers than this (Content-Length, channel, port) are garbage.
_MAX_NUMBER_DIGITS = 18
# After `--boundary`: `--` closes the body; a line end (or transport padding) opens a part.
_OPENING_BYTES = frozenset(b"\r\n \t")
_CLOSING_MARK = b"--"


@dataclass(frozen=True, slots=True)
class Part:
    """One body part of the stream: its Content-Type header ("" when absent) and its bytes."""

    content_type: str
    body: bytes

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased: "application/xml"."""
        return self.content_type.partition(";")[0].strip().lower()


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a Content-Type header, quoted or not; "boundary" when absent.

    Hikvision sends `multipart/mixed; boundary=boundary`; the default covers devices that leave
    the parameter out.
    """
    match = _BOUNDARY_PARAMETER.search(content_type)
    if match is None:
        return DEFAULT_BOUNDARY
    boundary = match.group(1) if match.group(1) is not None else match.group(2)
    if not boundary:
        return DEFAULT_BOUNDARY
    if len(boundary) > MAX_BOUNDARY_LENGTH:
        raise ValueError(f"multipart boundary longer than {MAX_BOUNDARY_LENGTH} characters")
    return boundary


class _State(Enum):
    SEEKING = auto()  # before the first delimiter, or after a sized body: a delimiter anywhere
    HEADERS = auto()  # just after a delimiter, up to the blank line
    SIZED_BODY = auto()  # Content-Length known and within the limit
    UNSIZED_BODY = auto()  # no Content-Length: up to the next line-started delimiter
    SKIPPING_SIZED = auto()  # over the limit: dropping Content-Length bytes as they come
    SKIPPING_UNSIZED = auto()  # over the limit: dropping up to the next line-started delimiter
    CLOSED = auto()  # after `--boundary--`: the epilogue is ignored


@dataclass(frozen=True, slots=True)
class _Delimiter:
    start: int  # where the data before the delimiter ends
    end: int  # just past `--boundary` (or past the closing `--`)
    closing: bool


class AlertStreamParser:
    """An incremental multipart/mixed parser for the alert stream.

    `feed` takes the response body's chunks as they arrive, split anywhere, and returns the parts
    completed so far. A part longer than `max_part_bytes` is dropped as it streams by, never
    held whole, and counted in `skipped_parts`. The buffer never holds more than
    `max_buffer_bytes`, whatever the device sends: a chunk is taken in slices that fit, and
    bytes that cannot start a delimiter are dropped at once.
    """

    def __init__(
        self,
        content_type: str,
        *,
        max_part_bytes: int = 64 * 1024,
        max_buffer_bytes: int = 1024 * 1024,
    ) -> None:
        boundary = boundary_of(content_type).encode("latin-1")
        self._delimiter = b"--" + boundary
        # Inside a body only a delimiter at the start of a line ends it (RFC 2046); the CR
        # before the LF belongs to the delimiter and is taken off the body.
        self._line_delimiter = b"\n" + self._delimiter
        # The longest a delimiter and the bytes that decide it can be.
        self._lookahead = len(self._line_delimiter) + len(_CLOSING_MARK)
        if max_part_bytes < 1:
            raise ValueError("max_part_bytes must be positive")
        if max_buffer_bytes <= max(max_part_bytes, MAX_HEADER_BYTES) + self._lookahead:
            raise ValueError("max_buffer_bytes must exceed max_part_bytes plus a delimiter")
        self._max_part_bytes = max_part_bytes
        self._max_buffer_bytes = max_buffer_bytes
        self._buffer = bytearray()
        self._state = _State.SEEKING
        self._part_content_type = ""
        self._remaining = 0  # bytes of the current sized body still expected
        self._scanned = 0  # how far the current unsized body has been searched
        self.skipped_parts = 0
        """Parts dropped for being longer than max_part_bytes or having unreadable headers."""

    @property
    def buffered_bytes(self) -> int:
        """How many bytes the parser holds now; never more than max_buffer_bytes."""
        return len(self._buffer)

    @property
    def closed(self) -> bool:
        """Whether the device ended the multipart body with `--boundary--`."""
        return self._state is _State.CLOSED

    def feed(self, chunk: bytes) -> list[Part]:
        """Takes the next bytes of the body and returns the parts they complete, in order."""
        parts: list[Part] = []
        rest = memoryview(chunk)
        while rest and not self.closed:
            if self._state is _State.SKIPPING_SIZED:
                dropped = min(self._remaining, len(rest))
                rest = rest[dropped:]
                self._remaining -= dropped
                if self._remaining == 0:
                    self._state = _State.SEEKING
                continue
            room = self._max_buffer_bytes - len(self._buffer)
            self._buffer += rest[:room]
            rest = rest[room:]
            parts.extend(self._drain())
        return parts

    def _drain(self) -> list[Part]:
        parts: list[Part] = []
        while self._buffer:
            if self._state is _State.SEEKING:
                progressed = self._seek()
            elif self._state is _State.HEADERS:
                progressed = self._read_headers()
            elif self._state is _State.SIZED_BODY:
                progressed = self._read_sized_body(parts)
            elif self._state is _State.UNSIZED_BODY:
                progressed = self._read_unsized_body(parts)
            elif self._state is _State.SKIPPING_SIZED:
                progressed = self._skip_sized()
            elif self._state is _State.SKIPPING_UNSIZED:
                progressed = self._skip_unsized()
            else:
                self._buffer.clear()
                progressed = False
            if not progressed:
                break
        return parts

    def _seek(self) -> bool:
        delimiter = self._find_delimiter(self._delimiter, 0)
        if delimiter is None:
            self._keep_tail()
            return False
        self._after_delimiter(delimiter)
        return True

    def _read_headers(self) -> bool:
        blank_line = _BLANK_LINE.search(self._buffer)
        if blank_line is None and len(self._buffer) < MAX_HEADER_BYTES + _LONGEST_BLANK_LINE:
            return False
        if blank_line is None or blank_line.start() > MAX_HEADER_BYTES:
            # Not a header block: look for the next delimiter in what came after this one.
            self.skipped_parts += 1
            self._state = _State.SEEKING
            return True
        # The first line is what followed `--boundary` on its line: normally nothing.
        lines = _LINE_BREAK.split(bytes(self._buffer[: blank_line.start()]))[1:]
        del self._buffer[: blank_line.end()]
        headers = _parse_headers(lines)
        self._part_content_type = headers.get("content-type", "")
        length = _content_length(headers.get("content-length"))
        if length is None:
            self._scanned = 0
            self._state = _State.UNSIZED_BODY
        elif length > self._max_part_bytes:
            self.skipped_parts += 1
            self._remaining = length
            self._state = _State.SKIPPING_SIZED
        else:
            self._remaining = length
            self._state = _State.SIZED_BODY
        return True

    def _read_sized_body(self, parts: list[Part]) -> bool:
        if len(self._buffer) < self._remaining:
            return False
        parts.append(Part(self._part_content_type, bytes(self._buffer[: self._remaining])))
        del self._buffer[: self._remaining]
        # Whatever follows (the CRLF before the next delimiter, or garbage) is skipped by seeking.
        self._state = _State.SEEKING
        return True

    def _read_unsized_body(self, parts: list[Part]) -> bool:
        delimiter = self._find_delimiter(self._line_delimiter, self._scanned)
        if delimiter is None:
            body_so_far = len(self._buffer) - self._lookahead
            if body_so_far > self._max_part_bytes:
                self.skipped_parts += 1
                self._state = _State.SKIPPING_UNSIZED
                self._keep_tail()
                return False
            self._scanned = max(0, body_so_far)
            return False
        body_end = delimiter.start
        if body_end > 0 and self._buffer[body_end - 1] == ord("\r"):
            body_end -= 1
        # The limit holds however the chunks fell: a long body that arrived whole is dropped too.
        if body_end > self._max_part_bytes:
            self.skipped_parts += 1
        else:
            parts.append(Part(self._part_content_type, bytes(self._buffer[:body_end])))
        self._after_delimiter(delimiter)
        return True

    def _skip_sized(self) -> bool:
        dropped = min(self._remaining, len(self._buffer))
        del self._buffer[:dropped]
        self._remaining -= dropped
        if self._remaining == 0:
            self._state = _State.SEEKING
        return True

    def _skip_unsized(self) -> bool:
        delimiter = self._find_delimiter(self._line_delimiter, 0)
        if delimiter is None:
            self._keep_tail()
            return False
        self._after_delimiter(delimiter)
        return True

    def _find_delimiter(self, marker: bytes, start: int) -> _Delimiter | None:
        """The first complete delimiter at or after `start`; None if none can be told yet."""
        buffer = self._buffer
        position = start
        while (found := buffer.find(marker, position)) >= 0:
            after = found + len(marker)
            next_bytes = bytes(buffer[after : after + len(_CLOSING_MARK)])
            if next_bytes == _CLOSING_MARK:
                return _Delimiter(found, after + len(_CLOSING_MARK), closing=True)
            if next_bytes and next_bytes[0] in _OPENING_BYTES:
                return _Delimiter(found, after, closing=False)
            if _CLOSING_MARK.startswith(next_bytes):
                return None  # `--boundary` or `--boundary-` at the end: wait for more bytes
            position = found + 1  # `--boundaryX` is not a delimiter
        return None

    def _after_delimiter(self, delimiter: _Delimiter) -> None:
        del self._buffer[: delimiter.end]
        self._state = _State.CLOSED if delimiter.closing else _State.HEADERS

    def _keep_tail(self) -> None:
        """Drops all but the bytes that could still begin a delimiter."""
        del self._buffer[: -self._lookahead]


def _parse_headers(lines: list[bytes]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers


def _is_ascii_number(text: str) -> bool:
    """Whether `text` is a short run of digits 0-9.

    str.isdigit alone admits "²", which int() refuses; int() also refuses over 4300 digits.
    """
    return len(text) <= _MAX_NUMBER_DIGITS and text.isascii() and text.isdigit()


def _content_length(value: str | None) -> int | None:
    """The Content-Length header as a number; None when absent or not a number."""
    if value is None or not _is_ascii_number(value):
        return None
    return int(value)


_KIND_BY_EVENT_TYPE = {
    "vmd": EventKind.MOTION,
    "vmdhumanvehicle": EventKind.MOTION,
    "linedetection": EventKind.LINE_CROSSING,
    "fielddetection": EventKind.INTRUSION,
    "regionentrance": EventKind.INTRUSION,
    "regionexiting": EventKind.INTRUSION,
    "videoloss": EventKind.VIDEO_LOSS,
    "tamperdetection": EventKind.TAMPERING,
    "shelteralarm": EventKind.TAMPERING,
    "defocus": EventKind.TAMPERING,
    "io": EventKind.ALARM_INPUT,
}
_ALERT_ROOT = "eventnotificationalert"
# Malformed offset seen on devices: `2024-01-22T11:47:0500:00`, the offset without its sign.
_UNSIGNED_OFFSET = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\d{2}):?(\d{2})", re.ASCII)


def parse_alert(part: Part, *, received_at: datetime) -> DeviceEvent | Heartbeat | None:
    """The event or heartbeat a part carries; None for pictures and anything unreadable.

    `received_at` (timezone-aware) stamps heartbeats and stands in for a missing or unreadable
    device time. Field names are matched without namespace and without case, so every
    firmware's XML (hikvision.com, isapi.org, std-cgi, psialliance) and the JSON form read alike.
    """
    fields = _alert_fields(part)
    if fields is None:
        return None
    event_type = fields.get("eventtype", "").strip()
    if not event_type:
        return None
    lowered_type = event_type.lower()
    active = fields.get("eventstate", "").strip().lower() != "inactive"
    # Devices send an inactive video loss as their heartbeat (NVRs with channel 0); newer
    # firmware's subscription API names it heartBeat.
    if lowered_type == "heartbeat" or (lowered_type == "videoloss" and not active):
        return Heartbeat(received_at=received_at)
    io_port = _first_number(fields, "inputioportid", "dyninputioportid")
    kind = _KIND_BY_EVENT_TYPE.get(lowered_type, EventKind.OTHER)
    if kind is EventKind.OTHER and io_port is not None:
        kind = EventKind.ALARM_INPUT
    return DeviceEvent(
        kind=kind,
        channel=_first_number(fields, "channelid", "dynchannelid"),
        active=active,
        occurred_at=_occurred_at(fields.get("datetime"), received_at),
        event_type=event_type,
        description=fields.get("eventdescription", "").strip(),
        io_port=io_port,
    )


def _alert_fields(part: Part) -> dict[str, str] | None:
    """The alert's top-level fields by lower-cased local name; None if the part is no alert."""
    media_type = part.media_type
    if media_type.startswith("image/"):
        return None
    # Leading line ends would put the XML declaration out of place, so they go.
    body = part.body.strip()
    if media_type.endswith("xml") or (not media_type.endswith("json") and body[:1] == b"<"):
        return _xml_alert_fields(body)
    if media_type.endswith("json") or body[:1] == b"{":
        return _json_alert_fields(body)
    return None


def _xml_alert_fields(body: bytes) -> dict[str, str] | None:
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True)
    # defusedxml's refusals are ValueErrors; an unknown declared encoding is a LookupError.
    except (ElementTree.ParseError, ValueError, LookupError):
        return None
    if _local_name(root.tag) != _ALERT_ROOT:
        return None
    fields: dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str):  # comments and processing instructions have no name
            fields.setdefault(_local_name(child.tag), child.text or "")
    return fields


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2].lower()


def _json_alert_fields(body: bytes) -> dict[str, str] | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    nested = {key.lower(): value for key, value in document.items()}.get(_ALERT_ROOT)
    alert = nested if isinstance(nested, dict) else document
    return {
        key.lower(): str(value)
        for key, value in alert.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }


def _first_number(fields: dict[str, str], *names: str) -> int | None:
    """The first of the named fields that holds a channel or port number.

    0 means the device itself, so it counts as no number and the next field is tried.
    """
    for name in names:
        text = fields.get(name, "").strip()
        if _is_ascii_number(text) and int(text) > 0:
            return int(text)
    return None


def _occurred_at(text: str | None, received_at: datetime) -> datetime:
    """The device's `dateTime`, leniently; `received_at` when it cannot be read with its zone."""
    if text is None:
        return received_at
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return _repaired_time(text, received_at)
    # A time without an offset is the device's local time in an unknown zone.
    return parsed if parsed.tzinfo is not None else received_at


def _repaired_time(text: str, received_at: datetime) -> datetime:
    """Reads a time whose offset lost its sign; the sign nearer to the receive time wins."""
    match = _UNSIGNED_OFFSET.fullmatch(text)
    if match is None:
        return received_at
    try:
        local = datetime.fromisoformat(match.group(1))
        offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        candidates = [local.replace(tzinfo=timezone(sign * offset)) for sign in (1, -1)]
    except ValueError:
        return received_at
    return min(candidates, key=lambda candidate: abs(candidate - received_at))


async def read_alerts(
    chunks: AsyncIterable[bytes],
    content_type: str,
    *,
    clock: Callable[[], datetime],
) -> AsyncGenerator[DeviceEvent | Heartbeat, None]:
    """The events and heartbeats of an alertStream response body, in the order they came.

    `chunks` is the body as the HTTP client yields it and `content_type` its Content-Type
    header; `clock` gives the receive time (timezone-aware). Ends when the chunks end or the
    device closes the multipart body. Dropped parts are logged, never raised.
    """
    parser = AlertStreamParser(content_type)
    skipped_parts = 0
    async for chunk in chunks:
        parts = parser.feed(chunk)
        if parser.skipped_parts > skipped_parts:
            logger.warning(
                "alertStream: dropped %d oversized or malformed part(s)",
                parser.skipped_parts - skipped_parts,
            )
            skipped_parts = parser.skipped_parts
        for part in parts:
            alert = parse_alert(part, received_at=clock())
            if alert is not None:
                yield alert
            elif not part.media_type.startswith("image/"):
                logger.debug("alertStream: ignored a part of type %r", part.content_type)
        if parser.closed:
            return
