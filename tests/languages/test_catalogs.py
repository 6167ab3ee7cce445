"""The catalogs hold a complete, faithful translation of every text the code asks for."""

import re
from collections import Counter

import pytest

from languages import LANGUAGES, SOURCE_LANGUAGE
from tests.languages.catalogs import Text, catalog, extracted_texts, singular, translated_forms

TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"</?[a-z]+(?:\s[^>]*)?>")
PLURAL_FORMS = {"zh_Hans": 1, "ru": 3, "es": 3}
"""CLDR's: Spanish has a form for millions ("1 millón de canales"), besides one and other."""


@pytest.fixture(scope="module")
def texts() -> dict[str, Text]:
    return extracted_texts()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_of_the_code_is_in_the_catalog_and_nothing_else(
    language: str, texts: dict[str, Text]
) -> None:
    ids = {singular(message) for message in catalog(language) if message.id}
    missing = sorted(set(texts) - ids)
    stale = sorted(ids - set(texts))
    assert not missing, f"{language}: not in the catalog (run the README's update): {missing[:10]}"
    assert not stale, f"{language}: no longer in the code (run the README's update): {stale[:10]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_is_translated_and_none_is_fuzzy(language: str) -> None:
    messages = [message for message in catalog(language) if message.id]
    fuzzy = [message.id for message in messages if message.fuzzy]
    empty = [message.id for message in messages if not all(translated_forms(message))]
    assert not fuzzy, f"{language}: fuzzy: {fuzzy[:10]}"
    assert not empty, f"{language}: untranslated: {empty[:10]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_texts_have_the_languages_forms(language: str) -> None:
    book = catalog(language)
    assert book.num_plurals == PLURAL_FORMS[language]
    for message in book:
        if message.id and message.pluralizable:
            assert len(list(translated_forms(message))) == PLURAL_FORMS[language], message.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders_and_tags(language: str) -> None:
    """A translation names the same placeholders (it may move them) and the same HTML tags, and
    fills in with `.format()` as the English does."""
    for message in catalog(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        for translated in translated_forms(message):
            where = f"{language}: {source!r} -> {translated!r}"
            assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(source)), where
            assert Counter(TAG.findall(translated)) == Counter(TAG.findall(source)), where
            names = {name: "x" for name in PLACEHOLDER.findall(source)}
            translated.format(**names)  # no stray braces


NAMES = re.compile(
    r"\{\w*\}|<[^>]+>|/\w+|\b(?:CamShare|Telegram|Hik-Connect|ISAPI|NVR|DVR|PTZ|QR|UTC|HTTPS?)\b"
)
"""What stays as it is in every language: placeholders, tags, commands, the product's names."""
SAME_IN_SPANISH = {"Firmware: {version}"}
"""Spanish says "firmware" too."""


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_text_is_left_in_english(language: str) -> None:
    """An entry whose "translation" is the English copied over passes every other check."""
    copied = [
        message.id
        for message in catalog(language)
        if message.id
        and singular(message) not in SAME_IN_SPANISH
        and re.search("[A-Za-z]{3,}", NAMES.sub(" ", singular(message)))
        and any(
            form in (singular(message), message.id[-1] if not isinstance(message.id, str) else "")
            for form in translated_forms(message)
        )
    ]
    assert not copied, f"{language}: English left as the translation: {copied[:10]}"
