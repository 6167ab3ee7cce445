"""Handler tests drive the bot's own Application, built by `build_application`."""

import functools

import pytest

from bot.app import build_application
from bot.settings import Settings
from storage.database import Database
from tests.handlers.journeys import RITA_PHONE, add_nvr, started, verified
from tests.harness.fixtures import ApplicationFactory
from tests.harness.users import Telegram, TelegramUser

TEST_TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
TEST_SECRET_KEY = "a-test-key-that-seals-device-passwords"


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        bot_token=TEST_TOKEN,
        database_url=database.url.render_as_string(hide_password=False),
        secret_key=TEST_SECRET_KEY,
        portal_port=0,  # the portal's own tests (tests/portal) turn it on
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def application_factory(settings: Settings) -> ApplicationFactory:
    return functools.partial(build_application, settings, paced=False)


@pytest.fixture
async def olivia(telegram: Telegram) -> TelegramUser:
    """An owner in the United Kingdom with a 4-channel NVR, Shop NVR."""
    owner = await started(telegram, "Olivia")
    await add_nvr(owner)
    return owner


@pytest.fixture
async def rita(telegram: Telegram) -> TelegramUser:
    """A recipient in the United Kingdom who proved RITA_PHONE; @rita_cam."""
    return await verified(telegram, "Rita", RITA_PHONE, username="rita_cam")
