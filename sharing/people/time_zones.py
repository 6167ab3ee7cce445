"""A person's time zone from what they type: a city ("Berlin", "new york"), an IANA name
("Europe/Berlin") or an offset from UTC ("UTC", "UTC+3", "GMT-05:00").

What is found is always an IANA name that `zoneinfo` opens, as the account keeps it and
languages formats times with it. An offset maps to the fixed zones "Etc/GMT-3", whose sign is
POSIX's, the inverse of ISO's: UTC+3 is "Etc/GMT-3". Those exist for whole hours from UTC-12 to
UTC+14 only, so another offset (UTC+05:30) is refused, and the person types their city instead,
which also follows the zone's summer time.
"""

import re
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from sharing.errors import UnknownTimeZone

_OFFSET = re.compile(
    r"^(?:utc|gmt)\s*(?:(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?)?$"
)
_AREAS = frozenset(
    {
        *("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia"),
        *("Europe", "Indian", "Pacific"),
    }
)
"""The geographic areas of the tz database: their last part names a city. Others ("US/Pacific",
"Canada/Central", bare "Singapore") are older aliases of these."""


def find_time_zone(text: str) -> str:
    """The IANA name for `text`; UnknownTimeZone when it names none, or several that differ."""
    typed = " ".join(text.split())
    key = typed.lower()
    if offset := _OFFSET.match(key):
        return _offset_zone(typed, offset)
    if zone := _zones_by_name().get(key):
        return zone
    cities = _zones_by_city().get(key.replace(" ", "_"), ())
    if len(cities) == 1 or (cities and _same_offsets(cities)):
        return cities[0]
    raise UnknownTimeZone(typed)


def _offset_zone(typed: str, offset: re.Match[str]) -> str:
    if offset["sign"] is None:
        return "UTC"
    hours, minutes = int(offset["hours"]), int(offset["minutes"] or 0)
    if minutes:
        raise UnknownTimeZone(typed)
    if hours == 0:
        return "UTC"
    posix_sign = "-" if offset["sign"] == "+" else "+"
    zone = f"Etc/GMT{posix_sign}{hours}"
    if zone.lower() not in _zones_by_name():  # cached: the list is read from disk
        raise UnknownTimeZone(typed)
    return zone


@cache
def _zones_by_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


@cache
def _zones_by_city() -> dict[str, tuple[str, ...]]:
    """Last part of each geographic zone's name, lower case -> the zones, canonical first (the
    longer name: "America/Argentina/Buenos_Aires" before its alias "America/Buenos_Aires")."""
    cities: dict[str, list[str]] = {}
    for zone in available_timezones():
        area, __, city = zone.rpartition("/")
        if area.split("/", 1)[0] in _AREAS:
            cities.setdefault(city.lower(), []).append(zone)
    return {
        city: tuple(sorted(zones, key=lambda zone: (-zone.count("/"), zone)))
        for city, zones in cities.items()
    }


def _same_offsets(zones: tuple[str, ...]) -> bool:
    """Whether the zones are one zone under several names: the same offsets in winter and
    summer of this year and the last."""
    year = datetime.now(UTC).year
    moments = [datetime(y, m, 15, tzinfo=UTC) for y in (year - 1, year) for m in (1, 7)]
    offsets = {
        tuple(moment.astimezone(ZoneInfo(zone)).utcoffset() for moment in moments) for zone in zones
    }
    return len(offsets) == 1
