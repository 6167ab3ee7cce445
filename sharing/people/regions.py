"""Regions (R3): ISO 3166-1 alpha-2 codes that phonenumbers knows, named by babel's CLDR data in
the reader's language; a search finds a region by its name in English too."""

from functools import cache

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.core import get_global

from languages import SOURCE_LANGUAGE, current_language

_ALIASES = {"uk": "GB", "usa": "US", "uae": "AE"}
"""What people type that is not the ISO code."""


def region_names() -> dict[str, str]:
    """Every region we accept, code -> name in the reader's language, sorted by name."""
    return _region_names(current_language())


@cache
def _region_names(language: str) -> dict[str, str]:
    territories = Locale.parse(language).territories
    names = {code: territories.get(code, code) for code in phonenumbers.SUPPORTED_REGIONS}
    return dict(sorted(names.items(), key=lambda item: item[1]))


def is_region(code: str) -> bool:
    return code in _region_names(SOURCE_LANGUAGE)


def region_name(code: str) -> str:
    return region_names().get(code, code)


def region_flag(code: str) -> str:
    """The flag emoji: two regional indicator symbols."""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())


def search_regions(query: str, *, limit: int = 8) -> list[str]:
    """Codes whose code equals, or whose name starts with or contains, what the user typed."""
    needle = query.strip().casefold()
    if not needle:
        return []
    names = [*region_names().items(), *_region_names(SOURCE_LANGUAGE).items()]
    exact = [code for code, _name in names if code.casefold() == needle]
    exact += [_ALIASES[needle]] if needle in _ALIASES else []
    starts = [code for code, name in names if name.casefold().startswith(needle)]
    contains = [code for code, name in names if needle in name.casefold()]
    return list(dict.fromkeys(exact + starts + contains))[:limit]


def guess_region(
    *, phone: str | None = None, language_code: str | None = None, default: str | None = None
) -> str | None:
    """The best first proposal: the phone's country, then the language's, then the default."""
    region = _region_of_phone(phone) if phone else None
    if region:
        return region
    if language_code:
        region = _region_of_language(language_code)
        if region:
            return region
    return default


def _region_of_phone(phone: str) -> str | None:
    """The region of the number; for a number no region has assigned (Ofcom's drama range
    +44 7700 900xxx), the main region of its country code: GB for +44, US for +1."""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number) or (
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )
    return region if region and is_region(region) else None


def _region_of_language(language_code: str) -> str | None:
    """`pt-br` -> BR; `de` -> DE through CLDR's likely subtags; `en` -> US."""
    try:
        locale = Locale.parse(language_code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    if locale.territory and is_region(locale.territory):
        return locale.territory
    likely = get_global("likely_subtags").get(locale.language, "")
    territory = likely.split("_")[-1] if likely else ""
    return territory if is_region(territory) else None
