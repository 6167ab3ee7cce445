"""The HTTP stand-in for the Bot API, checked with python-telegram-bot's own HTTP client."""

from collections.abc import AsyncIterator, Iterator
from io import BytesIO

import pytest
from PIL import Image
from telegram import Bot
from telegram.error import BadRequest, InvalidToken

from tests.harness import FakeBotApi, Person
from tests.process.bot_api_server import BotApiServer

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
ALICE = Person(id=1001, first_name="Alice")


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(FakeBotApi(token=TOKEN)) as server:
        yield server


def bot_for(server: BotApiServer, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with bot_for(server) as bot:
        yield bot


async def test_a_queued_message_is_polled_and_confirmed(server: BotApiServer, bot: Bot) -> None:
    server.send_text(ALICE, "/start")

    [update] = await bot.get_updates(timeout=10)  # answered at once: an update is waiting
    assert update.message and update.message.text == "/start"
    assert update.message.from_user and update.message.from_user.first_name == "Alice"

    assert await bot.get_updates(offset=update.update_id + 1) == ()


async def test_replies_and_uploads_reach_the_shared_state(server: BotApiServer, bot: Bot) -> None:
    server.send_text(ALICE, "/qr")
    image = BytesIO()
    Image.new("RGB", (4, 3)).save(image, format="PNG")

    await bot.send_message(ALICE.id, "<b>Hi</b>, Alice", parse_mode="HTML")
    sent = await bot.send_photo(ALICE.id, image.getvalue(), caption="Scan me")

    chat = server.api.chats[ALICE.id]
    assert [message.text or message.caption for message in chat.messages.values()] == [
        "/qr",
        "Hi, Alice",
        "Scan me",
    ]
    photo = await sent.photo[-1].get_file()
    assert await photo.download_as_bytearray() == image.getvalue()


async def test_refusals_travel_as_telegram_errors(server: BotApiServer, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(ALICE.id, "Hello")
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with bot_for(server, token="654321:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"):
            pass
