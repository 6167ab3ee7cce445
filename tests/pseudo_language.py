"""A pseudo-translation for tests that must tell, before any catalog exists, whose language a
text was made in: every language but English marks each text it translates with its code,
"[ru] 📨 Olivia wants to share…", so a test sees which reader each message was made for.

Use the `pseudo_language` fixture (import it into the test module, then ask for it), or
`pseudo_catalogs()` around the code under test.
"""

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest

from languages import SOURCE_LANGUAGE, translation


class PseudoTranslations(gettext.NullTranslations):
    """Marks every text with the language's code instead of translating it."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def gettext(self, message: str) -> str:
        return marked(self.language, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return marked(self.language, msgid1 if n == 1 else msgid2)


def marked(language: str, text: str) -> str:
    """`text` as a pseudo-translation into `language` reads it: "[ru] text"."""
    return f"[{language}] {text}"


def pseudo_catalog(language: str) -> gettext.NullTranslations:
    """Stands in for `languages.translation.catalog`: English as it is, the rest marked."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return PseudoTranslations(language)


@contextmanager
def pseudo_catalogs() -> Iterator[None]:
    """Inside, `_()` and `ngettext()` mark texts instead of reading the real catalogs."""
    with mock.patch.object(translation, "catalog", pseudo_catalog):
        yield


@pytest.fixture
def pseudo_language() -> Iterator[None]:
    """The whole test speaks pseudo-languages: see `pseudo_catalogs`."""
    with pseudo_catalogs():
        yield
