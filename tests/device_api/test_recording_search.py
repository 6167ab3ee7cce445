"""A day on a person's clock as the UTC span of a recording search, clock changes included."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from device_api import RecordingSearch
from tests.device_api.conftest import DriverFor
from tests.device_simulator import DeviceSimulator

PARIS = ZoneInfo("Europe/Paris")
SANTIAGO = ZoneInfo("America/Santiago")  # skips midnight when summer time begins


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_winter_day_in_paris_starts_at_23_utc_the_day_before() -> None:
    search = RecordingSearch.on_day(3, date(2026, 1, 15), PARIS)

    assert search == RecordingSearch(3, utc(2026, 1, 14, 23), utc(2026, 1, 15, 23))


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 7, 1), 24)]
)
def test_days_the_clocks_change_are_23_or_25_hours(day: date, hours: int) -> None:
    search = RecordingSearch.on_day(1, day, PARIS)

    assert search.end - search.start == timedelta(hours=hours)
    assert search.start.astimezone(PARIS).time().hour == 0


def test_a_skipped_midnight_starts_the_day_when_the_clocks_jump() -> None:
    search = RecordingSearch.on_day(1, date(2026, 9, 6), SANTIAGO)

    assert search.start == utc(2026, 9, 6, 4)  # 00:00 -04 does not exist; 01:00 -03 does
    assert search.end - search.start == timedelta(hours=23)


def test_today_and_yesterday_are_the_persons_days_not_utcs() -> None:
    now = utc(2026, 1, 15, 23, 30)  # already the 16th in Paris

    assert RecordingSearch.today(2, now=now, zone=PARIS) == RecordingSearch.on_day(
        2, date(2026, 1, 16), PARIS
    )
    assert RecordingSearch.yesterday(2, now=now, zone=PARIS) == RecordingSearch.on_day(
        2, date(2026, 1, 15), PARIS
    )
    assert RecordingSearch.today(2, now=now, zone=UTC).start == utc(2026, 1, 15)


def test_a_search_needs_aware_times_a_channel_and_a_forward_span() -> None:
    with pytest.raises(ValueError):
        RecordingSearch.today(1, now=datetime(2026, 1, 15, 12), zone=PARIS)
    with pytest.raises(ValueError):
        RecordingSearch(0, utc(2026, 1, 15), utc(2026, 1, 16))
    with pytest.raises(ValueError):
        RecordingSearch(1, utc(2026, 1, 16), utc(2026, 1, 15))


async def test_yesterday_finds_what_the_channel_recorded_on_the_persons_yesterday(
    nvr_simulator: DeviceSimulator, driver_for: DriverFor
) -> None:
    for start in (utc(2026, 1, 14, 22, 30), utc(2026, 1, 14, 23, 30), utc(2026, 1, 15, 22, 30)):
        nvr_simulator.add_recording(channel=5, start=start, end=start + timedelta(minutes=20))

    search = RecordingSearch.yesterday(5, now=utc(2026, 1, 16, 8), zone=PARIS)
    found = await search.run(driver_for(nvr_simulator))

    assert [recording.start for recording in found] == [
        utc(2026, 1, 14, 23, 30),
        utc(2026, 1, 15, 22, 30),
    ]
    assert (nvr_simulator.searches[0].start_time, nvr_simulator.searches[0].end_time) == (
        "2026-01-14T23:00:00Z",
        "2026-01-15T23:00:00Z",
    )
