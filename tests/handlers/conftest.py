"""Handler tests drive the bot's own Application, built by `build_application`."""

import functools

import pytest

from bot.app import build_application
from bot.settings import Settings
from storage.database import Database
from tests.harness.fixtures import ApplicationFactory

TEST_TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        bot_token=TEST_TOKEN,
        database_url=database.url.render_as_string(hide_password=False),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def application_factory(settings: Settings) -> ApplicationFactory:
    return functools.partial(build_application, settings, paced=False)
