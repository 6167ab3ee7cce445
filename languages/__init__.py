"""Every word the bot says, in the reader's language: English (the source), Simplified Chinese,
Russian and Spanish.

User-facing text is written in English inside `_()` (or `ngettext()` when it counts something)
and translated when it is made, into the language of whoever will read it: `speaking()` sets
that reader for the code inside it. An update's sender is the reader while it is handled
(bot.app sets it first thing); a message to someone else (an invitation, a notice, a group's
line) is made inside `speaking()` with their language, so a Chinese-speaking owner's invitation
reaches a Russian-speaking recipient in Russian.

Placeholders are named (`{name}`) and filled with `.format()` after translating, never inside
the text given to `_()`: the catalog holds the sentence with its placeholders, and a translator
may move them. Texts made once at import time (button labels in a table) are marked with `N_()`
and translated with `_()` where they are shown.

The catalogs are the `.po` files under languages/catalogs/, compiled in memory the first time a
language is used (no `.mo` files to build or forget); README, "Languages", has the commands
that extract new texts and update the catalogs.

A protocol-like package: it imports nothing of ours, so every layer may use it.
"""

from languages.formats import format_date, format_moment, format_time, time_zone_name
from languages.translation import (
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    SOURCE_LANGUAGE,
    _,
    current_language,
    current_time_zone,
    language_for,
    ngettext,
    set_reader,
    speaking,
)

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "SOURCE_LANGUAGE",
    "_",
    "current_language",
    "current_time_zone",
    "format_date",
    "format_moment",
    "format_time",
    "language_for",
    "ngettext",
    "set_reader",
    "speaking",
    "time_zone_name",
]
