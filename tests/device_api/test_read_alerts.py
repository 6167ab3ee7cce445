"""read_alerts: the HTTP body's chunks in, the device's events and heartbeats out, in order."""

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from device_api.events import DeviceEvent, EventKind, Heartbeat
from device_api.isapi.alert_stream import read_alerts
from tests.clock import FakeClock
from tests.device_api.wire import (
    IPC_MOTION,
    NVR_HEARTBEAT,
    RECEIVED_AT,
    STREAM,
    STREAM_CONTENT_TYPE,
    XML_PART_TYPE,
    framed,
    random_pieces,
)

PLUS_ONE = timezone(timedelta(hours=1))


async def body(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def collect(pieces: list[bytes], clock: FakeClock) -> list[DeviceEvent | Heartbeat]:
    return [alert async for alert in read_alerts(body(pieces), STREAM_CONTENT_TYPE, clock=clock)]


def event(
    kind: EventKind,
    channel: int | None,
    occurred_at: datetime,
    event_type: str,
    *,
    active: bool = True,
    io_port: int | None = None,
) -> DeviceEvent:
    return DeviceEvent(
        kind=kind,
        channel=channel,
        active=active,
        occurred_at=occurred_at,
        event_type=event_type,
        description=f"{event_type} alarm",
        io_port=io_port,
    )


STREAM_ALERTS = [
    DeviceEvent(
        kind=EventKind.MOTION,
        channel=1,
        active=True,
        occurred_at=datetime(2026, 1, 15, 10, 2, 3, tzinfo=PLUS_ONE),
        event_type="VMD",
        description="Motion alarm",
        io_port=None,
    ),
    event(
        EventKind.INTRUSION, 3, datetime(2026, 1, 15, 10, 2, 4, tzinfo=PLUS_ONE), "fielddetection"
    ),
    Heartbeat(received_at=RECEIVED_AT),
    event(
        EventKind.LINE_CROSSING,
        2,
        datetime(2026, 1, 15, 10, 2, 5, tzinfo=PLUS_ONE),
        "linedetection",
    ),
    DeviceEvent(
        kind=EventKind.ALARM_INPUT,
        channel=None,
        active=True,
        occurred_at=datetime(2026, 1, 15, 10, 2, 6, tzinfo=PLUS_ONE),
        event_type="IO",
        description="IO alarm",
        io_port=2,
    ),
    # The picture after this alert is no alert of its own.
    event(
        EventKind.INTRUSION, 1, datetime(2026, 1, 15, 10, 2, 7, tzinfo=PLUS_ONE), "fielddetection"
    ),
    event(
        EventKind.LINE_CROSSING,
        4,
        datetime(2026, 1, 15, 9, 2, 8, tzinfo=UTC),
        "linedetection",
        active=False,
    ),
]


@pytest.mark.parametrize("seed", range(20))
async def test_the_stream_s_alerts_come_out_in_order(seed: int) -> None:
    alerts = await collect(random_pieces(STREAM, seed), FakeClock(RECEIVED_AT))

    assert alerts == STREAM_ALERTS


async def test_heartbeats_are_stamped_when_they_arrive() -> None:
    clock = FakeClock(RECEIVED_AT)
    heartbeat = framed(NVR_HEARTBEAT, XML_PART_TYPE)

    async def ticking_body() -> AsyncIterator[bytes]:
        yield heartbeat
        clock.advance(seconds=10)
        yield heartbeat

    alerts = [
        alert async for alert in read_alerts(ticking_body(), STREAM_CONTENT_TYPE, clock=clock)
    ]

    assert alerts == [
        Heartbeat(received_at=RECEIVED_AT),
        Heartbeat(received_at=RECEIVED_AT + timedelta(seconds=10)),
    ]


async def test_reading_stops_at_the_closing_delimiter() -> None:
    async def body_then_more() -> AsyncIterator[bytes]:
        yield STREAM
        raise AssertionError("read past the closing delimiter")

    alerts = [
        alert
        async for alert in read_alerts(
            body_then_more(), STREAM_CONTENT_TYPE, clock=FakeClock(RECEIVED_AT)
        )
    ]

    assert alerts == STREAM_ALERTS


async def test_a_skipped_part_is_logged_and_reading_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    oversized = framed(b"\xff" * (64 * 1024 + 1), "image/jpeg")

    with caplog.at_level(logging.WARNING, logger="device_api.isapi.alert_stream"):
        alerts = await collect(
            [oversized[:1000], oversized[1000:], framed(IPC_MOTION, XML_PART_TYPE)],
            FakeClock(RECEIVED_AT),
        )

    assert [(alert.kind, alert.channel) for alert in alerts if isinstance(alert, DeviceEvent)] == [
        (EventKind.MOTION, 1)
    ]
    assert [record.getMessage() for record in caplog.records] == [
        "alertStream: dropped 1 oversized or malformed part(s)"
    ]
