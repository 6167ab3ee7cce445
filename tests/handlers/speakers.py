"""People who speak other languages, for tests with pseudo-translations (tests.pseudo_language)."""

from handlers.common.context import CamShareContext
from sharing.people import accounts
from tests.harness.users import AnyApplication, TelegramUser


async def speak(application: AnyApplication, user: TelegramUser, language: str) -> None:
    """The user chose `language` for their account, as /language does."""
    services = CamShareContext(application).services
    async with services.database.write() as session:
        await accounts.set_language(session, account_id=user.id, language=language)
    services.readers.forget(user.id)
