"""Dates and times for the reader: in their language (Babel's CLDR data) and time zone.

English reads dates the British way ("8 Jan 2026, 09:05"): day before month and a 24-hour
clock read right everywhere English is a second language, where most CCTV installers are.
"""

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime, get_timezone_name

from languages.translation import current_language, current_time_zone

FORMATTING_LOCALES = {"en": "en_GB"}
"""Where the locale that formats dates is not the language's own."""


def format_moment(moment: datetime) -> str:
    """A date and a 24-hour time with the zone: "8 Jan 2026, 09:05 UTC" in English."""
    local = _local(moment)
    shown = format_datetime(local, _moment_pattern(current_language()), locale=_locale())
    return f"{shown} {_zone_label(local)}"


def format_time(moment: datetime) -> str:
    """A time of day (for a recent moment), with the zone: "09:05 UTC"."""
    local = _local(moment)
    pattern = _locale().datetime_skeletons["Hm"].pattern
    return f"{format_datetime(local, pattern, locale=_locale())} {_zone_label(local)}"


def format_date(day: date | datetime) -> str:
    """A day: "8 Jan 2026" in English."""
    if isinstance(day, datetime):
        day = _local(day).date()
    return babel_format_date(day, "medium", locale=_locale())


def time_zone_name(zone: str) -> str:
    """An IANA zone as the reader knows it: "Moscow Time (Europe/Moscow)"; UTC and the fixed
    offsets, which have no name, as their offset ("UTC", "UTC+3" for Etc/GMT-3, whose POSIX
    sign is inverted)."""
    if zone == "UTC":
        return "UTC"
    if zone.startswith(("Etc/GMT-", "Etc/GMT+")):
        posix_sign, hours = zone[7], zone[8:]
        return f"UTC{'-' if posix_sign == '+' else '+'}{hours}"
    return f"{get_timezone_name(ZoneInfo(zone), 'long', locale=_locale())} ({zone})"


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(current_time_zone()))


def _locale() -> Locale:
    return _babel_locale(current_language())


@cache
def _babel_locale(language: str) -> Locale:
    return Locale.parse(FORMATTING_LOCALES.get(language, language))


@cache
def _moment_pattern(language: str) -> str:
    """The language's medium date and its 24-hour time, joined as the language joins them."""
    locale = _babel_locale(language)
    time_pattern = locale.datetime_skeletons["Hm"].pattern
    date_pattern = locale.date_formats["medium"].pattern
    return str(locale.datetime_formats["medium"]).format(time_pattern, date_pattern)


def _zone_label(local: datetime) -> str:
    """UTC; else the zone's abbreviation where it has a lettered one (CET), or its offset
    (UTC-3, UTC+5:30)."""
    if current_time_zone() == "UTC":
        return "UTC"
    abbreviation = local.tzname() or ""
    if abbreviation[:1].isalpha():
        return abbreviation
    minutes = int((local.utcoffset() or timedelta()).total_seconds()) // 60
    hours, minute = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{minute:02}" if minute else "")
