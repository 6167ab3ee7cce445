"""What a device tells us, independent of the protocol that carried it.

A driver turns its wire format (ISAPI's alert stream today) into these values; everything above
the driver (who holds the Alarm permission on which channel) reads only these.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EventKind(StrEnum):
    """The kinds of event that sharing rules and notifications tell apart."""

    MOTION = "motion"
    LINE_CROSSING = "line_crossing"
    INTRUSION = "intrusion"
    VIDEO_LOSS = "video_loss"
    TAMPERING = "tampering"
    ALARM_INPUT = "alarm_input"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """One event notification as the device sent it.

    - `kind`: the device's event type sorted into an `EventKind`; `OTHER` for types we do not
      map (disk full, face detection, ...), whose raw name stays in `event_type`.
    - `channel`: the device's video channel number as sent (ISAPI `channelID`, else
      `dynChannelID`), starting at 1; None for device-level events (channel 0 or none).
      Some NVR firmware numbers IP channels 32 + N, which only the device's channel list can
      resolve: `IsapiDriver.alert_stream` does once its `channels()` has been asked.
    - `active`: False when the device says the event ended (ISAPI `eventState` inactive).
      Some event types (motion) never send an end.
    - `occurred_at`: when it happened by the device's clock (timezone-aware); the receive time
      when the device's timestamp is missing or unreadable.
    - `event_type`: the device's own name for the event, unchanged (ISAPI `eventType`).
    - `description`: the device's free text (ISAPI `eventDescription`); may be empty.
    - `io_port`: the alarm input that fired (ISAPI `inputIOPortID` or `dynInputIOPortID`),
      None when the event is not about an input.
    """

    kind: EventKind
    channel: int | None
    active: bool
    occurred_at: datetime
    event_type: str
    description: str
    io_port: int | None

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The device's sign of life on an open event stream; `received_at` is our clock's time.

    A stream without one for longer than the device's heartbeat interval is dead and should be
    reopened.
    """

    received_at: datetime
