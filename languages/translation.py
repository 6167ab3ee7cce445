"""The reader's language and time zone for the code running now, and the catalogs.

The reader is a context variable: each update is handled in a task of its own (bot.updates),
so one person's language never leaks into another's messages, and `speaking()` sets it for a
block and restores it after.
"""

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "zh_Hans", "ru", "es")
"""Supported languages, as Babel locale identifiers; the order in which /language lists them."""

LANGUAGE_NAMES = {
    "en": "English",
    "zh_Hans": "简体中文",
    "ru": "Русский",
    "es": "Español",
}
"""Each language in its own name: what a reader looks for in a list of languages."""

CATALOGS = Path(__file__).parent / "catalogs"
DOMAIN = "messages"

_language: ContextVar[str] = ContextVar("language", default=SOURCE_LANGUAGE)
_time_zone: ContextVar[str] = ContextVar("time_zone", default="UTC")


def language_for(code: str | None) -> str:
    """Our language for a Telegram `language_code` (IETF: "ru", "zh-hans", "es-419", "pt-br") or
    one of ours; English for anything else. Every Chinese variant reads Simplified Chinese:
    closer to a Traditional Chinese reader than English is."""
    if not code:
        return SOURCE_LANGUAGE
    if code in LANGUAGES:
        return code
    primary = code.replace("_", "-").split("-", 1)[0].lower()
    if primary == "zh":
        return "zh_Hans"
    return primary if primary in LANGUAGES else SOURCE_LANGUAGE


@contextmanager
def speaking(language: str | None, time_zone: str | None = None) -> Iterator[None]:
    """Texts made inside are for a reader of `language` (ours or Telegram's code), and times
    are shown in `time_zone` (an IANA name; UTC when None)."""
    language_token = _language.set(language_for(language))
    zone_token = _time_zone.set(time_zone or "UTC")
    try:
        yield
    finally:
        _time_zone.reset(zone_token)
        _language.reset(language_token)


def set_reader(language: str | None, time_zone: str | None = None) -> None:
    """As `speaking()`, for the rest of the current task: what bot.app does first for each
    update, whose task ends with it."""
    _language.set(language_for(language))
    _time_zone.set(time_zone or "UTC")


def current_language() -> str:
    return _language.get()


def current_time_zone() -> str:
    return _time_zone.get()


def _(message: str) -> str:
    """`message` (English) in the reader's language."""
    return catalog(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for `count` in the reader's language (Russian has three); the text still takes
    the number as a placeholder: `ngettext("{count} channel", "{count} channels", n)`."""
    return catalog(_language.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks `message` for the catalogs without translating it: for texts made at import time,
    translated with `_()` where they are shown."""
    return message


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The language's compiled catalog. English is the source: its texts are the messages."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    with (CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po_file:
        messages = read_po(po_file, locale=language)
    compiled = BytesIO()
    write_mo(compiled, messages)  # fuzzy entries are left out: they are not translations yet
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
