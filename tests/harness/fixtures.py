"""Fixtures: the fake Bot API, the real Application built on it, and the people who use it.

`application_factory` says which Application the tests drive. Tests of the bot point it at the
bot's own factory, for example in tests/handlers/conftest.py:

    @pytest.fixture
    def application_factory(settings: Settings) -> ApplicationFactory:
        return functools.partial(build_application, settings)
"""

from collections.abc import AsyncIterator
from typing import Protocol

import pytest
from telegram.request import BaseRequest

from tests.clock import FakeClock
from tests.harness.bot_api import Clock, FakeBotApi
from tests.harness.request import FakeRequest
from tests.harness.users import AnyApplication, Telegram


class ApplicationFactory(Protocol):
    def __call__(self, *, request: BaseRequest, clock: Clock) -> AnyApplication: ...


@pytest.fixture
def bot_api(clock: FakeClock) -> FakeBotApi:
    """Telegram as the bot sees it, on the same clock as the bot."""
    return FakeBotApi(clock=clock)


@pytest.fixture
def application_factory() -> ApplicationFactory:
    pytest.fail("override the application_factory fixture to say which Application to drive")


@pytest.fixture
async def application(
    application_factory: ApplicationFactory, bot_api: FakeBotApi, clock: FakeClock
) -> AsyncIterator[AnyApplication]:
    """The Application, initialised offline as `run_polling` would, without polling.

    Updates arrive through `Telegram.deliver` instead. The job queue is not started: tests call
    a job's callback when they move the clock, so nothing runs on the wall clock.
    """
    application = application_factory(request=FakeRequest(bot_api), clock=clock)
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        yield application
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
    bot_api.check()


@pytest.fixture
def telegram(application: AnyApplication, bot_api: FakeBotApi) -> Telegram:
    """Where tests make users and groups: `alice = telegram.user("Alice")`."""
    return Telegram(application, bot_api)
