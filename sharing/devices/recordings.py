"""Recorded video of a channel, for whoever holds Playback on it: the day's recordings, found
again by their start, and a clip of one as an MP4 that Telegram plays.

The handlers check the person's hold (`access`) before calling here; this module talks to the
device through the pool, so its errors arrive as refusals that name the device.

A recording is often an hour or more (gigabytes); a clip is its first `clip_seconds`. ISAPI
downloads a recording whole, so only the share of its bytes that covers the clip, and a margin,
is read: the device's stream is closed after that.
"""

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from device_api import Recording, RecordingSearch
from media import ClipError, to_telegram_mp4
from sharing.devices.connections import DeviceTarget
from sharing.devices.pool import DevicePool
from sharing.errors import ClipNotPlayable, ClipTooLarge, RecordingGone

__all__ = [
    "TELEGRAM_UPLOAD_LIMIT",
    "Clip",
    "Progress",
    "Recording",
    "day_recordings",
    "fetch_clip",
    "recording_at",
]

TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024
"""The largest file a bot may send (Bot API: sendVideo, 50 MB)."""
READ_LIMIT_BYTES = 200 * 1024 * 1024
"""Read at most this much of a recording whose size the device does not tell."""
MIN_READ_BYTES = 4 * 1024 * 1024
"""Read at least this much (or all of it): bitrates vary, and a cut needs its keyframes."""
MARGIN_SECONDS = 10
ZONE = UTC
"""Days are UTC days for now; the person's own time zone comes with a later issue."""

Progress = Callable[[int, int | None], Awaitable[None]]
"""Called as bytes arrive: bytes read so far, and how many will be read (None: not known)."""


@dataclass(frozen=True)
class Clip:
    mp4: bytes
    recording: Recording


async def day_recordings(
    pool: DevicePool, target: DeviceTarget, channel: int, day: date
) -> list[Recording]:
    """The channel's recordings that overlap `day` (UTC), oldest first."""
    return await pool.search_recordings(target, RecordingSearch.on_day(channel, day, ZONE))


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
        data = await _read(pool, target, recording, clip_seconds=clip_seconds, progress=progress)
    try:
        mp4 = await asyncio.to_thread(to_telegram_mp4, data, max_seconds=clip_seconds)
    except ClipError:
        raise ClipNotPlayable(device_name=target.device_name) from None
    if len(mp4) > TELEGRAM_UPLOAD_LIMIT:
        raise ClipTooLarge(limit_bytes=TELEGRAM_UPLOAD_LIMIT)
    return Clip(mp4, recording)


async def _read(
    pool: DevicePool,
    target: DeviceTarget,
    recording: Recording,
    *,
    clip_seconds: int,
    progress: Progress,
) -> bytes:
    max_bytes = max(recording.size_bytes or 0, READ_LIMIT_BYTES)
    parts: list[bytes] = []
    read = 0
    async with pool.download(target, recording, max_bytes=max_bytes) as download:
        size = recording.size_bytes or download.total_bytes
        wanted = _wanted(recording, size, clip_seconds)
        await progress(0, wanted if size else None)
        async for chunk in download.chunks:
            parts.append(chunk)
            read += len(chunk)
            await progress(min(read, wanted), wanted if size else None)
            if read >= wanted:
                break  # the rest of the recording is not needed: its stream is closed
    return b"".join(parts)[:wanted]


def _wanted(recording: Recording, size: int | None, clip_seconds: int) -> int:
    """How many of the recording's first bytes cover the clip, at its average bitrate."""
    if not size:
        return READ_LIMIT_BYTES
    seconds = (recording.end - recording.start).total_seconds()
    if seconds <= 0:
        return size
    share = min(1.0, (clip_seconds + MARGIN_SECONDS) / seconds)
    return min(size, max(MIN_READ_BYTES, math.ceil(size * share)))
