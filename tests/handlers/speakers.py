"""People who speak other languages, for tests with pseudo-translations (tests.pseudo_language)."""

from languages import LANGUAGE_NAMES
from tests.harness.users import TelegramUser


async def speak(user: TelegramUser, language: str) -> None:
    """The user chooses `language` with /language, as a person does."""
    await user.send("/language")
    await user.tap(LANGUAGE_NAMES[language])
