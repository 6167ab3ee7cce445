"""A moment a person types ("yesterday 14:30"), read on their own clock, as a UTC instant.

The forms read, case and extra spaces aside (seconds may follow the minutes, "14:30:15"):

- `14:30`: today;
- `today 14:30`, `yesterday 14:30` (the words in English, or as the caller adds them for the
  person's language);
- `2026-12-05 14:30` (also `2026-12-05T14:30`);
- `5 Dec 14:30`, `5 Dec 2026 14:30`, `5 December 2026, 14:30`: a day and an English month
  name (or its first three letters), as the bot writes dates; without a year, the last such
  day that is not after today.

The clock is the person's time zone (an IANA name). A time the clocks pass twice when they go
back is the earlier of the two; one they skip when they go forward is read with the offset
before the change (02:30 where 02:00 jumps to 03:00 is 03:30): `fold=0` both times. A moment
after `now` is `MomentInFuture`; anything else unread is `UnreadableMoment`.
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sharing.errors import MomentInFuture, UnreadableMoment

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_TIME = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
_TIME_ONLY = re.compile(rf"{_TIME}")
_WORD_AND_TIME = re.compile(rf"(?P<word>\w+),? {_TIME}")
_ISO = re.compile(rf"(?P<year>\d{{4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}})(?: |t){_TIME}")
_DAY_MONTH = re.compile(
    rf"(?P<day>\d{{1,2}}) (?P<month>[a-z]{{3,9}})\.?(?: (?P<year>\d{{4}}))?,? {_TIME}"
)


def read_moment(
    text: str,
    *,
    now: datetime,
    zone: str,
    today_words: Iterable[str] = (),
    yesterday_words: Iterable[str] = (),
) -> datetime:
    """The instant `text` names on the clocks of `zone`, in UTC; `now` is timezone-aware.
    `today_words` and `yesterday_words` add to "today" and "yesterday" (lower case)."""
    clock = ZoneInfo(zone)
    today = now.astimezone(clock).date()
    typed = " ".join(text.lower().split())
    day_by_word = {"today": today, "yesterday": today - timedelta(days=1)}
    day_by_word |= {word.lower(): today for word in today_words}
    day_by_word |= {word.lower(): today - timedelta(days=1) for word in yesterday_words}
    if match := _TIME_ONLY.fullmatch(typed):
        day: date | None = today
    elif match := _WORD_AND_TIME.fullmatch(typed):
        day = day_by_word.get(match["word"])
    elif match := _ISO.fullmatch(typed):
        day = _date(int(match["year"]), int(match["month"]), int(match["day"]))
    elif match := _DAY_MONTH.fullmatch(typed):
        day = _day_month(match["day"], match["month"], match["year"], today=today)
    else:
        raise UnreadableMoment(text=text)
    moment_time = _time(match["hour"], match["minute"], match["second"])
    if day is None or moment_time is None:
        raise UnreadableMoment(text=text)
    moment = datetime.combine(day, moment_time, tzinfo=clock).astimezone(UTC)
    if moment > now:
        raise MomentInFuture(moment=moment)
    return moment


def _day_month(day: str, month_name: str, year: str | None, *, today: date) -> date | None:
    month = next(
        (number for number, name in enumerate(MONTHS, 1) if name.startswith(month_name)), None
    )
    if month is None:
        return None
    if year is not None:
        return _date(int(year), month, int(day))
    this_year = _date(today.year, month, int(day))
    if this_year is not None and this_year <= today:
        return this_year
    return _date(today.year - 1, month, int(day))


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _time(hour: str, minute: str, second: str | None) -> time | None:
    try:
        return time(int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
