"""Reading a time zone from what a person types."""

import pytest

from sharing.errors import UnknownTimeZone
from sharing.people.time_zones import find_time_zone


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("  new   york ", "America/New_York"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),  # and its alias: one zone
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("UTC+0", "UTC"),
        ("UTC+3", "Etc/GMT-3"),  # POSIX signs are inverted
        ("utc -5", "Etc/GMT+5"),
        ("UTC-05:00", "Etc/GMT+5"),
        ("UTC+14", "Etc/GMT-14"),
    ],
)
def test_zones_found(typed: str, zone: str) -> None:
    assert find_time_zone(typed) == zone


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "Atlantis",
        "Pacific",  # US/Pacific and Canada/Pacific are not cities
        "UTC+05:30",  # no fixed zone for it: the city's zone instead
        "UTC+15",
        "UTC-13",
        "Europe/",
    ],
)
def test_zones_refused(typed: str) -> None:
    with pytest.raises(UnknownTimeZone):
        find_time_zone(typed)
