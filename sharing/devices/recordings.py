"""Recorded video of a channel, for whoever holds Playback on it: the day's recordings, found
again by their start, and a clip of one as an MP4 that Telegram plays: from a recording's start,
or around a moment the person typed (`clip_around`).

The handlers check the person's hold (`access`) before calling here; this module talks to the
device through the pool, so its errors arrive as refusals that name the device.

A recording is often an hour or more (gigabytes); a clip is `clip_seconds` of it. Where the
device downloads by time (`isSupportDownloadbyTime`, asked once per connection), only the clip's
part of the recording is asked for, so any moment of any recording can be fetched. Elsewhere
ISAPI downloads a recording whole, from its start, so only the share of its bytes that covers
the clip, and a margin, is read: the device's stream is closed after that. A clip around a
moment then reads from the recording's start up to the moment's clip at the recording's average
bitrate, and is cut at the moment there; a moment further in than `READ_LIMIT_BYTES` reaches is
refused (`MomentTooFarIn`) rather than read for minutes.

A device may claim download by time and send the whole recording anyway (no device was at hand
to tell which firmware does). The answer to a part asked by time is therefore judged by its
length, the one thing such an answer cannot hide; its timestamps are the encoder's clock, not
the wall clock, so its first one cannot say where in the recording it begins:

- bytes: more than the part can take (`_part_cap`: its share at the recording's average
  bitrate, twice over, at least `MIN_READ_BYTES`), by the device's Content-Length or by what
  arrives, and the answer is taken as the recording from its start: read on as without download
  by time, up to the clip plus a margin, within `READ_LIMIT_BYTES` (`MomentTooFarIn` past it);
- seconds: video lasting more than the part asked plus `BY_TIME_SLACK_SECONDS` is taken as the
  recording from its start too, and cut at the clip's offset in it (`MomentTooFarIn` when that
  lies past its end);
- otherwise it is the part asked, begun at the keyframe at or before the asked start and ended
  at the asked end: the clip is cut from its end back.
"""

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from device_api import Recording, RecordingSearch
from media import ClipError, to_telegram_mp4, video_seconds
from sharing.devices.connections import DeviceTarget
from sharing.devices.pool import DevicePool
from sharing.errors import (
    ClipNotPlayable,
    ClipTooLarge,
    MomentTooFarIn,
    NothingRecordedThen,
    RecordingGone,
)

__all__ = [
    "TELEGRAM_UPLOAD_LIMIT",
    "Clip",
    "ClipSpan",
    "Progress",
    "Recording",
    "clip_around",
    "day_recordings",
    "fetch_clip",
    "recording_at",
]

TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024
"""The largest file a bot may send (Bot API: sendVideo, 50 MB)."""
READ_LIMIT_BYTES = 200 * 1024 * 1024
"""Read at most this much of a recording whose size the device does not tell, and never more
of one: a moment further in is `MomentTooFarIn`."""
MIN_READ_BYTES = 4 * 1024 * 1024
"""Read at least this much (or all of it): bitrates vary, and a cut needs its keyframes."""
MARGIN_SECONDS = 10
MARGIN_SHARE = 0.1
"""Bitrates vary along a recording: a cut deep into one reads this share more again."""
BY_TIME_SLACK_SECONDS = 10
"""A part downloaded by time may begin at the keyframe before the time asked (recorders put one
every 1 to 4 s, some less often): video longer than the part by more than this is not it."""
SPAN_GAP = timedelta(seconds=60)
"""Segments closer than this are one span in "Recordings on that day: ..."."""

Progress = Callable[[int, int | None], Awaitable[None]]
"""Called as bytes arrive: bytes read so far, and how many will be read (None: not known)."""


@dataclass(frozen=True)
class ClipSpan:
    """The part of a recording a clip shows: `start` is `offset_seconds` after its start."""

    recording: Recording
    start: datetime
    end: datetime

    @property
    def offset_seconds(self) -> float:
        return (self.start - self.recording.start).total_seconds()

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @classmethod
    def first(cls, recording: Recording, clip_seconds: int) -> "ClipSpan":
        """The recording's first `clip_seconds`."""
        end = min(recording.end, recording.start + timedelta(seconds=clip_seconds))
        return cls(recording, recording.start, end)

    @classmethod
    def around(cls, recording: Recording, moment: datetime, clip_seconds: int) -> "ClipSpan":
        """`clip_seconds` with `moment` in the middle, moved to lie inside the recording."""
        length = timedelta(seconds=clip_seconds)
        latest_start = max(recording.start, recording.end - length)
        start = min(max(moment - length / 2, recording.start), latest_start)
        return cls(recording, start, min(recording.end, start + length))


@dataclass(frozen=True)
class _Received:
    """The bytes read, and the part they hold: `between` as asked by time, or None for the
    recording from its start."""

    parts: list[bytes]
    between: tuple[datetime, datetime] | None


@dataclass(frozen=True)
class Clip:
    mp4: bytes
    span: ClipSpan

    @property
    def recording(self) -> Recording:
        return self.span.recording


async def day_recordings(
    pool: DevicePool, target: DeviceTarget, channel: int, day: date, zone: str
) -> list[Recording]:
    """The channel's recordings that overlap `day` on the clocks of `zone` (an IANA name),
    oldest first."""
    search = RecordingSearch.on_day(channel, day, ZoneInfo(zone))
    return await pool.search_recordings(target, search)


async def recording_at(
    pool: DevicePool, target: DeviceTarget, channel: int, start: datetime
) -> Recording:
    """The recording of the channel that starts at `start`, searched for again: a button carries
    the start only, never the device's handle for it. `RecordingGone` when it is not there."""
    search = RecordingSearch(channel, start, start + timedelta(minutes=1))
    for recording in await pool.search_recordings(target, search):
        if recording.start == start:
            return recording
    raise RecordingGone(device_name=target.device_name)


async def fetch_clip(
    pool: DevicePool,
    target: DeviceTarget,
    channel: int,
    start: datetime,
    *,
    clip_seconds: int,
    progress: Progress,
) -> Clip:
    """At most `clip_seconds` from the start of the channel's recording that starts at `start`,
    as an MP4; one download per device at a time (`ClipInProgress`)."""
    async with pool.download_slot(target):
        recording = await recording_at(pool, target, channel, start)
        span = ClipSpan.first(recording, clip_seconds)
        received = await _read(pool, target, span, progress=progress)
    return await _converted(target, received, span)


async def clip_around(
    pool: DevicePool,
    target: DeviceTarget,
    channel: int,
    moment: datetime,
    *,
    zone: str,
    clip_seconds: int,
    progress: Progress,
) -> Clip:
    """`clip_seconds` of the channel's recording around `moment` (UTC), as an MP4; one download
    per device at a time (`ClipInProgress`). The person's day of `moment` (on the clocks of
    `zone`) is searched once: `NothingRecordedThen` carries what was recorded on it when no
    recording lies within half a clip of the moment."""
    day = moment.astimezone(ZoneInfo(zone)).date()
    async with pool.download_slot(target):
        found = await day_recordings(pool, target, channel, day, zone)
        recording = _nearest(found, moment, timedelta(seconds=clip_seconds) / 2)
        if recording is None:
            raise NothingRecordedThen(
                device_name=target.device_name, moment=moment, day_spans=_spans(found)
            )
        span = ClipSpan.around(recording, moment, clip_seconds)
        received = await _read(pool, target, span, progress=progress)
    return await _converted(target, received, span)


def _nearest(found: list[Recording], moment: datetime, reach: timedelta) -> Recording | None:
    """The recording that holds `moment`, else the nearest one within `reach` of it."""

    def distance(recording: Recording) -> timedelta:
        if recording.start <= moment < recording.end:
            return timedelta(0)
        return recording.start - moment if recording.start > moment else moment - recording.end

    near = [recording for recording in found if distance(recording) <= reach]
    return min(near, key=distance, default=None)


def _spans(found: list[Recording]) -> list[tuple[datetime, datetime]]:
    spans: list[tuple[datetime, datetime]] = []
    for recording in sorted(found, key=lambda r: r.start):
        if spans and recording.start - spans[-1][1] <= SPAN_GAP:
            spans[-1] = (spans[-1][0], max(spans[-1][1], recording.end))
        else:
            spans.append((recording.start, recording.end))
    return spans


async def _converted(target: DeviceTarget, received: _Received, span: ClipSpan) -> Clip:
    """The clip's MP4, converted in a worker thread, where the parts read are also joined
    (up to `READ_LIMIT_BYTES` of copying): the event loop goes on meanwhile."""
    try:
        mp4 = await asyncio.to_thread(_mp4_of, received, span, target.device_name)
    except ClipError:
        raise ClipNotPlayable(device_name=target.device_name) from None
    if len(mp4) > TELEGRAM_UPLOAD_LIMIT:
        raise ClipTooLarge(limit_bytes=TELEGRAM_UPLOAD_LIMIT)
    return Clip(mp4, span)


def _mp4_of(received: _Received, span: ClipSpan, device_name: str) -> bytes:
    data = b"".join(received.parts)
    offset = span.offset_seconds
    if received.between is not None:
        asked_start, asked_end = received.between
        asked = (asked_end - asked_start).total_seconds()
        lasts = video_seconds(data)
        if lasts <= asked + BY_TIME_SLACK_SECONDS:  # the part asked: cut from its end back
            offset = max(0.0, lasts - asked) + (span.start - asked_start).total_seconds()
        elif offset >= lasts:  # the recording from its start, and too short to reach the clip
            raise MomentTooFarIn(device_name=device_name, recording_start=span.recording.start)
    return to_telegram_mp4(data, max_seconds=max(span.seconds, 1.0), start_offset=offset)


async def _read(
    pool: DevicePool,
    target: DeviceTarget,
    span: ClipSpan,
    *,
    progress: Progress,
) -> _Received:
    """The bytes that hold the clip, as they came: the clip's part of the recording where the
    device downloads by time, else (or when the device sends more) the recording's first
    bytes, as far as the clip (see the module's docstring)."""
    recording = span.recording
    by_time = await pool.downloads_by_time(target)
    if not by_time:
        _check_reach(target, span, recording.size_bytes)  # before asking, where size is known
    max_bytes = max(recording.size_bytes or 0, READ_LIMIT_BYTES)
    between = (span.start, span.end) if by_time else None
    async with pool.download(target, recording, max_bytes=max_bytes, between=between) as download:
        reading = _Reading(download.chunks, progress)
        if download.between is not None:
            cap = _part_cap(span, recording.size_bytes)
            declared = download.total_bytes
            if declared is None or declared <= cap:
                await reading.until(cap + 1, declared)
                if reading.read <= cap:
                    return _Received(reading.parts, download.between)
            # More than the part can take: the device sends the recording from its start.
        size = recording.size_bytes or download.total_bytes
        wanted = _check_reach(target, span, size)
        await reading.until(wanted, wanted if size else None)
        return _Received(reading.trimmed(wanted), None)


class _Reading:
    """A download's chunks read in steps, with its progress shown."""

    def __init__(self, chunks: AsyncIterator[bytes], progress: Progress) -> None:
        self.parts: list[bytes] = []
        self.read = 0
        self._chunks = chunks
        self._progress = progress

    async def until(self, wanted: int, total: int | None) -> None:
        """Read on until `wanted` bytes are in (the last chunk whole) or the chunks end;
        `total` is what the progress counts towards (None: not known)."""
        await self._progress(min(self.read, wanted), total)
        if self.read >= wanted:
            return
        async for chunk in self._chunks:
            self.parts.append(chunk)
            self.read += len(chunk)
            await self._progress(min(self.read, wanted), total)
            if self.read >= wanted:
                return  # the rest is not needed: the stream is closed when the block ends

    def trimmed(self, wanted: int) -> list[bytes]:
        """The parts read, cut at `wanted` bytes."""
        parts, kept = [], 0
        for part in self.parts:
            if kept >= wanted:
                break
            parts.append(part[: wanted - kept])
            kept += len(parts[-1])
        return parts


def _part_cap(span: ClipSpan, size: int | None) -> int:
    """The most bytes the clip's part of the recording, asked by time, may take: its share at
    the recording's average bitrate twice over (bitrates vary, and the part may begin at the
    keyframe before), at least `MIN_READ_BYTES`; `READ_LIMIT_BYTES` when the size is unknown."""
    if not size:
        return READ_LIMIT_BYTES
    seconds = (span.recording.end - span.recording.start).total_seconds()
    if seconds <= 0:
        return size
    share = 2 * (span.seconds + BY_TIME_SLACK_SECONDS) / seconds
    return max(MIN_READ_BYTES, math.ceil(size * min(1.0, share)))


def _check_reach(target: DeviceTarget, span: ClipSpan, size: int | None) -> int:
    """`_wanted`, or `MomentTooFarIn` past `READ_LIMIT_BYTES`."""
    wanted = _wanted(span, size)
    if wanted > READ_LIMIT_BYTES:
        raise MomentTooFarIn(device_name=target.device_name, recording_start=span.recording.start)
    return wanted


def _wanted(span: ClipSpan, size: int | None) -> int:
    """How many of the recording's first bytes cover the clip, at its average bitrate."""
    if not size:
        return READ_LIMIT_BYTES
    recording = span.recording
    seconds = (recording.end - recording.start).total_seconds()
    if seconds <= 0:
        return size
    reach = span.offset_seconds * (1 + MARGIN_SHARE) + span.seconds + MARGIN_SECONDS
    return min(size, max(MIN_READ_BYTES, math.ceil(size * min(1.0, reach / seconds))))
