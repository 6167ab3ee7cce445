"""alertStream bodies shaped like the captures described in DEVICES.md §1.5, written by hand.

Each alert is what one firmware family sends; `STREAM` strings them together the way a device
frames them (`--boundary`, part headers, CRLF, body, CRLF), with the variations a reader meets:
leading line ends, a part without Content-Length, a picture after its alert, the closing
delimiter.
"""

import random
from datetime import UTC, datetime
from itertools import pairwise

from device_api.isapi.alert_stream import AlertStreamParser, Part

STREAM_CONTENT_TYPE = "multipart/mixed; boundary=boundary"
XML_PART_TYPE = 'application/xml; charset="UTF-8"'
JSON_PART_TYPE = 'application/json; charset="UTF-8"'
JPEG_PART_TYPE = "image/jpeg"

# The clock of the tests' receive times: an hour behind the devices' +01:00 local time.
RECEIVED_AT = datetime(2026, 1, 15, 9, 2, 30, tzinfo=UTC)

# An IPC on current firmware: hikvision.com ver20 namespace, channel 1.
IPC_MOTION = b"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress>
<portNo>80</portNo>
<protocol>HTTP</protocol>
<macAddress>44:19:b6:12:34:56</macAddress>
<channelID>1</channelID>
<dateTime>2026-01-15T10:02:03+01:00</dateTime>
<activePostCount>1</activePostCount>
<eventType>VMD</eventType>
<eventState>active</eventState>
<eventDescription>Motion alarm</eventDescription>
<channelName>Porch</channelName>
</EventNotificationAlert>
"""

# An IPC field detection that announces a picture; the picture follows as its own part.
IPC_FIELD_DETECTION_WITH_PICTURE = b"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress>
<channelID>1</channelID>
<dateTime>2026-01-15T10:02:07+01:00</dateTime>
<activePostCount>1</activePostCount>
<eventType>fielddetection</eventType>
<eventState>active</eventState>
<eventDescription>fielddetection alarm</eventDescription>
<DetectionRegionList>
<DetectionRegionEntry>
<regionID>1</regionID>
<sensitivityLevel>50</sensitivityLevel>
<detectionTarget>human</detectionTarget>
</DetectionRegionEntry>
</DetectionRegionList>
<channelName>Porch</channelName>
<detectionPictureTransType>binary</detectionPictureTransType>
<detectionPicturesNumber>1</detectionPicturesNumber>
</EventNotificationAlert>
"""

# A JPEG whose bytes happen to contain a delimiter and a closing delimiter: only its
# Content-Length keeps it whole.
PICTURE = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00"
    + b"\r\n--boundary\r\nContent-Type: application/xml\r\n\r\n"
    + bytes(range(256))
    + b"\r\n--boundary--\r\n"
    + b"\xff\xd9"
)

# An NVR on v1.0 firmware: psialliance namespace, the channel only as dynChannelID.
NVR_FIELD_DETECTION = b"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="1.0" xmlns="urn:psialliance-org">
<dynChannelID>3</dynChannelID>
<dateTime>2026-01-15T10:02:04+01:00</dateTime>
<activePostCount>12</activePostCount>
<eventType>fielddetection</eventType>
<eventState>active</eventState>
<eventDescription>fielddetection alarm</eventDescription>
<Extensions>
<serialNumber xmlns="urn:selfextension:psiaext-ver10-xsd">DS-7608NXI-I2/8P0000000000
</serialNumber>
<eventPush xmlns="urn:selfextension:psiaext-ver10-xsd"
>fielddetection&amp;&amp;DS-7608NXI-I2,2026-01-15T10:02:04+01:00,3,1.0</eventPush>
</Extensions>
</EventNotificationAlert>
"""

# An NVR heartbeat: inactive video loss on channel 0, with the sign-less offset some send.
NVR_HEARTBEAT = b"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.std-cgi.org/ver20/XMLSchema">
<ipAddress>192.168.1.100</ipAddress>
<portNo>80</portNo>
<protocol>HTTP</protocol>
<macAddress>44:19:b6:65:43:21</macAddress>
<channelID>0</channelID>
<dateTime>2026-01-15T10:02:0501:00</dateTime>
<activePostCount>0</activePostCount>
<eventType>videoloss</eventType>
<eventState>inactive</eventState>
<eventDescription>videoloss alarm</eventDescription>
</EventNotificationAlert>
"""

# The JSON form, wrapped in its EventNotificationAlert object, numbers as numbers.
JSON_LINE_CROSSING = b"""{
    "EventNotificationAlert": {
        "ipAddress": "192.168.1.65",
        "portNo": 80,
        "protocol": "HTTP",
        "channelID": 2,
        "dateTime": "2026-01-15T10:02:05+01:00",
        "activePostCount": 1,
        "eventType": "linedetection",
        "eventState": "active",
        "eventDescription": "linedetection alarm"
    }
}"""

# A DVR's alarm input, sent without Content-Length: only the next delimiter ends it.
DVR_ALARM_INPUT = b"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.com/ver20/XMLSchema">
<ipAddress>192.168.1.101</ipAddress>
<dateTime>2026-01-15T10:02:06+01:00</dateTime>
<activePostCount>1</activePostCount>
<eventType>IO</eventType>
<eventState>active</eventState>
<eventDescription>IO alarm</eventDescription>
<dynInputIOPortID>2</dynInputIOPortID>
</EventNotificationAlert>"""

# An isapi.org NVR line crossing with both channel fields and a malformed time.
NVR_LINE_CROSSING_MALFORMED_TIME = b"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<channelID>4</channelID>
<dynChannelID>4</dynChannelID>
<dateTime>2026-01-15T10:02:0801:00</dateTime>
<activePostCount>1</activePostCount>
<eventType>linedetection</eventType>
<eventState>inactive</eventState>
<eventDescription>linedetection alarm</eventDescription>
</EventNotificationAlert>
"""


def framed(body: bytes, content_type: str, *, with_length: bool = True) -> bytes:
    """One part as a device frames it: delimiter line, headers, blank line, body, CRLF."""
    headers = f"Content-Type: {content_type}\r\n"
    if with_length:
        headers += f"Content-Length: {len(body)}\r\n"
    return b"--boundary\r\n" + headers.encode() + b"\r\n" + body + b"\r\n"


CLOSING = b"--boundary--\r\n"

STREAM = (
    b"\r\n\r\n"
    + framed(IPC_MOTION, XML_PART_TYPE)
    + framed(NVR_FIELD_DETECTION, XML_PART_TYPE)
    + framed(NVR_HEARTBEAT, XML_PART_TYPE)
    + framed(JSON_LINE_CROSSING, JSON_PART_TYPE)
    + framed(DVR_ALARM_INPUT, XML_PART_TYPE, with_length=False)
    + framed(IPC_FIELD_DETECTION_WITH_PICTURE, XML_PART_TYPE)
    + framed(PICTURE, JPEG_PART_TYPE)
    + framed(NVR_LINE_CROSSING_MALFORMED_TIME, XML_PART_TYPE, with_length=False)
    + CLOSING
)

STREAM_PARTS = [
    Part(XML_PART_TYPE, IPC_MOTION),
    Part(XML_PART_TYPE, NVR_FIELD_DETECTION),
    Part(XML_PART_TYPE, NVR_HEARTBEAT),
    Part(JSON_PART_TYPE, JSON_LINE_CROSSING),
    Part(XML_PART_TYPE, DVR_ALARM_INPUT),
    Part(XML_PART_TYPE, IPC_FIELD_DETECTION_WITH_PICTURE),
    Part(JPEG_PART_TYPE, PICTURE),
    Part(XML_PART_TYPE, NVR_LINE_CROSSING_MALFORMED_TIME),
]


def pieces_at(data: bytes, cuts: list[int]) -> list[bytes]:
    """`data` cut at the given offsets (any order, duplicates allowed)."""
    edges = [0, *sorted(cuts), len(data)]
    return [data[start:end] for start, end in pairwise(edges)]


def random_pieces(data: bytes, seed: int) -> list[bytes]:
    """`data` cut at random places, from many one-byte pieces to a few large ones."""
    rng = random.Random(seed)
    cut_count = rng.choice([1, 3, 10, 100, len(data) // 2])
    return pieces_at(data, [rng.randrange(len(data) + 1) for _ in range(cut_count)])


def one_byte_pieces(data: bytes) -> list[bytes]:
    return [data[index : index + 1] for index in range(len(data))]


def feed_all(parser: AlertStreamParser, pieces: list[bytes]) -> list[Part]:
    parts: list[Part] = []
    for piece in pieces:
        parts.extend(parser.feed(piece))
    return parts
