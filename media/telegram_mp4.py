"""A recording as Telegram plays it inline: MP4, H.264 video, AAC audio, index first.

Recorders deliver MPEG-PS (Hikvision) or MPEG-TS whose H.264 can be copied as it is, which
costs little CPU; video in another codec is transcoded to H.264, audio in another codec (G.711,
MP2...) to AAC. The MP4 is written with faststart (its index before the data) so that Telegram
can play it while it downloads; FFmpeg moves the index by re-reading the file it wrote, so the
MP4 goes to a temporary file rather than to memory.

MPEG-PS carries a timestamp only on some packets; a packet without one, or with one that does
not move forward, is timed one frame after the packet before it.
"""

import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.packet import Packet
from av.stream import Stream
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

_TELEGRAM_VIDEO = "h264"
_TELEGRAM_AUDIO = "aac"
_FALLBACK_FRAME_RATE = Fraction(25)
_X264_OPTIONS = {"preset": "veryfast", "crf": "26"}
_AAC_BIT_RATE = 64_000
_AAC_FRAME = 1024  # samples in one AAC packet, for a packet that does not say its duration
_EPSILON = 1e-6  # seconds: what float arithmetic on timestamps may be off by


class ClipError(Exception):
    """The bytes are not a video that can be converted, or nothing of it lies in the cut."""


def to_telegram_mp4(data: bytes, *, max_seconds: float, start_offset: float = 0) -> bytes:
    """An MP4 of at most `max_seconds` of the video in `data`, from `start_offset` seconds
    after its first frame.

    Copied H.264 can only be cut at a keyframe, so the cut then starts at the last keyframe at
    or before `start_offset` (recorders put one every 1 to 4 s); transcoded video starts at the
    offset itself. `ClipError` when `data` is no video or is shorter than the offset.
    """
    if max_seconds <= 0:
        raise ValueError("max_seconds must be positive")
    if start_offset < 0:
        raise ValueError("start_offset cannot be negative")
    with tempfile.TemporaryDirectory(prefix="camshare-clip-") as folder:
        target = Path(folder) / "clip.mp4"
        try:
            _convert(data, target, max_seconds=max_seconds, start_offset=start_offset)
        except av.FFmpegError as error:
            raise ClipError(f"the video cannot be converted: {error}") from error
        return target.read_bytes()


def video_seconds(data: bytes) -> float:
    """How long the video in `data` lasts, from its first frame to the end of its last, as
    `to_telegram_mp4` times it; `ClipError` when `data` is no video."""
    try:
        with av.open(io.BytesIO(data), mode="r") as source:
            if not source.streams.video:
                raise ClipError("the recording has no video")
            video = source.streams.video[0]
            rate = video.average_rate or video.guessed_rate or _FALLBACK_FRAME_RATE
            __, timed = _timed_packets(source, video, rate)
    except av.FFmpegError as error:
        raise ClipError(f"the video cannot be read: {error}") from error
    if not timed:
        raise ClipError("the recording has no video frames")
    return timed[-1].seconds + float(1 / rate)


@dataclass(frozen=True)
class _Window:
    """The cut, in seconds from the first video frame."""

    start: float
    end: float

    def holds(self, moment: float, duration: float) -> bool:
        """Whether something starting at `moment` and lasting `duration` lies in the cut."""
        return self.start - _EPSILON <= moment and moment + duration <= self.end + _EPSILON


@dataclass(frozen=True)
class _TimedPacket:
    packet: Packet
    seconds: float  # from the first video frame, repaired where the container had no time
    reorder: int  # pts - dts as the container gave them (B-frames), in the stream's time base


def _convert(data: bytes, target: Path, *, max_seconds: float, start_offset: float) -> None:
    with av.open(io.BytesIO(data), mode="r") as source:
        if not source.streams.video:
            raise ClipError("the recording has no video")
        video = source.streams.video[0]
        rate = video.average_rate or video.guessed_rate or _FALLBACK_FRAME_RATE
        origin, timed = _timed_packets(source, video, rate)
        if not timed:
            raise ClipError("the recording has no video frames")
        if start_offset >= timed[-1].seconds + float(1 / rate):
            raise ClipError(f"the recording is shorter than {start_offset} s")
        copy = video.codec_context.name == _TELEGRAM_VIDEO
        window = (
            _keyframe_window(timed, max_seconds, start_offset)
            if copy
            else _Window(start_offset, start_offset + max_seconds)
        )
        has_audio = bool(source.streams.audio)
        with av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as mp4:
            # Every stream before the first packet: the MP4 header lists them.
            video_out = (
                mp4.add_stream_from_template(video) if copy else _h264_encoder(mp4, video, rate)
            )
            audio_out = _audio_output(mp4, source.streams.audio[0]) if has_audio else None
            if copy:
                _write_copied(mp4, video_out, timed, video, rate, window)
            else:
                _write_transcoded(mp4, video_out, video, timed, rate, window)
            if audio_out is not None:
                # Read again from the start: the first reading went through the video only.
                with av.open(io.BytesIO(data), mode="r") as again:
                    _write_audio(mp4, audio_out, again, origin, window)


def _timed_packets(
    source: InputContainer, video: VideoStream, rate: Fraction
) -> tuple[float, list[_TimedPacket]]:
    """The video's packets timed from its first one, and the clock time of that first one."""
    step = _frame_ticks(video, rate)
    time_base = _time_base(video)
    timed: list[_TimedPacket] = []
    first: int | None = None
    last: int | None = None
    for packet in source.demux(video):
        if packet.size == 0:  # the demuxer's end-of-stream marker
            continue
        given = packet.dts if packet.dts is not None else packet.pts
        if given is None or (last is not None and given <= last):
            given = (last or 0) + step
        first = given if first is None else first
        last = given
        reorder = 0
        if packet.pts is not None and packet.dts is not None and packet.pts > packet.dts:
            reorder = packet.pts - packet.dts
        timed.append(_TimedPacket(packet, float((given - first) * time_base), reorder))
    return float((first or 0) * time_base), timed


def _frame_ticks(video: VideoStream, rate: Fraction) -> int:
    """One frame's duration in the stream's time base."""
    return max(1, round(1 / (rate * _time_base(video))))


def _time_base(stream: Stream) -> Fraction:
    if stream.time_base is None:
        raise ClipError(f"the recording's {stream.type} stream has no time base")
    return stream.time_base


def _keyframe_window(timed: list[_TimedPacket], max_seconds: float, offset: float) -> _Window:
    """From the last keyframe at or before `offset` (the first keyframe if none is)."""
    keyframes = [item.seconds for item in timed if item.packet.is_keyframe]
    if not keyframes:
        raise ClipError("the recording has no keyframe to start from")
    before = [moment for moment in keyframes if moment <= offset + _EPSILON]
    start = before[-1] if before else keyframes[0]
    return _Window(start, start + max_seconds)


def _write_copied(
    mp4: OutputContainer,
    out: Stream,
    timed: list[_TimedPacket],
    video: VideoStream,
    rate: Fraction,
    window: _Window,
) -> None:
    step = _frame_ticks(video, rate)
    time_base = _time_base(video)
    frame_seconds = float(step * time_base)
    for item in timed:
        if not window.holds(item.seconds, frame_seconds):
            continue
        packet = item.packet
        dts = round((item.seconds - window.start) / time_base)
        packet.dts, packet.pts, packet.duration = dts, dts + item.reorder, step
        packet.stream = out
        mp4.mux(packet)


def _h264_encoder(mp4: OutputContainer, video: VideoStream, rate: Fraction) -> VideoStream:
    encoder = mp4.add_stream("libx264", rate=rate, options=_X264_OPTIONS)
    # 4:2:0 needs even sizes.
    encoder.width = video.codec_context.width // 2 * 2
    encoder.height = video.codec_context.height // 2 * 2
    encoder.pix_fmt = "yuv420p"
    return encoder


def _write_transcoded(
    mp4: OutputContainer,
    encoder: VideoStream,
    video: VideoStream,
    timed: list[_TimedPacket],
    rate: Fraction,
    window: _Window,
) -> None:
    """Frames are timed by their count at the frame rate: decoders of MPEG-PS give most of
    them no time."""
    frame_seconds = float(1 / rate)
    written = 0
    for index, frame in enumerate(_decoded(video, timed)):
        if not window.holds(index * frame_seconds, frame_seconds):
            continue
        picture = frame.reformat(encoder.width, encoder.height, format="yuv420p")
        picture.pts, picture.time_base = written, 1 / rate
        written += 1
        mp4.mux(encoder.encode(picture))
    if not written:
        raise ClipError("no frame lies in the cut")
    mp4.mux(encoder.encode(None))


def _decoded(video: VideoStream, timed: list[_TimedPacket]) -> Iterator[VideoFrame]:
    """Every frame, the ones the decoder still holds after the last packet included."""
    for item in timed:
        yield from video.decode(item.packet)
    yield from video.decode(None)


@dataclass(frozen=True)
class _AudioOutput:
    stream: AudioStream
    encoder: AudioStream | None  # None: the packets are copied


def _audio_output(mp4: OutputContainer, audio: AudioStream) -> _AudioOutput:
    """AAC as it is; anything else through an AAC encoder at the same rate and layout."""
    if audio.codec_context.name == _TELEGRAM_AUDIO:
        return _AudioOutput(mp4.add_stream_from_template(audio), encoder=None)
    encoder = mp4.add_stream(_TELEGRAM_AUDIO, rate=audio.codec_context.sample_rate)
    assert isinstance(encoder, AudioStream)
    encoder.layout = audio.codec_context.layout
    encoder.bit_rate = _AAC_BIT_RATE
    return _AudioOutput(encoder, encoder)


def _write_audio(
    mp4: OutputContainer, out: _AudioOutput, source: InputContainer, origin: float, window: _Window
) -> None:
    """The audio in the cut, timed on the video's clock (`origin` is the first video frame's
    time): packets copied, or frames decoded and encoded."""
    audio = source.streams.audio[0]
    time_base = _time_base(audio)
    rate = audio.codec_context.sample_rate
    moment = 0.0  # where the next packet starts, in seconds from the first video frame
    for packet in source.demux(audio):
        if packet.size == 0:
            continue
        if packet.pts is not None:
            moment = float(packet.pts * time_base) - origin
        if out.encoder is None:
            duration = float(packet.duration * time_base) if packet.duration else _AAC_FRAME / rate
            if window.holds(moment, duration):
                packet.pts = packet.dts = round((moment - window.start) / time_base)
                packet.stream = out.stream
                mp4.mux(packet)
            moment += duration
            continue
        for frame in audio.decode(packet):
            duration = frame.samples / rate
            if window.holds(moment, duration):
                frame.pts = round((moment - window.start) * rate)
                frame.time_base = Fraction(1, rate)
                mp4.mux(out.encoder.encode(frame))
            moment += duration
    if out.encoder is not None:
        mp4.mux(out.encoder.encode(None))
