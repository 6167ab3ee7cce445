"""Catalogs that mark every text with its language ("[ru] Saved"), so a test can tell which
language each message was made in before the real catalogs are translated; English stays the
source, unmarked. Use the `pseudo_catalogs` fixture, and `speak` to set an account's language."""

import gettext
from collections.abc import Iterator

import pytest

from languages import SOURCE_LANGUAGE, translation
from sharing.people import accounts
from storage.database import Database
from tests.harness.state import CallbackAnswer, ChatMessage
from tests.harness.users import TelegramUser


class PseudoCatalog(gettext.NullTranslations):
    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def gettext(self, message: str) -> str:
        return f"[{self.language}] {message}"

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return f"[{self.language}] {msgid1 if n == 1 else msgid2}"


@pytest.fixture
def pseudo_catalogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def catalog(language: str) -> gettext.NullTranslations:
        if language == SOURCE_LANGUAGE:
            return gettext.NullTranslations()
        return PseudoCatalog(language)

    monkeypatch.setattr(translation, "catalog", catalog)
    yield


async def speak(database: Database, user: TelegramUser, language: str) -> None:
    """The user chose `language` for their account (as /language does)."""
    async with database.write() as session:
        await accounts.set_language(session, account_id=user.id, language=language)


async def tap_at(
    user: TelegramUser, message: ChatMessage, row: int, column: int = 0
) -> CallbackAnswer:
    """Tap a button by its place on `message`: for buttons whose label a test should not spell
    out (another part of the bot words it, in the user's language)."""
    data = message.content.inline_keyboard[row][column]["callback_data"]
    return await user.forge_callback(data, message=message)
