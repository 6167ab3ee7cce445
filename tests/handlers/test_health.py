"""`GET /healthz`, asked of the bot's own HTTP app in-process (httpx over ASGI), and once over
its loopback port."""

import socket

import httpx
import pytest

from bot.app import http_server_of
from bot.health import LastUpdate, health_routes
from bot.http_server import HttpServer
from bot.settings import Settings
from storage.database import Database
from tests.harness.users import AnyApplication, Telegram


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The handlers' settings with HEALTH_PORT set, on a free loopback port: the application
    starts its HTTP server with the other services, and stops it with them."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return settings.model_copy(update={"health_port": port, "health_listen": "127.0.0.1"})


async def ask(app: object, path: str = "/healthz") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        return await client.get(path)


@pytest.fixture
def http_app(application: AnyApplication) -> object:
    server = http_server_of(application)
    assert server is not None, "HEALTH_PORT is set, so the bot has an HTTP server"
    return server.app


async def test_healthy_bot_says_so_and_counts_from_the_last_update(
    http_app: object, telegram: Telegram
) -> None:
    before = await ask(http_app)
    assert before.status_code == 200
    assert before.json() == {"database": "ok", "seconds_since_last_update": None}

    await telegram.user("Alice").send("/help")

    after = await ask(http_app)
    assert after.status_code == 200
    seconds = after.json()["seconds_since_last_update"]
    assert isinstance(seconds, float) and 0 <= seconds < 60


async def test_a_database_that_is_gone_answers_503() -> None:
    # A PostgreSQL server that is down: nothing listens on 127.0.0.1:1.
    gone = Database("postgresql+asyncpg://camshare@127.0.0.1:1/camshare")
    try:
        server = HttpServer(health_routes(gone, LastUpdate()), host="127.0.0.1", port=0)
        response = await ask(server.app)
    finally:
        await gone.dispose()
    assert response.status_code == 503
    assert response.json() == {"database": "unreachable", "seconds_since_last_update": None}


async def test_only_get_healthz_is_served(http_app: object) -> None:
    assert (await ask(http_app, "/nothing-here")).status_code == 404


async def test_the_server_answers_on_its_port(application: AnyApplication) -> None:
    server = http_server_of(application)
    assert server is not None
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(f"http://127.0.0.1:{server.port}/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"
