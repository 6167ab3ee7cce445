import pytest
from pydantic import ValidationError

from bot.settings import DEFAULT_DATABASE_URL, Settings

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"


def test_defaults_and_self_hosted_api_urls() -> None:
    settings = Settings(bot_token=TOKEN, telegram_api_url="http://127.0.0.1:8081/", _env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.invite_ttl_seconds == 259_200
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.api_base_file_url == "http://127.0.0.1:8081/file/bot"
    assert Settings(bot_token=TOKEN, _env_file=None).api_base_url is None


@pytest.mark.parametrize(
    "bad",
    [
        {"bot_token": "not-a-token"},
        {"bot_token": TOKEN, "database_url": "sqlite:///sync.db"},
        {"bot_token": TOKEN, "default_region": "Atlantis"},
        {"bot_token": TOKEN, "invite_ttl_seconds": 0},
    ],
)
def test_bad_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(**bad, _env_file=None)  # type: ignore[arg-type]


def test_region_is_normalised() -> None:
    assert Settings(bot_token=TOKEN, default_region=" gb ", _env_file=None).default_region == "GB"
