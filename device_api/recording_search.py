"""What "today", "yesterday" or a date means to a person, as the span a recording search asks.

A day runs from midnight to midnight on the person's clock, in their time zone, whatever the
device's zone: 23 or 25 hours on the days the clocks change, and from the first moment that
exists where a zone skips midnight (fold 0 puts a skipped midnight at the instant the clocks
jump). The span is in UTC, as ISAPI's content search takes it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Self

from device_api.driver import DeviceDriver
from device_api.results import Recording


@dataclass(frozen=True)
class RecordingSearch:
    """One channel's recordings over [start, end), both UTC."""

    channel: int
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.channel < 1:
            raise ValueError("channels are numbered from 1")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if self.start >= self.end:
            raise ValueError("start must come before end")

    @classmethod
    def on_day(cls, channel: int, day: date, zone: tzinfo) -> Self:
        """The whole of `day` on the clocks of `zone`."""
        start = datetime.combine(day, time(), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        return cls(channel, start.astimezone(UTC), end.astimezone(UTC))

    @classmethod
    def today(cls, channel: int, *, now: datetime, zone: tzinfo) -> Self:
        """The day that `now` (timezone-aware) falls on in `zone`: all of it, so that a
        search now also finds what is still being recorded."""
        return cls.on_day(channel, _local_date(now, zone), zone)

    @classmethod
    def yesterday(cls, channel: int, *, now: datetime, zone: tzinfo) -> Self:
        return cls.on_day(channel, _local_date(now, zone) - timedelta(days=1), zone)

    async def run(self, driver: DeviceDriver) -> list[Recording]:
        return await driver.search_recordings(self.channel, self.start, self.end)


def _local_date(now: datetime, zone: tzinfo) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone).date()
