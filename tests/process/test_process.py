"""`python -m bot` as a process: it starts, registers its commands, greets, and stops cleanly;
and a bad BOT_TOKEN stops it with one clear line instead of a traceback.

The bot talks HTTP to `BotApiServer` on 127.0.0.1 (TELEGRAM_API_URL), never to Telegram.
"""

import signal
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from tests.harness import ChatMessage, FakeBotApi, Person
from tests.process.bot_api_server import BotApiServer
from tests.process.running import (
    ALICE,
    TIMEOUT,
    TOKEN,
    bot_environment,
    run_to_the_end,
    running_bot,
)

pytestmark = pytest.mark.process


def test_the_bot_starts_greets_and_stops_cleanly(tmp_path: Path, server: BotApiServer) -> None:
    environment = bot_environment(tmp_path, server, BOT_TOKEN=TOKEN)
    with running_bot(tmp_path, environment) as bot:
        bot.wait_for(server, lambda api: api.bot_commands(), "register its commands")

        server.send_text(ALICE, "/start")
        bot.wait_for(server, lambda api: _bot_replies(api, ALICE), "answer /start")

        [greeting] = _bot_replies(server.api, ALICE)
        assert greeting.text and "Welcome" in greeting.text and "Alice" in greeting.text
        bot.process.send_signal(signal.SIGINT)
        assert bot.process.wait(timeout=TIMEOUT) == 0, bot.log()
    assert "Traceback" not in bot.log()


def test_a_wizard_goes_on_after_the_bot_is_killed_and_started_again(
    tmp_path: Path, server: BotApiServer
) -> None:
    """SIGKILL mid-/adddevice: no shut-down, so what each step did was already stored."""
    environment = bot_environment(tmp_path, server, BOT_TOKEN=TOKEN)

    def says(text: str) -> Callable[[FakeBotApi], bool]:
        def said(api: FakeBotApi) -> bool:
            replies = _bot_replies(api, ALICE)
            confirmed = not api.updates  # Telegram will not hand the update over again
            return confirmed and bool(replies) and text in (replies[-1].text or "")

        return said

    def stored(api: FakeBotApi) -> bool:
        """The name step (3) is in the database: the bot writes it just after it answers."""
        with closing(sqlite3.connect(tmp_path / "camshare.db")) as database:
            rows = database.execute("SELECT state FROM conversationstate").fetchall()
        return rows == [("3",)]

    with running_bot(tmp_path, environment) as bot:
        bot.wait_for(server, lambda api: api.bot_commands(), "register its commands")
        for text, answer in [
            ("/start", "Welcome"),
            ("/adddevice", "1/6"),
            ("J12345678", "2/6"),
            ("abcdef", "3/6"),
        ]:
            server.send_text(ALICE, text)
            bot.wait_for(server, says(answer), f"answer {text}")
        bot.wait_for(server, stored, "store the step")
        bot.process.send_signal(signal.SIGKILL)
        bot.process.wait(timeout=TIMEOUT)

    with running_bot(tmp_path, environment) as bot:
        server.send_text(ALICE, "Front door")
        bot.wait_for(server, says("4/6"), "ask for the type after the restart")
        server.tap(ALICE, "📷 Camera", message=_bot_replies(server.api, ALICE)[-1])
        bot.wait_for(server, says("6/6"), "ask for the firmware")
        server.send_text(ALICE, "V5.7.3 build 220112")
        bot.wait_for(
            server,
            lambda api: any(text.startswith("✅ Added Front door.") for text in _texts(api)),
            "add the device",
        )
        bot.process.send_signal(signal.SIGINT)
        assert bot.process.wait(timeout=TIMEOUT) == 0, bot.log()
    assert "Traceback" not in bot.log()


def _texts(api: FakeBotApi) -> list[str]:
    return [message.text or "" for message in _bot_replies(api, ALICE)]


def _bot_replies(api: FakeBotApi, person: Person) -> list[ChatMessage]:
    chat = api.chats.get(person.id)
    return [message for message in chat.messages.values() if message.from_bot] if chat else []


@pytest.mark.parametrize(
    "token",
    [None, "not-a-token", "123456:short"],
    ids=["missing", "malformed", "too short"],
)
def test_a_bad_token_stops_the_bot_with_one_clear_line(
    tmp_path: Path, server: BotApiServer, token: str | None
) -> None:
    settings = {} if token is None else {"BOT_TOKEN": token}

    finished = run_to_the_end(tmp_path, bot_environment(tmp_path, server, **settings))

    assert finished.returncode != 0
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1 and "BOT_TOKEN" in lines[0], finished.stderr
    assert server.api.calls == []  # refused before a single request


def test_a_token_telegram_refuses_stops_the_bot_with_a_clear_line(
    tmp_path: Path, server: BotApiServer
) -> None:
    other_token = "654321:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"  # well formed, not this bot's

    finished = run_to_the_end(tmp_path, bot_environment(tmp_path, server, BOT_TOKEN=other_token))

    assert finished.returncode != 0
    assert "Traceback" not in finished.stderr
    assert "BOT_TOKEN" in finished.stderr.strip().splitlines()[-1], finished.stderr
