"""`python -m bot` as it runs in production: stopped by SIGTERM in the middle of an update, its
health endpoint, and updates by webhook. The Bot API is `BotApiServer` on 127.0.0.1."""

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import ChatMessage, FakeBotApi, Person
from tests.process.bot_api_server import BotApiServer
from tests.process.running import ALICE, TIMEOUT, TOKEN, RunningBot, bot_environment, running_bot

pytestmark = pytest.mark.process

STOP_SECONDS = 5
"""How soon a bot told to stop must be gone, once nothing holds it."""

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, no proxy


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(FakeBotApi(token=TOKEN)) as server:
        yield server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def replies(api: FakeBotApi, person: Person) -> list[ChatMessage]:
    chat = api.chats.get(person.id)
    return [message for message in chat.messages.values() if message.from_bot] if chat else []


def poll(bot: RunningBot, condition: Callable[[], object], what: str) -> Any:
    """Ask `condition` every 50 ms until it is truthy; fail if the bot dies or TIMEOUT passes."""
    deadline = time.monotonic() + TIMEOUT
    while not (result := condition()):
        if time.monotonic() > deadline or bot.process.poll() is not None:
            pytest.fail(f"the bot did not {what} (exit status {bot.process.poll()}):\n{bot.log()}")
        time.sleep(0.05)
    return result


def request(url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None) -> Any:
    """(status, body) of a request to one of the bot's own HTTP servers; None if none listens."""
    try:
        with _DIRECT.open(urllib.request.Request(url, data=body, headers=headers or {})) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return None


def stop(bot: RunningBot) -> int:
    bot.process.send_signal(signal.SIGTERM)
    try:
        return bot.process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the bot did not stop within {STOP_SECONDS} s of SIGTERM:\n{bot.log()}")


def test_sigterm_mid_update_lets_the_update_finish_then_stops(
    tmp_path: Path, server: BotApiServer
) -> None:
    with running_bot(tmp_path, bot_environment(tmp_path, server, BOT_TOKEN=TOKEN)) as bot:
        bot.wait_for(server, lambda api: api.bot_commands(), "register its commands")
        reply = server.hold("sendMessage")
        server.send_text(ALICE, "/start")
        poll(bot, reply.parked.is_set, "start answering /start")

        bot.process.send_signal(signal.SIGTERM)
        poll(bot, lambda: "Application is stopping" in bot.log(), "begin to stop")
        assert bot.process.poll() is None, "it must wait for the update in flight"
        reply.released.set()

        assert bot.process.wait(timeout=STOP_SECONDS) == 0, bot.log()
    [greeting] = replies(server.api, ALICE)
    assert greeting.text and "Welcome" in greeting.text
    assert "stopped: the database is closed" in bot.log()
    assert "Traceback" not in bot.log()


def test_sigterm_during_start_up_stops_once_started(tmp_path: Path, server: BotApiServer) -> None:
    """A stop asked while python-telegram-bot's start-up talks to Telegram (deleteWebhook) waits
    for it, then stops as always: nothing interrupted mid-request, the database closed."""
    bootstrap = server.hold("deleteWebhook")
    with running_bot(tmp_path, bot_environment(tmp_path, server, BOT_TOKEN=TOKEN)) as bot:
        poll(bot, bootstrap.parked.is_set, "start up")
        bot.process.send_signal(signal.SIGTERM)
        server.release("deleteWebhook")
        assert bot.process.wait(timeout=STOP_SECONDS) == 0, bot.log()
    assert "stopped: the database is closed" in bot.log()
    assert "Traceback" not in bot.log()


def test_healthz_of_the_running_bot(tmp_path: Path, server: BotApiServer) -> None:
    port = free_port()
    environment = bot_environment(tmp_path, server, BOT_TOKEN=TOKEN, HEALTH_PORT=str(port))
    healthz = f"http://127.0.0.1:{port}/healthz"
    with running_bot(tmp_path, environment) as bot:
        status, body = poll(bot, lambda: request(healthz), "serve /healthz")
        assert status == 200
        assert json.loads(body) == {"database": "ok", "seconds_since_last_update": None}

        server.send_text(ALICE, "/start")
        bot.wait_for(server, lambda api: replies(api, ALICE), "answer /start")
        status, body = request(healthz)
        assert status == 200
        assert json.loads(body)["database"] == "ok"
        assert 0 <= json.loads(body)["seconds_since_last_update"] < TIMEOUT

        assert stop(bot) == 0, bot.log()
    assert request(healthz) is None, "the port is closed with the bot"
    assert "Traceback" not in bot.log()


def test_the_portal_of_the_running_bot_and_its_menu_button(
    tmp_path: Path, server: BotApiServer
) -> None:
    port = free_port()
    environment = bot_environment(
        tmp_path,
        server,
        BOT_TOKEN=TOKEN,
        PORTAL_HOST="127.0.0.1",
        PORTAL_PORT=str(port),
        PUBLIC_URL="https://portal.example/",
    )
    base = f"http://127.0.0.1:{port}"
    with running_bot(tmp_path, environment) as bot:
        status, page = poll(bot, lambda: request(f"{base}/"), "serve the portal")
        assert status == 200 and b"static/portal.js" in page
        status, body = request(f"{base}/api/me", headers={"Authorization": "tma forged"})
        assert status == 401 and json.loads(body)["error"] == "unauthorized"
        assert server.api.menu_buttons[None]["web_app"] == {"url": "https://portal.example/"}
        server.send_text(ALICE, "/start")  # polling: start-up is over
        bot.wait_for(server, lambda api: replies(api, ALICE), "answer /start")
        assert stop(bot) == 0, bot.log()
    assert request(f"{base}/") is None, "the port is closed with the bot"
    assert "Traceback" not in bot.log()


@pytest.mark.parametrize("variable", ["HEALTH_PORT", "WEBHOOK_PORT", "PORTAL_PORT"])
def test_a_busy_port_stops_the_bot_with_one_clear_line(
    tmp_path: Path, server: BotApiServer, variable: str
) -> None:
    webhook = {
        "WEBHOOK_URL": "https://camshare.example/hook",
        "WEBHOOK_SECRET": "s3cret",
        "WEBHOOK_LISTEN": "127.0.0.1",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = {"HEALTH_PORT": str(port), "HEALTH_LISTEN": "127.0.0.1"}
        if variable == "WEBHOOK_PORT":
            settings = {**webhook, "WEBHOOK_PORT": str(port)}
        if variable == "PORTAL_PORT":
            settings = {"PORTAL_PORT": str(port), "PORTAL_HOST": "127.0.0.1"}
        finished = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env=bot_environment(tmp_path, server, BOT_TOKEN=TOKEN, **settings),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert f"{variable} {port}" in finished.stderr.strip().splitlines()[-1], finished.stderr
    assert server.api.calls == []  # refused before a single request


def test_updates_by_webhook_with_the_secret_token_only(
    tmp_path: Path, server: BotApiServer
) -> None:
    port = free_port()
    secret = "s3cret_token-of-this-bot"
    environment = bot_environment(
        tmp_path,
        server,
        BOT_TOKEN=TOKEN,
        WEBHOOK_URL="https://camshare.example/telegram/hook",
        WEBHOOK_SECRET=secret,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    with running_bot(tmp_path, environment) as bot:
        bot.wait_for(server, lambda api: api.webhook.get("url"), "set its webhook")
        assert server.api.webhook == {
            "url": "https://camshare.example/telegram/hook",
            "secret_token": secret,
        }

        def post(headers: dict[str, str]) -> Any:
            update = json.dumps(server.text_update(ALICE, "/start")).encode()
            return request(
                hook, body=update, headers={"Content-Type": "application/json", **headers}
            )

        # Telegram is told the URL as the webhook's server starts: wait until it listens.
        assert poll(bot, lambda: post({}), "listen for the webhook")[0] == 403
        assert post({"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"})[0] == 403
        assert post({"X-Telegram-Bot-Api-Secret-Token": secret})[0] == 200
        bot.wait_for(server, lambda api: replies(api, ALICE), "answer the webhook's /start")
        assert stop(bot) == 0, bot.log()
    [greeting] = replies(server.api, ALICE)
    assert greeting.text and "Welcome" in greeting.text
    assert not any(call.method == "getUpdates" for call in server.api.calls)
    assert secret not in bot.log()
