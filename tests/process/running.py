"""Running `python -m bot` for process tests: its environment, the process, the Bot API
stand-in it talks to."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import FakeBotApi, Person
from tests.process.bot_api_server import BotApiServer

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
ALICE = Person(id=1001, first_name="Alice", language_code="en")

TIMEOUT = 60  # seconds; a healthy start takes a few

# Inherited values of these would change what the bot reads (pydantic-settings ignores case),
# and a proxy would send its requests for 127.0.0.1 elsewhere.
_NOT_INHERITED = {
    "BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_URL",
    "INVITE_TTL_SECONDS",
    "EXPIRY_SWEEP_SECONDS",
    "OWED_LEASE_SECONDS",
    "GROUP_NEWS_LEASE_SECONDS",
    "SMTP_URL",
    "SMTP_FROM",
    "DEFAULT_REGION",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "HEALTH_PORT",
    "HEALTH_LISTEN",
    "PORTAL_HOST",
    "PORTAL_PORT",
    "PORTAL_AUTH_MAX_AGE_SECONDS",
    "PUBLIC_URL",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "DEVICE_NETWORKS",
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
        "SECRET_KEY_FILE": str(tmp_path / "secret.key"),
        "PORTAL_PORT": "0",  # on by default (8080), which tests running side by side would share
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


def run_to_the_end(tmp_path: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
