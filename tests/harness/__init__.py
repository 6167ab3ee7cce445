"""An offline Telegram for tests: a fake Bot API behind the real python-telegram-bot Application.

async def test_greeting(telegram: Telegram) -> None:
    alice = telegram.user("Alice")
    await alice.send("/start")
    assert "Welcome" in alice.last_message.text
"""

from tests.harness.bot_api import FakeBotApi
from tests.harness.fixtures import ApplicationFactory
from tests.harness.request import FakeRequest
from tests.harness.state import CallbackAnswer, ChatMessage, ChatState, Person, StoredFile
from tests.harness.users import Telegram, TelegramGroup, TelegramUser
from tests.harness.wire import ApiCall, Upload

__all__ = [
    "ApiCall",
    "ApplicationFactory",
    "CallbackAnswer",
    "ChatMessage",
    "ChatState",
    "FakeBotApi",
    "FakeRequest",
    "Person",
    "StoredFile",
    "Telegram",
    "TelegramGroup",
    "TelegramUser",
    "Upload",
]
