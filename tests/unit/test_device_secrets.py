"""Device passwords at rest: sealed with the secret key, never shown, refused under another key;
the generated key file is the process's own (0600) and the same at every start."""

import stat
from pathlib import Path

import pytest

from bot.secret_key import load_secret_key
from bot.settings import Settings
from sharing.devices.connections import ConnectionRequest
from sharing.devices.secrets import PasswordSealer, SealedPasswordUnreadable

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"


def test_a_sealed_password_opens_with_its_key_only() -> None:
    sealer = PasswordSealer("the-first-secret-key")
    sealed = sealer.seal("hunter2-on-the-nvr")
    assert b"hunter2" not in sealed
    assert sealer.unseal(sealed) == "hunter2-on-the-nvr"
    with pytest.raises(SealedPasswordUnreadable) as refused:
        PasswordSealer("another-secret-key").unseal(sealed)
    assert "hunter2" not in str(refused.value)
    assert "first" not in repr(sealer)


def test_a_connection_request_never_shows_its_password() -> None:
    request = ConnectionRequest("http", "192.168.1.64", 80, False, "admin", "hunter2-on-the-nvr")
    assert "hunter2" not in repr(request) and "hunter2" not in str(request)
    assert "hunter2" not in repr(request.credentials)


def test_the_key_file_is_made_once_readable_by_the_bot_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret.key"
    settings = Settings(bot_token=TOKEN, secret_key_file=path, _env_file=None)  # type: ignore[call-arg]
    key = load_secret_key(settings)
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key(settings) == key, "the same key at the next start"
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"], "no draft left behind"


def test_secret_key_wins_over_the_file(tmp_path: Path) -> None:
    settings = Settings(
        bot_token=TOKEN,
        secret_key="an-operator-chosen-key",
        secret_key_file=tmp_path / "secret.key",
        _env_file=None,  # type: ignore[call-arg]
    )
    assert load_secret_key(settings) == "an-operator-chosen-key"
    assert not (tmp_path / "secret.key").exists()
    assert "an-operator-chosen-key" not in repr(settings)


def test_a_short_secret_key_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        Settings(bot_token=TOKEN, secret_key="short", _env_file=None)  # type: ignore[call-arg]
