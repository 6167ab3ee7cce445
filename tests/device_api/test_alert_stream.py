"""The alertStream's multipart framing: parts come out whole and in order however the bytes
arrive, and memory stays bounded whatever the device sends."""

import random
import tracemalloc

import pytest

from device_api.isapi.alert_stream import (
    MAX_HEADER_BYTES,
    AlertStreamParser,
    Part,
    boundary_of,
)
from tests.device_api.wire import (
    CLOSING,
    IPC_MOTION,
    JSON_LINE_CROSSING,
    JSON_PART_TYPE,
    NVR_FIELD_DETECTION,
    STREAM,
    STREAM_CONTENT_TYPE,
    STREAM_PARTS,
    XML_PART_TYPE,
    feed_all,
    framed,
    one_byte_pieces,
    random_pieces,
)

SMALL_LIMITS = {"max_part_bytes": 1024, "max_buffer_bytes": 8 * 1024}


def parse_stream(pieces: list[bytes], **limits: int) -> tuple[list[Part], AlertStreamParser]:
    parser = AlertStreamParser(STREAM_CONTENT_TYPE, **limits)
    return feed_all(parser, pieces), parser


def test_a_stream_fed_whole_gives_every_part_in_order() -> None:
    parts, parser = parse_stream([STREAM])

    assert parts == STREAM_PARTS
    assert parser.closed
    assert parser.skipped_parts == 0
    assert parser.buffered_bytes == 0


def test_a_stream_fed_one_byte_at_a_time_gives_the_same_parts() -> None:
    parts, parser = parse_stream(one_byte_pieces(STREAM))

    assert parts == STREAM_PARTS
    assert parser.closed


@pytest.mark.parametrize("seed", range(300))
def test_a_stream_cut_anywhere_gives_the_same_parts(seed: int) -> None:
    parts, parser = parse_stream(random_pieces(STREAM, seed))

    assert parts == STREAM_PARTS
    assert parser.closed


def test_parts_come_out_as_soon_as_they_are_complete() -> None:
    parser = AlertStreamParser(STREAM_CONTENT_TYPE)
    sized = framed(IPC_MOTION, XML_PART_TYPE)

    assert parser.feed(sized[:-3]) == []
    assert parser.feed(sized[-3:]) == [Part(XML_PART_TYPE, IPC_MOTION)]
    # A part without Content-Length ends only when the next delimiter shows.
    assert parser.feed(framed(JSON_LINE_CROSSING, JSON_PART_TYPE, with_length=False)) == []
    assert parser.feed(b"--boundary\r\n") == [Part(JSON_PART_TYPE, JSON_LINE_CROSSING)]


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        ("multipart/mixed; boundary=boundary", "boundary"),
        ('multipart/mixed; boundary="MIME_boundary"', "MIME_boundary"),
        ("Multipart/Mixed; charset=UTF-8; BOUNDARY=abc-123 ", "abc-123"),
        ("multipart/mixed;boundary=--edge--;charset=UTF-8", "--edge--"),
        ("multipart/mixed", "boundary"),
        ('multipart/mixed; boundary=""', "boundary"),
        ("", "boundary"),
    ],
)
def test_the_boundary_comes_from_the_content_type(content_type: str, boundary: str) -> None:
    assert boundary_of(content_type) == boundary
    part = framed(IPC_MOTION, XML_PART_TYPE).replace(b"boundary", boundary.encode())

    parser = AlertStreamParser(content_type)

    assert parser.feed(part + f"--{boundary}--\r\n".encode()) == [Part(XML_PART_TYPE, IPC_MOTION)]
    assert parser.closed


def test_a_boundary_longer_than_mime_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="boundary"):
        AlertStreamParser("multipart/mixed; boundary=" + "b" * 71)


def test_limits_that_leave_no_room_for_a_part_are_refused() -> None:
    with pytest.raises(ValueError, match="max_buffer_bytes"):
        AlertStreamParser(STREAM_CONTENT_TYPE, max_part_bytes=64 * 1024, max_buffer_bytes=64 * 1024)


def test_garbage_before_the_first_delimiter_is_dropped() -> None:
    garbage = b"HTTP/1.1 200 OK junk\r\n--boundar\r\n--boundaryX\r\n-- boundary\r\n\r\n"

    parts, _ = parse_stream([garbage + framed(IPC_MOTION, XML_PART_TYPE)])

    assert parts == [Part(XML_PART_TYPE, IPC_MOTION)]


def test_a_body_without_length_keeps_text_that_only_looks_like_a_delimiter() -> None:
    body = b"first line\r\n--boundaryX\r\n--boundary-x\r\n--boundar\r\nlast line"
    stream = framed(body, "text/plain", with_length=False) + CLOSING

    for pieces in ([stream], one_byte_pieces(stream)):
        parts, parser = parse_stream(pieces)
        assert parts == [Part("text/plain", body)]
        assert parser.closed


def test_line_feeds_without_carriage_returns_frame_parts_too() -> None:
    stream = (
        b"--boundary\nContent-Type: application/xml\nContent-Length: %d\n\n" % len(IPC_MOTION)
        + IPC_MOTION
        + b"\n--boundary\nContent-Type: application/xml\n\n"
        + NVR_FIELD_DETECTION
        + b"\n--boundary--\n"
    )

    for pieces in ([stream], one_byte_pieces(stream)):
        parts, _ = parse_stream(pieces)
        assert parts == [
            Part("application/xml", IPC_MOTION),
            Part("application/xml", NVR_FIELD_DETECTION),
        ]


def test_a_part_without_headers_has_an_empty_content_type() -> None:
    parts, _ = parse_stream([b"--boundary\r\n\r\n" + IPC_MOTION + b"\r\n" + CLOSING])

    assert parts == [Part("", IPC_MOTION)]


@pytest.mark.parametrize("length", [b"12abc", b"-5", b"\xb2"], ids=["letters", "negative", "²"])
def test_a_non_numeric_content_length_falls_back_to_the_next_delimiter(length: bytes) -> None:
    stream = (
        b"--boundary\r\nContent-Type: application/xml\r\nContent-Length: "
        + length
        + b"\r\n\r\n"
        + IPC_MOTION
        + b"\r\n"
        + CLOSING
    )

    parts, _ = parse_stream([stream])

    assert parts == [Part("application/xml", IPC_MOTION)]


def test_nothing_after_the_closing_delimiter_is_read() -> None:
    parser = AlertStreamParser(STREAM_CONTENT_TYPE)

    assert parser.feed(framed(IPC_MOTION, XML_PART_TYPE) + CLOSING) == [
        Part(XML_PART_TYPE, IPC_MOTION)
    ]
    assert parser.closed
    assert parser.feed(framed(NVR_FIELD_DETECTION, XML_PART_TYPE)) == []
    assert parser.buffered_bytes == 0


def oversized_then_valid(*, with_length: bool) -> bytes:
    big_picture = random.Random(7).randbytes(5000).replace(b"\n", b" ")
    return (
        framed(big_picture, "image/jpeg", with_length=with_length)
        + framed(IPC_MOTION, XML_PART_TYPE)
        + CLOSING
    )


@pytest.mark.parametrize("with_length", [True, False], ids=["sized", "unsized"])
@pytest.mark.parametrize("split", ["whole", "one byte", "random"])
def test_an_oversized_part_is_skipped_and_the_next_part_still_parsed(
    with_length: bool, split: str
) -> None:
    stream = oversized_then_valid(with_length=with_length)
    pieces = {
        "whole": [stream],
        "one byte": one_byte_pieces(stream),
        "random": random_pieces(stream, seed=11),
    }[split]

    parser = AlertStreamParser(STREAM_CONTENT_TYPE, **SMALL_LIMITS)
    parts = []
    for piece in pieces:
        parts.extend(parser.feed(piece))
        assert parser.buffered_bytes <= SMALL_LIMITS["max_part_bytes"] + 64

    assert parts == [Part(XML_PART_TYPE, IPC_MOTION)]
    assert parser.skipped_parts == 1
    assert parser.closed


def test_a_part_exactly_at_the_limit_is_kept() -> None:
    body = b"x" * SMALL_LIMITS["max_part_bytes"]
    for with_length in (True, False):
        stream = framed(body, "text/plain", with_length=with_length) + CLOSING

        parts, parser = parse_stream(one_byte_pieces(stream), **SMALL_LIMITS)

        assert parts == [Part("text/plain", body)]
        assert parser.skipped_parts == 0


def test_a_header_block_at_the_limit_is_read_however_it_arrives() -> None:
    headers = b"\r\nContent-Type: text/plain\r\nX-Padding: "
    headers += b"p" * (MAX_HEADER_BYTES - len(headers))
    stream = b"--boundary" + headers + b"\r\n\r\n" + b"body" + b"\r\n" + CLOSING

    for pieces in ([stream], one_byte_pieces(stream)):
        parts, parser = parse_stream(pieces)
        assert parts == [Part("text/plain", b"body")]
        assert parser.skipped_parts == 0


def test_endless_headers_are_skipped_and_the_next_part_still_parsed() -> None:
    endless_headers = b"--boundary\r\n" + b"X-Padding: y\r\n" * (MAX_HEADER_BYTES // 10)
    stream = endless_headers + framed(IPC_MOTION, XML_PART_TYPE) + CLOSING

    for pieces in ([stream], one_byte_pieces(stream)):
        parts, parser = parse_stream(pieces)
        assert parts == [Part(XML_PART_TYPE, IPC_MOTION)]
        assert parser.skipped_parts == 1


TEN_MEGABYTES = 10 * 1024 * 1024


def garbage_without_boundary(size: int) -> bytes:
    """Random bytes with near misses of the delimiter: line ends, `--boundar`, `--boundaryX`.

    The random bytes hold no "y", so they never complete a `--boundar` into a delimiter.
    """
    rng = random.Random(2026)
    near_misses = [b"\r\n", b"--boundar", b"\r\n--boundaryX", b"--boundary-x", b"\n--"]
    pieces: list[bytes] = []
    length = 0
    while length < size:
        piece = rng.randbytes(rng.randrange(1, 200)).replace(b"y", b"z") + rng.choice(near_misses)
        pieces.append(piece)
        length += len(piece)
    garbage = b"".join(pieces)[:size]
    assert b"--boundary\r" not in garbage and b"--boundary\n" not in garbage
    assert b"--boundary--" not in garbage and b"--boundary " not in garbage
    return garbage


def test_a_garbage_flood_does_not_grow_the_buffer_and_later_parts_parse() -> None:
    garbage = garbage_without_boundary(TEN_MEGABYTES)
    parser = AlertStreamParser(STREAM_CONTENT_TYPE)

    for offset in range(0, len(garbage), 64 * 1024):
        assert parser.feed(garbage[offset : offset + 64 * 1024]) == []
        # Only what could still begin a delimiter is kept, far below max_buffer_bytes.
        assert parser.buffered_bytes <= 64

    assert feed_all(parser, random_pieces(STREAM, seed=3)) == STREAM_PARTS


def test_a_flood_in_one_chunk_is_taken_in_bounded_slices() -> None:
    garbage = garbage_without_boundary(TEN_MEGABYTES)
    max_buffer_bytes = 256 * 1024
    parser = AlertStreamParser(STREAM_CONTENT_TYPE, max_buffer_bytes=max_buffer_bytes)

    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        parts = parser.feed(garbage)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert parts == []
    # A copy of the 10 MB chunk would show here; slices of at most max_buffer_bytes do not.
    assert peak - before < 3 * max_buffer_bytes
    assert parser.buffered_bytes <= 64
    assert parser.feed(STREAM) == STREAM_PARTS


def test_an_endless_body_without_length_is_dropped_as_it_streams() -> None:
    endless_body = garbage_without_boundary(TEN_MEGABYTES)
    parser = AlertStreamParser(STREAM_CONTENT_TYPE)
    opening = b"--boundary\r\nContent-Type: image/jpeg\r\n\r\n"

    for chunk in (opening, endless_body[: len(endless_body) // 2]):
        assert parser.feed(chunk) == []
    assert parser.buffered_bytes <= 1024 * 1024
    assert parser.feed(endless_body[len(endless_body) // 2 :]) == []
    assert parser.buffered_bytes <= 64
    assert parser.skipped_parts == 1

    assert parser.feed(b"\r\n" + framed(IPC_MOTION, XML_PART_TYPE)) == [
        Part(XML_PART_TYPE, IPC_MOTION)
    ]
