"""The Bot API stand-in every process test's bot talks to."""

from collections.abc import Iterator

import pytest

from tests.harness import FakeBotApi
from tests.process.bot_api_server import BotApiServer
from tests.process.running import TOKEN


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(FakeBotApi(token=TOKEN)) as server:
        yield server
