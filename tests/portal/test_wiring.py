"""The portal in the bot process: its settings, its server, the menu button."""

import functools

import httpx
import pytest
from pydantic import ValidationError

from bot.app import build_application, http_server_of, portal_server_of
from bot.settings import Settings
from tests.handlers.journeys import add_nvr, started
from tests.harness.bot_api import FakeBotApi
from tests.harness.fixtures import ApplicationFactory
from tests.harness.users import AnyApplication, Telegram
from tests.portal.conftest import TEST_TOKEN, free_port


def test_the_portal_is_on_by_default_on_loopback_8080() -> None:
    settings = Settings(bot_token=TEST_TOKEN, _env_file=None)  # type: ignore[call-arg]
    assert (settings.portal_host, settings.portal_port) == ("127.0.0.1", 8080)
    assert settings.portal_auth_max_age_seconds == 86_400
    assert settings.public_url is None


def test_public_url_must_be_https() -> None:
    with pytest.raises(ValidationError, match="https"):
        Settings(bot_token=TEST_TOKEN, public_url="http://portal.example", _env_file=None)  # type: ignore[call-arg]


def test_portal_port_0_turns_it_off(settings: Settings) -> None:
    application = build_application(settings.model_copy(update={"portal_port": 0}))
    assert portal_server_of(application) is None and http_server_of(application) is None


def test_health_and_portal_on_one_port_are_one_server(settings: Settings) -> None:
    port = free_port()
    shared = settings.model_copy(
        update={"portal_port": port, "health_port": port, "health_listen": "127.0.0.1"}
    )
    application = build_application(shared)
    assert portal_server_of(application) is None
    server = http_server_of(application)
    assert server is not None and server.port == port


async def test_the_portal_answers_on_its_port(application: AnyApplication) -> None:
    server = portal_server_of(application)
    assert server is not None
    async with httpx.AsyncClient(trust_env=False) as client:
        page = await client.get(f"http://127.0.0.1:{server.port}/")
        api = await client.get(f"http://127.0.0.1:{server.port}/api/me")
        script = await client.get(f"http://127.0.0.1:{server.port}/static/portal.js")
    assert page.status_code == 200 and "<html" in page.text
    assert api.status_code == 401
    assert script.status_code == 200


class TestWithPublicUrl:
    @pytest.fixture
    def application_factory(self, settings: Settings) -> ApplicationFactory:
        public = settings.model_copy(update={"public_url": "https://portal.example/app/"})
        return functools.partial(build_application, public, paced=False)

    async def test_the_menu_button_opens_the_portal(
        self, application: AnyApplication, bot_api: FakeBotApi
    ) -> None:
        button = bot_api.menu_buttons[None]
        assert button["type"] == "web_app"
        assert button["web_app"] == {"url": "https://portal.example/app/"}

    async def test_devices_shared_and_received_open_the_portal_at_their_page(
        self, telegram: Telegram
    ) -> None:
        alice = await started(telegram, "Alice")
        await add_nvr(alice)
        for command, page in [
            ("/devices", "devices"),
            ("/shared", "shared"),
            ("/received", "received"),
        ]:
            await alice.send(command)
            last_row = alice.last_message.content.inline_keyboard[-1]
            assert last_row == [
                {
                    "text": "🌐 Open portal",
                    "web_app": {"url": f"https://portal.example/app/?page={page}"},
                }
            ], command


async def test_without_public_url_no_portal_button(telegram: Telegram) -> None:
    alice = await started(telegram, "Alice")
    await alice.send("/devices")
    assert "🌐 Open portal" not in str(alice.last_message.buttons)


def test_the_default_port_steps_aside_for_a_webhook_on_8080() -> None:
    webhook = {
        "webhook_url": "https://bot.example.com/hook",
        "webhook_secret": "s3cret",
        "webhook_port": 8080,
    }
    settings = Settings(bot_token=TEST_TOKEN, **webhook, _env_file=None)  # type: ignore[call-arg,arg-type]
    assert settings.portal_port == 0
    with pytest.raises(ValidationError, match="PORTAL_PORT must differ from WEBHOOK_PORT"):
        Settings(bot_token=TEST_TOKEN, portal_port=8080, **webhook, _env_file=None)  # type: ignore[call-arg,arg-type]
