"""Property test of the framing with hypothesis, when installed: any cut of the stream gives the
same parts. The seeded cuts in test_alert_stream.py cover the same ground without it."""

import pytest

from device_api.isapi.alert_stream import AlertStreamParser
from tests.device_api.wire import (
    STREAM,
    STREAM_CONTENT_TYPE,
    STREAM_PARTS,
    feed_all,
    pieces_at,
)

hypothesis = pytest.importorskip("hypothesis")
strategies = pytest.importorskip("hypothesis.strategies")


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(cuts=strategies.lists(strategies.integers(0, len(STREAM)), max_size=200))
def test_any_cut_of_the_stream_gives_the_same_parts(cuts: list[int]) -> None:
    parser = AlertStreamParser(STREAM_CONTENT_TYPE)

    assert feed_all(parser, pieces_at(STREAM, cuts)) == STREAM_PARTS
    assert parser.closed
