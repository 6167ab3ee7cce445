"""Reading one part into a DeviceEvent or Heartbeat: every firmware's shape, and never an
exception on what a device may send."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from device_api.events import DeviceEvent, EventKind, Heartbeat
from device_api.isapi.alert_stream import Part, parse_alert
from tests.device_api.wire import (
    DVR_ALARM_INPUT,
    IPC_FIELD_DETECTION_WITH_PICTURE,
    IPC_MOTION,
    JPEG_PART_TYPE,
    JSON_LINE_CROSSING,
    JSON_PART_TYPE,
    NVR_FIELD_DETECTION,
    NVR_HEARTBEAT,
    NVR_LINE_CROSSING_MALFORMED_TIME,
    PICTURE,
    RECEIVED_AT,
    XML_PART_TYPE,
)

PLUS_ONE = timezone(timedelta(hours=1))


def alert_xml(fields: str, *, namespace: str = "http://www.hikvision.com/ver20/XMLSchema") -> Part:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<EventNotificationAlert version="2.0" xmlns="{namespace}">{fields}'
        f"</EventNotificationAlert>"
    )
    return Part(XML_PART_TYPE, body.encode())


def parse(part: Part) -> DeviceEvent | Heartbeat | None:
    return parse_alert(part, received_at=RECEIVED_AT)


def parse_event(part: Part) -> DeviceEvent:
    event = parse(part)
    assert isinstance(event, DeviceEvent)
    return event


MOTION_FIELDS = (
    "<channelID>1</channelID><dateTime>2026-01-15T10:02:03+01:00</dateTime>"
    "<eventType>VMD</eventType><eventState>active</eventState>"
)


def test_an_ipc_motion_alert() -> None:
    assert parse(Part(XML_PART_TYPE, IPC_MOTION)) == DeviceEvent(
        kind=EventKind.MOTION,
        channel=1,
        active=True,
        occurred_at=datetime(2026, 1, 15, 10, 2, 3, tzinfo=PLUS_ONE),
        event_type="VMD",
        description="Motion alarm",
        io_port=None,
    )


def test_an_nvr_v1_field_detection_on_a_dynamic_channel() -> None:
    assert parse(Part(XML_PART_TYPE, NVR_FIELD_DETECTION)) == DeviceEvent(
        kind=EventKind.INTRUSION,
        channel=3,
        active=True,
        occurred_at=datetime(2026, 1, 15, 10, 2, 4, tzinfo=PLUS_ONE),
        event_type="fielddetection",
        description="fielddetection alarm",
        io_port=None,
    )


def test_nested_fields_do_not_override_the_alert_s_own() -> None:
    event = parse_event(Part(XML_PART_TYPE, IPC_FIELD_DETECTION_WITH_PICTURE))

    assert (event.kind, event.channel, event.active) == (EventKind.INTRUSION, 1, True)
    assert event.occurred_at == datetime(2026, 1, 15, 9, 2, 7, tzinfo=UTC)


def test_a_json_alert_wrapped_in_its_root_object() -> None:
    assert parse(Part(JSON_PART_TYPE, JSON_LINE_CROSSING)) == DeviceEvent(
        kind=EventKind.LINE_CROSSING,
        channel=2,
        active=True,
        occurred_at=datetime(2026, 1, 15, 10, 2, 5, tzinfo=PLUS_ONE),
        event_type="linedetection",
        description="linedetection alarm",
        io_port=None,
    )


def test_a_flat_json_alert() -> None:
    body = (
        b'{"ipAddress": "192.168.1.65", "channelID": "5", "dateTime": "2026-01-15T09:02:05Z",'
        b' "eventType": "shelteralarm", "eventState": "inactive", "eventDescription": "Tamper"}'
    )

    assert parse(Part(JSON_PART_TYPE, body)) == DeviceEvent(
        kind=EventKind.TAMPERING,
        channel=5,
        active=False,
        occurred_at=datetime(2026, 1, 15, 9, 2, 5, tzinfo=UTC),
        event_type="shelteralarm",
        description="Tamper",
        io_port=None,
    )


def test_a_dvr_alarm_input_names_its_port_and_no_channel() -> None:
    assert parse(Part(XML_PART_TYPE, DVR_ALARM_INPUT)) == DeviceEvent(
        kind=EventKind.ALARM_INPUT,
        channel=None,
        active=True,
        occurred_at=datetime(2026, 1, 15, 10, 2, 6, tzinfo=PLUS_ONE),
        event_type="IO",
        description="IO alarm",
        io_port=2,
    )


def test_an_unknown_event_type_with_an_input_port_is_an_alarm_input() -> None:
    event = parse_event(
        alert_xml(
            "<channelID>1</channelID><eventType>doorbell</eventType>"
            "<inputIOPortID>1</inputIOPortID>"
        )
    )

    assert (event.kind, event.event_type, event.io_port) == (
        EventKind.ALARM_INPUT,
        "doorbell",
        1,
    )


@pytest.mark.parametrize(
    "namespace",
    [
        "http://www.hikvision.com/ver20/XMLSchema",
        "http://www.hikvision.com/ver10/XMLSchema",
        "http://www.isapi.org/ver20/XMLSchema",
        "http://www.isapi.com/ver20/XMLSchema",
        "http://www.std-cgi.com/ver10/XMLSchema",
        "http://www.std-cgi.com/ver20/XMLSchema",
        "http://www.std-cgi.org/ver20/XMLSchema",
        "urn:psialliance-org",
    ],
)
def test_every_namespace_reads_alike(namespace: str) -> None:
    event = parse_event(alert_xml(MOTION_FIELDS, namespace=namespace))

    assert (event.kind, event.channel, event.active) == (EventKind.MOTION, 1, True)
    assert event.occurred_at == datetime(2026, 1, 15, 9, 2, 3, tzinfo=UTC)


def test_a_prefixed_namespace_and_no_namespace_read_alike() -> None:
    prefixed = (
        b'<isapi:EventNotificationAlert xmlns:isapi="http://www.isapi.org/ver20/XMLSchema">'
        b"<isapi:channelID>2</isapi:channelID><isapi:eventType>VMD</isapi:eventType>"
        b"</isapi:EventNotificationAlert>"
    )
    bare = (
        b"<EventNotificationAlert><channelID>2</channelID><eventType>VMD</eventType>"
        b"</EventNotificationAlert>"
    )

    for body in (prefixed, bare):
        event = parse_event(Part(XML_PART_TYPE, body))
        assert (event.kind, event.channel) == (EventKind.MOTION, 2)


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("VMD", EventKind.MOTION),
        ("vmd", EventKind.MOTION),
        ("VMDHumanVehicle", EventKind.MOTION),
        ("linedetection", EventKind.LINE_CROSSING),
        ("LineDetection", EventKind.LINE_CROSSING),
        ("fielddetection", EventKind.INTRUSION),
        ("regionEntrance", EventKind.INTRUSION),
        ("regionExiting", EventKind.INTRUSION),
        ("videoloss", EventKind.VIDEO_LOSS),
        ("tamperdetection", EventKind.TAMPERING),
        ("shelteralarm", EventKind.TAMPERING),
        ("defocus", EventKind.TAMPERING),
        ("IO", EventKind.ALARM_INPUT),
        ("io", EventKind.ALARM_INPUT),
        ("diskfull", EventKind.OTHER),
        ("PIR", EventKind.OTHER),
        ("facedetection", EventKind.OTHER),
    ],
)
def test_event_types_map_to_kinds_whatever_their_case(event_type: str, kind: EventKind) -> None:
    event = parse_event(alert_xml(f"<channelID>1</channelID><eventType> {event_type} </eventType>"))

    assert event.kind is kind
    assert event.event_type == event_type


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ("<channelID>2</channelID>", 2),
        ("<dynChannelID>8</dynChannelID>", 8),
        ("<channelID>4</channelID><dynChannelID>4</dynChannelID>", 4),
        ("<channelID>0</channelID><dynChannelID>6</dynChannelID>", 6),
        ("<channelID>34</channelID>", 34),
        ("<channelID>0</channelID>", None),
        ("", None),
        ("<channelID>first</channelID>", None),
        ("<channelID>-1</channelID>", None),
        ("<channelID>²</channelID><dynChannelID>٣</dynChannelID>", None),
        (f"<channelID>{'9' * 5000}</channelID>", None),
        ("<channelID> 7 </channelID>", 7),
    ],
)
def test_the_channel_comes_from_channel_id_or_dyn_channel_id(
    fields: str, channel: int | None
) -> None:
    event = parse_event(alert_xml(f"{fields}<eventType>linedetection</eventType>"))

    assert event.channel == channel


@pytest.mark.parametrize(
    ("state", "active"),
    [("active", True), ("inactive", False), ("Inactive", False), ("", True), (None, True)],
)
def test_the_event_state_says_whether_the_event_is_on(state: str | None, active: bool) -> None:
    state_field = "" if state is None else f"<eventState>{state}</eventState>"

    event = parse_event(
        alert_xml(f"<channelID>1</channelID><eventType>VMD</eventType>{state_field}")
    )

    assert event.active is active


@pytest.mark.parametrize(
    ("date_time", "occurred_at"),
    [
        ("2026-01-15T10:02:03+01:00", datetime(2026, 1, 15, 9, 2, 3, tzinfo=UTC)),
        ("2026-01-15T09:02:03Z", datetime(2026, 1, 15, 9, 2, 3, tzinfo=UTC)),
        ("2026-01-15T04:02:03-05:00", datetime(2026, 1, 15, 9, 2, 3, tzinfo=UTC)),
        (" 2026-01-15T10:02:03.250+01:00\n", datetime(2026, 1, 15, 9, 2, 3, 250000, tzinfo=UTC)),
        # The sign-less offsets devices send: 00:00 is exact; otherwise the sign that puts the
        # time nearer the receive time (09:02:30 UTC) wins.
        ("2026-01-15T09:02:0500:00", datetime(2026, 1, 15, 9, 2, 5, tzinfo=UTC)),
        ("2026-01-15T10:02:0801:00", datetime(2026, 1, 15, 9, 2, 8, tzinfo=UTC)),
        ("2026-01-15T04:02:080500", datetime(2026, 1, 15, 9, 2, 8, tzinfo=UTC)),
        # Unreadable, or without a zone: the receive time.
        ("2026-01-15T10:02:0899:00", RECEIVED_AT),
        ("2026-01-15T10:02:03", RECEIVED_AT),
        ("yesterday", RECEIVED_AT),
        ("", RECEIVED_AT),
        ("2026-13-45T10:02:0801:00", RECEIVED_AT),
    ],
)
def test_the_time_is_read_leniently(date_time: str, occurred_at: datetime) -> None:
    event = parse_event(alert_xml(f"<dateTime>{date_time}</dateTime><eventType>VMD</eventType>"))

    assert event.occurred_at == occurred_at
    assert event.occurred_at.tzinfo is not None


def test_a_missing_time_is_the_receive_time() -> None:
    assert parse_event(alert_xml("<eventType>VMD</eventType>")).occurred_at == RECEIVED_AT


def test_an_nvr_line_crossing_with_a_malformed_time_is_read() -> None:
    assert parse(Part(XML_PART_TYPE, NVR_LINE_CROSSING_MALFORMED_TIME)) == DeviceEvent(
        kind=EventKind.LINE_CROSSING,
        channel=4,
        active=False,
        occurred_at=datetime(2026, 1, 15, 9, 2, 8, tzinfo=UTC),
        event_type="linedetection",
        description="linedetection alarm",
        io_port=None,
    )


def test_an_nvr_heartbeat_is_a_heartbeat() -> None:
    assert parse(Part(XML_PART_TYPE, NVR_HEARTBEAT)) == Heartbeat(received_at=RECEIVED_AT)


@pytest.mark.parametrize(
    "part",
    [
        Part(
            XML_PART_TYPE,
            b'<EventNotificationAlert xmlns="http://www.isapi.com/ver20/XMLSchema">'
            b"<channelID>1</channelID><eventType>videoloss</eventType>"
            b"<eventState>inactive</eventState></EventNotificationAlert>",
        ),
        Part(
            XML_PART_TYPE,
            b'<EventNotificationAlert xmlns="http://www.isapi.com/ver20/XMLSchema">'
            b"<eventType>heartBeat</eventType><eventState>active</eventState>"
            b"</EventNotificationAlert>",
        ),
        Part(
            JSON_PART_TYPE, b'{"eventType": "heartBeat", "dateTime": "2026-01-15T10:02:03+01:00"}'
        ),
    ],
    ids=["ipc videoloss inactive", "heartBeat xml", "heartBeat json"],
)
def test_heartbeats_carry_the_receive_time(part: Part) -> None:
    assert parse(part) == Heartbeat(received_at=RECEIVED_AT)


def test_an_active_video_loss_is_an_event() -> None:
    event = parse_event(
        alert_xml(
            "<channelID>3</channelID><eventType>videoloss</eventType><eventState>active</eventState>"
        )
    )

    assert (event.kind, event.channel, event.active) == (EventKind.VIDEO_LOSS, 3, True)


def test_a_part_without_content_type_is_read_by_its_first_byte() -> None:
    assert parse_event(Part("", b"\r\n" + IPC_MOTION)).kind is EventKind.MOTION
    assert parse_event(Part("", JSON_LINE_CROSSING)).kind is EventKind.LINE_CROSSING
    assert parse_event(Part("text/plain", IPC_MOTION)).kind is EventKind.MOTION


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<EventNotificationAlert><eventType>&lol2;</eventType></EventNotificationAlert>"""


@pytest.mark.parametrize(
    "part",
    [
        Part(JPEG_PART_TYPE, PICTURE),
        Part("image/png", IPC_MOTION),
        Part(XML_PART_TYPE, IPC_MOTION[: len(IPC_MOTION) // 2]),
        Part(XML_PART_TYPE, b""),
        Part(XML_PART_TYPE, b"\xff\xfe\x00garbage<<>>"),
        Part(XML_PART_TYPE, BILLION_LAUGHS),
        Part(XML_PART_TYPE, IPC_MOTION.replace(b"UTF-8", b"UTF-i")),
        Part(
            XML_PART_TYPE,
            b'<ResponseStatus version="1.0" xmlns="urn:psialliance-org"><statusCode>4</statusCode>'
            b"<eventType>VMD</eventType></ResponseStatus>",
        ),
        Part(
            XML_PART_TYPE,
            b"<EventNotificationAlert><channelID>1</channelID></EventNotificationAlert>",
        ),
        Part(
            XML_PART_TYPE,
            b"<EventNotificationAlert><eventType> </eventType></EventNotificationAlert>",
        ),
        Part(JSON_PART_TYPE, b'{"eventType": '),
        Part(JSON_PART_TYPE, b'["eventType", "VMD"]'),
        Part(JSON_PART_TYPE, b'{"eventType": {"name": "VMD"}}'),
        Part(JSON_PART_TYPE, b'{"EventNotificationAlert": {"channelID": 1}}'),
        Part(JSON_PART_TYPE, b"[" * 100_000 + b"]" * 100_000),
        Part(JSON_PART_TYPE, b'{"eventType": "\xff\xfe"}'),
        Part("application/octet-stream", b"\x00\x01\x02"),
    ],
    ids=[
        "jpeg",
        "png",
        "truncated xml",
        "empty",
        "binary",
        "entity expansion",
        "unknown encoding",
        "not an alert",
        "no event type",
        "blank event type",
        "truncated json",
        "json list",
        "json event type not text",
        "json without event type",
        "deeply nested json",
        "json not utf-8",
        "octets",
    ],
)
def test_pictures_and_unreadable_parts_give_nothing(part: Part) -> None:
    assert parse(part) is None
