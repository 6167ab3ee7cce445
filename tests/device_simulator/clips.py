"""Recorded clips as a Hikvision device stores them, made with PyAV once per test session.

Devices deliver H.264 in MPEG-PS (Hikvision's "HIK" files are MPEG-PS with a header of their
own); a plain MPEG-PS of H.264 made here stands in for that. A frame's picture moves with time,
so frames differ, and each second starts with a keyframe.

A device that downloads by time sends a span of a recording (`recorded_span`): its frames are
the recording's frames at those times, numbered from the recording's start, so that a test
sees where in the recording the span lies.
"""

import functools
import io
from fractions import Fraction
from typing import Literal

import av
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

WIDTH, HEIGHT = 160, 120
FRAME_RATE = 25
SECONDS = 4
SAMPLE_RATE = 48000


@functools.cache
def h264_clip(container: Literal["mpeg", "mpegts"] = "mpeg") -> bytes:
    """Four seconds of 160×120 H.264 at 25 fps, keyframes every second, no audio."""
    return _clip(container, "libx264")


@functools.cache
def mpeg2_clip() -> bytes:
    """The same picture in MPEG-2 video: a codec Telegram does not play, to be transcoded."""
    return _clip("mpeg", "mpeg2video")


@functools.cache
def h264_clip_with_audio() -> bytes:
    """H.264 with MP2 audio in MPEG-PS: the audio has to become AAC for Telegram."""
    return _clip("mpeg", "libx264", audio="mp2")


@functools.cache
def recorded_span(first_second: int, seconds: int) -> bytes:
    """`seconds` of a recording from `first_second` after its start, in MPEG-PS H.264 as
    `h264_clip`: frame n of the recording (n counted from its start) shows shade (5 n) % 256."""
    return _clip("mpeg", "libx264", first_frame=first_second * FRAME_RATE, seconds=seconds)


def _clip(
    container: str,
    codec: str,
    *,
    audio: str | None = None,
    first_frame: int = 0,
    seconds: int = SECONDS,
) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        video = output.add_stream(codec, rate=FRAME_RATE)
        assert isinstance(video, VideoStream)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.codec_context.gop_size = FRAME_RATE
        if codec == "libx264":
            # A keyframe every second and only then, however the picture changes.
            video.options = {"preset": "ultrafast", "x264-params": "scenecut=0"}
        sound: AudioStream | None = None
        if audio is not None:  # every stream before the first packet: the header lists them
            added = output.add_stream(audio, rate=SAMPLE_RATE, layout="mono")
            assert isinstance(added, AudioStream)
            sound = added
        for index in range(FRAME_RATE * seconds):
            output.mux(video.encode(_frame(first_frame + index, pts=index)))
        output.mux(video.encode(None))
        if sound is not None:
            step = sound.codec_context.frame_size
            for start in range(0, SAMPLE_RATE * seconds, step):
                output.mux(sound.encode(_tone(start, step)))
            output.mux(sound.encode(None))
    return buffer.getvalue()


def _frame(index: int, *, pts: int) -> av.VideoFrame:
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    for number, plane in enumerate(frame.planes):
        shade = (index * 5 + number * 60) % 256
        plane.update(bytes([shade]) * plane.buffer_size)
    frame.pts = pts
    return frame


def _tone(start: int, samples: int) -> av.AudioFrame:
    """A sawtooth, as signed 16-bit mono samples from sample `start`."""
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    frame.planes[0].update(
        b"".join(
            ((start + n) % 200 * 100 - 10_000).to_bytes(2, "little", signed=True)
            for n in range(samples)
        )
    )
    frame.sample_rate = SAMPLE_RATE
    frame.pts = start
    frame.time_base = Fraction(1, SAMPLE_RATE)
    return frame


def first_frame_shade(video: bytes) -> int:
    """The brightness of a video's first frame: the clips' frame n is shade 5n (mod 256) all
    over, so it tells which frame a clip starts at. Read from the luma plane's bytes, without
    numpy (which the project does not install)."""
    with av.open(io.BytesIO(video), mode="r") as container:
        luma = next(container.decode(video=0)).reformat(format="gray").planes[0]
        data, width = bytes(luma), luma.width
        rows = [data[row * luma.line_size :][:width] for row in range(luma.height)]  # no padding
        return round(sum(sum(row) for row in rows) / (width * luma.height))
