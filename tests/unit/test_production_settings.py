"""WEBHOOK_* and HEALTH_*: read, refused with a line that names the variable and what to do."""

import pytest

from bot.__main__ import StartupError, load_settings
from bot.settings import Settings

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
SECRET = "Zm9vYmFy_secret-token"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    """Only what a test sets, and no .env (the working directory is empty)."""
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_PORT", "HEALTH_PORT", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    return monkeypatch


def test_polling_without_an_http_server_is_the_default() -> None:
    settings = load_settings()
    assert settings.webhook_url is None and settings.health_port is None
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8443)


def test_a_webhook_listens_on_the_path_of_its_url(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("WEBHOOK_URL", "https://bot.example.com/telegram/hook")
    environment.setenv("WEBHOOK_SECRET", SECRET)
    environment.setenv("WEBHOOK_PORT", "8080")
    settings = load_settings()
    assert settings.webhook_path == "telegram/hook"
    assert settings.webhook_port == 8080
    assert SECRET not in repr(settings) and SECRET not in str(settings)


@pytest.mark.parametrize(
    ("values", "variable", "advice"),
    [
        (
            {"WEBHOOK_URL": "https://bot.example.com/hook"},
            "WEBHOOK_SECRET",
            "secrets.token_urlsafe",
        ),
        (
            {"WEBHOOK_URL": "https://bot.example.com/hook", "WEBHOOK_SECRET": "has spaces"},
            "WEBHOOK_SECRET",
            "A-Z, a-z, 0-9, _ and -",
        ),
        (
            {"WEBHOOK_URL": "https://bot.example.com/hook", "WEBHOOK_SECRET": "x" * 257},
            "WEBHOOK_SECRET",
            "1 to 256 characters",
        ),
        ({"WEBHOOK_URL": "http://bot.example.com/hook"}, "WEBHOOK_URL", "https://"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT", "less than 65536"),
        ({"HEALTH_PORT": "http"}, "HEALTH_PORT", "integer"),
        (
            {
                "WEBHOOK_URL": "https://bot.example.com/hook",
                "WEBHOOK_SECRET": SECRET,
                "HEALTH_PORT": "8443",
            },
            "HEALTH_PORT",
            "must differ from WEBHOOK_PORT",
        ),
    ],
)
def test_bad_values_are_refused_by_name(
    environment: pytest.MonkeyPatch, values: dict[str, str], variable: str, advice: str
) -> None:
    for name, value in values.items():
        environment.setenv(name, value)
    with pytest.raises(StartupError) as refused:
        load_settings()
    assert f"{variable}:" in str(refused.value) and advice in str(refused.value)
    assert "x" * 257 not in str(refused.value)  # a secret is not echoed back


def test_the_secret_is_not_required_without_a_webhook() -> None:
    assert Settings(bot_token=TOKEN, health_port=9000, _env_file=None).webhook_secret is None  # type: ignore[call-arg]
