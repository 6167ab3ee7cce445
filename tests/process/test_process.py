"""`python -m bot` as a process: it starts, registers its commands, greets, and stops cleanly;
and a bad BOT_TOKEN stops it with one clear line instead of a traceback.

The bot talks HTTP to `BotApiServer` on 127.0.0.1 (TELEGRAM_API_URL), never to Telegram.
"""

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import ChatMessage, FakeBotApi, Person
from tests.process.bot_api_server import BotApiServer

pytestmark = pytest.mark.process

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds; a healthy start takes a few
ALICE = Person(id=1001, first_name="Alice", language_code="en")

# Inherited values of these would change what the bot reads (pydantic-settings ignores case),
# and a proxy would send its requests for 127.0.0.1 elsewhere.
_NOT_INHERITED = {
    "BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_URL",
    "INVITE_TTL_SECONDS",
    "EXPIRY_SWEEP_SECONDS",
    "SMTP_URL",
    "SMTP_FROM",
    "DEFAULT_REGION",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
}


def bot_environment(tmp_path: Path, server: BotApiServer, **settings: str) -> dict[str, str]:
    inherited = {
        name: value for name, value in os.environ.items() if name.upper() not in _NOT_INHERITED
    }
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return {
        **inherited,
        "PYTHONPATH": python_path,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'camshare.db'}",
        **settings,
    }


@dataclass
class RunningBot:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(
        self, server: BotApiServer, condition: Callable[[FakeBotApi], object], what: str
    ) -> None:
        if not server.wait_until(
            condition, timeout=TIMEOUT, unless=lambda: self.process.poll() is not None
        ):
            pytest.fail(
                f"the bot did not {what} within {TIMEOUT} s (exit status {self.process.poll()});"
                f" its output:\n{self.log()}"
            )


@contextmanager
def running_bot(tmp_path: Path, environment: dict[str, str]) -> Iterator[RunningBot]:
    """`python -m bot` in an empty directory (so no .env is read), output kept in a file."""
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield RunningBot(process, log_path)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(FakeBotApi(token=TOKEN)) as server:
        yield server


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
        server.tap(ALICE, _bot_replies(server.api, ALICE)[-1], "📷 Camera")
        bot.wait_for(server, says("6/6"), "ask for the firmware")
        server.send_text(ALICE, "V5.7.3 build 220112")
        bot.wait_for(server, lambda api: "✅ Added Front door." in _texts(api), "add the device")
        bot.process.send_signal(signal.SIGINT)
        assert bot.process.wait(timeout=TIMEOUT) == 0, bot.log()
    assert "Traceback" not in bot.log()


def _texts(api: FakeBotApi) -> list[str]:
    return [message.text or "" for message in _bot_replies(api, ALICE)]


def _bot_replies(api: FakeBotApi, person: Person) -> list[ChatMessage]:
    chat = api.chats.get(person.id)
    return [message for message in chat.messages.values() if message.from_bot] if chat else []


def run_to_the_end(tmp_path: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


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
