"""Portal tests drive the bot's own Application (built by `build_application`, on the fake Bot
API) and its portal app in-process, through httpx's ASGI transport, signed in as its users."""

import functools
import json
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot.app import build_application, portal_server_of
from bot.settings import Settings
from portal.auth import sign
from storage.database import Database
from tests.clock import FakeClock
from tests.harness.fixtures import ApplicationFactory
from tests.harness.users import AnyApplication, TelegramUser

TEST_TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
TEST_SECRET_KEY = "a-test-key-that-seals-device-passwords"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        bot_token=TEST_TOKEN,
        database_url=database.url.render_as_string(hide_password=False),
        secret_key=TEST_SECRET_KEY,
        portal_host="127.0.0.1",
        portal_port=free_port(),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def application_factory(settings: Settings) -> ApplicationFactory:
    return functools.partial(build_application, settings, paced=False)


def init_data(user: TelegramUser, *, auth_date: int, token: str = TEST_TOKEN, **more: str) -> str:
    """What Telegram gives the Mini App opened by `user`: signed with the bot's token."""
    person = user.person
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {
                "id": person.id,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "username": person.username,
                "language_code": person.language_code,
            },
            separators=(",", ":"),
        ),
        "auth_date": str(auth_date),
        **more,
    }
    return urlencode({**fields, "hash": sign(fields, bot_token=token)})


class Portal:
    """The portal's API, asked in-process as `user` would from the Mini App."""

    def __init__(self, app: Any, clock: FakeClock) -> None:
        self.app = app
        self.clock = clock

    async def request(
        self,
        method: str,
        path: str,
        *,
        user: TelegramUser | None = None,
        authorization: str | None = None,
        json_body: object = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        headers = {}
        if user is not None:
            signed = init_data(user, auth_date=int(self.clock().timestamp()))
            headers["Authorization"] = f"tma {signed}"
        if authorization is not None:
            headers["Authorization"] = authorization
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            return await client.request(
                method, path, headers=headers, json=json_body, content=content
            )

    async def get(self, path: str, user: TelegramUser) -> Any:
        response = await self.request("GET", path, user=user)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, path: str, user: TelegramUser, body: object = None) -> httpx.Response:
        return await self.request("POST", path, user=user, json_body=body)


@pytest.fixture
async def portal(application: AnyApplication, clock: FakeClock) -> AsyncIterator[Portal]:
    server = portal_server_of(application)
    assert server is not None, "PORTAL_PORT is set, so the bot serves the portal"
    yield Portal(server.app, clock)
