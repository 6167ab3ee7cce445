"""A moment a person types, read on their clock (sharing.devices.moments), and the part of a
recording a clip around it shows (sharing.devices.recordings.ClipSpan)."""

from datetime import UTC, datetime, timedelta

import pytest

from device_api import Recording
from sharing.devices.moments import read_moment
from sharing.devices.recordings import ClipSpan
from sharing.errors import MomentInFuture, UnreadableMoment

NOW = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
"""A Sunday, 13:00 UTC: 16:00 in Moscow, 08:00 in New York."""


def utc(day: int, hour: int, minute: int = 0, second: int = 0, *, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("12:30", utc(6, 12, 30)),
        ("9:05", utc(6, 9, 5)),
        ("12:30:15", utc(6, 12, 30, 15)),
        ("today 12:30", utc(6, 12, 30)),
        ("  Yesterday   14:30 ", utc(5, 14, 30)),
        ("yesterday, 23:59:59", utc(5, 23, 59, 59)),
        ("2026-12-05 14:30", utc(5, 14, 30)),
        ("2026-12-05T14:30", utc(5, 14, 30)),
        ("2025-2-3 07:00", datetime(2025, 2, 3, 7, tzinfo=UTC)),
        ("5 Dec 14:30", utc(5, 14, 30)),
        ("5 dec. 14:30", utc(5, 14, 30)),
        ("5 December 2026, 14:30", utc(5, 14, 30)),
        ("6 Dec 2026, 12:59", utc(6, 12, 59)),
        ("30 Nov 23:00", utc(30, 23, month=11)),
        ("24 Dec 10:00", datetime(2025, 12, 24, 10, tzinfo=UTC)),  # no year: the last one past
    ],
)
def test_the_forms_read_on_a_utc_clock(typed: str, meant: datetime) -> None:
    assert read_moment(typed, now=NOW, zone="UTC") == meant


def test_the_persons_time_zone_is_their_clock() -> None:
    assert read_moment("14:30", now=NOW, zone="Europe/Moscow") == utc(6, 11, 30)
    assert read_moment("yesterday 23:30", now=NOW, zone="America/New_York") == utc(6, 4, 30)
    # At 01:00 UTC on the 6th it is still the 5th in New York: "today" is the 5th there.
    early = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    assert read_moment("today 19:00", now=early, zone="America/New_York") == utc(6, 0)


def test_the_days_clocks_change() -> None:
    summer = datetime(2026, 11, 2, 12, tzinfo=UTC)
    # 1 Nov 2026, New York: 01:30 happens twice; the first (EDT, UTC-4) is read.
    assert read_moment("1 Nov 01:30", now=summer, zone="America/New_York") == utc(
        1, 5, 30, month=11
    )
    spring = datetime(2026, 3, 9, 12, tzinfo=UTC)
    # 8 Mar 2026, New York: 02:30 does not exist; read with EST, the offset before (03:30 EDT).
    assert read_moment("2026-03-08 02:30", now=spring, zone="America/New_York") == utc(
        8, 7, 30, month=3
    )


def test_words_in_the_persons_language() -> None:
    assert read_moment("вчера 14:30", now=NOW, zone="UTC", yesterday_words=["Вчера"]) == utc(
        5, 14, 30
    )
    assert read_moment("hoy 10:00", now=NOW, zone="UTC", today_words=["hoy"]) == utc(6, 10)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "14",
        "14h30",
        "25:00",
        "14:60",
        "tomorrow 14:30",
        "2026-02-30 10:00",
        "2026-12-05",
        "31 Feb 10:00",
        "5 Decembre 10:00",
        "5 De 10:00",
        "half past two",
    ],
)
def test_what_is_not_read(typed: str) -> None:
    with pytest.raises(UnreadableMoment):
        read_moment(typed, now=NOW, zone="UTC")


def test_a_moment_still_to_come() -> None:
    with pytest.raises(MomentInFuture) as refused:
        read_moment("13:00:01", now=NOW, zone="UTC")
    assert refused.value.moment == utc(6, 13, 0, 1)
    assert read_moment("13:00", now=NOW, zone="UTC") == NOW, "now itself has passed"
    with pytest.raises(MomentInFuture):
        read_moment("2027-01-01 00:00", now=NOW, zone="UTC")


def recording(start: datetime, end: datetime) -> Recording:
    return Recording(101, start, end, "rtsp://device/", None)


def test_a_clip_has_the_moment_in_its_middle_inside_the_recording() -> None:
    hour = recording(utc(5, 14), utc(5, 15))
    middle = ClipSpan.around(hour, utc(5, 14, 30), 30)
    assert (middle.start, middle.end) == (utc(5, 14, 29, 45), utc(5, 14, 30, 15))
    assert middle.offset_seconds == 29 * 60 + 45 and middle.seconds == 30
    at_start = ClipSpan.around(hour, utc(5, 14, 0, 5), 30)
    assert (at_start.start, at_start.end) == (utc(5, 14), utc(5, 14, 0, 30))
    at_end = ClipSpan.around(hour, utc(5, 14, 59, 59), 30)
    assert (at_end.start, at_end.end) == (utc(5, 14, 59, 30), utc(5, 15))
    short = recording(utc(5, 14), utc(5, 14, 0, 10))
    whole = ClipSpan.around(short, utc(5, 14, 0, 5), 30)
    assert (whole.start, whole.end, whole.seconds) == (utc(5, 14), short.end, 10)
    first = ClipSpan.first(hour, 30)
    assert (first.start, first.end - first.start) == (hour.start, timedelta(seconds=30))
