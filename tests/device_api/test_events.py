"""The protocol-agnostic event values."""

from datetime import datetime

import pytest

from device_api.events import DeviceEvent, EventKind


def test_an_event_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DeviceEvent(
            kind=EventKind.MOTION,
            channel=1,
            active=True,
            occurred_at=datetime(2026, 1, 15, 10, 2, 3),
            event_type="VMD",
            description="",
            io_port=None,
        )


def test_kinds_are_stable_names() -> None:
    assert [kind.value for kind in EventKind] == [
        "motion",
        "line_crossing",
        "intrusion",
        "video_loss",
        "tampering",
        "alarm_input",
        "other",
    ]
