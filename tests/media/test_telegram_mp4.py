"""Recordings made into MP4s Telegram plays: H.264 copied or transcoded, audio as AAC, the index
first, cut where asked. Clips come from tests/device_simulator/clips.py (made with PyAV)."""

import io

import av
import pytest

from media import ClipError, to_telegram_mp4, video_seconds
from tests.device_simulator.clips import (
    FRAME_RATE,
    SECONDS,
    h264_clip,
    h264_clip_with_audio,
    mpeg2_clip,
    recorded_span,
)


def opened(mp4: bytes) -> av.container.InputContainer:
    return av.open(io.BytesIO(mp4), mode="r")


def duration(mp4: bytes) -> float:
    with opened(mp4) as container:
        assert container.duration is not None
        return container.duration / av.time_base


def first_frame_shade(mp4: bytes) -> int:
    """The brightness of the first frame: the clips' frame n is shade 5n (mod 256) all over."""
    with opened(mp4) as container:
        luma = next(container.decode(video=0)).planes[0]
        data, width = bytes(luma), luma.width
        rows = [data[row * luma.line_size :][:width] for row in range(luma.height)]  # no padding
        return round(sum(sum(row) for row in rows) / (width * luma.height))


@pytest.mark.parametrize("container", ["mpeg", "mpegts"])
def test_a_recording_becomes_an_mp4_of_h264_with_its_index_first(container: str) -> None:
    mp4 = to_telegram_mp4(h264_clip(container), max_seconds=60)

    with opened(mp4) as output:
        assert "mp4" in output.format.name
        assert [stream.codec_context.name for stream in output.streams] == ["h264"]
        assert sum(1 for _ in output.decode(video=0)) == FRAME_RATE * SECONDS  # every frame
    assert duration(mp4) == pytest.approx(SECONDS, abs=0.05)
    assert mp4.index(b"moov") < mp4.index(b"mdat")  # faststart: playable while downloading


@pytest.mark.parametrize(
    ("max_seconds", "start_offset", "starts_at_frame"),
    [(2, 0, 0), (2, 1.5, 25), (1.5, 2.2, 50), (10, 3, 75)],
)
def test_copied_h264_is_cut_from_the_keyframe_at_or_before_the_offset(
    max_seconds: float, start_offset: float, starts_at_frame: int
) -> None:
    mp4 = to_telegram_mp4(h264_clip(), max_seconds=max_seconds, start_offset=start_offset)

    left = SECONDS - starts_at_frame / FRAME_RATE
    assert duration(mp4) <= max_seconds + 1e-3
    assert duration(mp4) == pytest.approx(min(max_seconds, left), abs=0.05)
    assert first_frame_shade(mp4) == pytest.approx(5 * starts_at_frame % 256, abs=3)


def test_video_in_another_codec_is_transcoded_and_cut_at_the_offset_itself() -> None:
    mp4 = to_telegram_mp4(mpeg2_clip(), max_seconds=2, start_offset=1.4)

    with opened(mp4) as output:
        (video,) = output.streams.video
        assert video.codec_context.name == "h264"
        assert video.codec_context.pix_fmt == "yuv420p"
    assert duration(mp4) == pytest.approx(2, abs=0.05)
    assert first_frame_shade(mp4) == pytest.approx(5 * 35 % 256, abs=3)  # 1.4 s: frame 35


def test_audio_in_another_codec_becomes_aac_within_the_cut() -> None:
    mp4 = to_telegram_mp4(h264_clip_with_audio(), max_seconds=2, start_offset=1)

    with opened(mp4) as output:
        assert sorted(stream.codec_context.name for stream in output.streams) == ["aac", "h264"]
        (audio,) = output.streams.audio
        assert audio.duration is not None and audio.time_base is not None
        assert float(audio.duration * audio.time_base) == pytest.approx(2, abs=0.1)
    assert duration(mp4) <= 2 + 0.05


def test_what_cannot_be_converted_is_a_clip_error() -> None:
    with pytest.raises(ClipError):
        to_telegram_mp4(b"<html>not a video</html>" * 100, max_seconds=5)
    with pytest.raises(ClipError):
        to_telegram_mp4(h264_clip(), max_seconds=5, start_offset=SECONDS + 1)
    with pytest.raises(ValueError):
        to_telegram_mp4(h264_clip(), max_seconds=0)


def test_the_first_bytes_of_a_recording_make_a_clip() -> None:
    """A clip reads only the start of a long recording (sharing.devices.recordings): the
    stream cut mid-packet still converts, to what it holds."""
    recording = h264_clip()
    mp4 = to_telegram_mp4(recording[: len(recording) * 6 // 10], max_seconds=30)
    assert 1 < duration(mp4) < SECONDS
    assert first_frame_shade(mp4) == first_frame_shade(to_telegram_mp4(recording, max_seconds=1))


def test_how_long_a_recording_lasts() -> None:
    """What a download by time is judged by: the seconds of video it holds."""
    assert video_seconds(h264_clip()) == pytest.approx(SECONDS)
    assert video_seconds(recorded_span(60, 2)) == pytest.approx(2)
    with pytest.raises(ClipError):
        video_seconds(b"not a video")
