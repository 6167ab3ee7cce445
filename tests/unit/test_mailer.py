"""SMTP_URL and SMTP_FROM: how they are read, checked, and turned into a way to send mail."""

from typing import Any

import aiosmtplib
import pytest
from pydantic import SecretStr, ValidationError

from bot import mailer
from bot.mailer import SmtpEmailSender, SmtpServer, build_email_sender, parse_smtp_url
from bot.settings import Settings
from sharing.errors import EmailNotSent

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", SmtpServer("127.0.0.1", 2525, None, None, False, False)),
        ("smtp://relay.lan", SmtpServer("relay.lan", 25, None, None, False, False)),
        (
            "smtp+starttls://bot%40example.com:p%40ss%3Aword@mail.example.com",
            SmtpServer("mail.example.com", 587, "bot@example.com", "p@ss:word", False, True),
        ),
        (
            "SMTPS://user:secret@smtp.example.com:465",
            SmtpServer("smtp.example.com", 465, "user", "secret", True, False),
        ),
    ],
)
def test_smtp_urls(url: str, expected: SmtpServer) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    "bad",
    [
        {"smtp_url": "http://mail.example.com"},
        {"smtp_url": "smtp://:25"},
        {"smtp_url": "smtp://mail.example.com:port"},
        {"smtp_from": "CamShare"},
    ],
)
def test_bad_smtp_settings_are_refused_at_start_up(bad: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings(bot_token=TOKEN, **bad, _env_file=None)  # type: ignore[arg-type]


def test_both_settings_are_needed_for_a_sender() -> None:
    assert build_email_sender(None, None) is None
    assert build_email_sender(SecretStr("smtp://127.0.0.1:25"), None) is None
    assert build_email_sender(None, "camshare@example.com") is None
    settings = Settings(
        bot_token=TOKEN,
        smtp_url="smtps://u:pa55word@mail.example.com",
        smtp_from="CamShare <bot@example.com>",
        _env_file=None,  # type: ignore[call-arg]
    )
    assert "pa55word" not in repr(settings)
    sender = build_email_sender(settings.smtp_url, settings.smtp_from)
    assert isinstance(sender, SmtpEmailSender) and sender.server.implicit_tls


async def test_the_scheme_decides_the_protection(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    async def fake_send(message: Any, **options: Any) -> None:
        calls.append({"message": message, **options})

    monkeypatch.setattr(mailer.aiosmtplib, "send", fake_send)
    for url in ("smtp://h:25", "smtp+starttls://h", "smtps://h"):
        sender = build_email_sender(SecretStr(url), "CamShare <bot@example.com>")
        assert sender is not None
        await sender.send(to="ann@example.com", subject="Code", text="123456")
    protection = [(call["use_tls"], call["start_tls"], call["port"]) for call in calls]
    assert protection == [(False, False, 25), (False, True, 587), (True, False, 465)]
    message = calls[0]["message"]
    assert message["To"] == "ann@example.com" and message["From"] == "CamShare <bot@example.com>"


async def test_a_refusing_server_is_email_not_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(message: Any, **options: Any) -> None:
        raise aiosmtplib.SMTPRecipientsRefused([])

    monkeypatch.setattr(mailer.aiosmtplib, "send", refuse)
    sender = build_email_sender(SecretStr("smtp://h:25"), "bot@example.com")
    assert sender is not None
    with pytest.raises(EmailNotSent) as failure:
        await sender.send(to="ann@example.com", subject="Code", text="123456")
    assert failure.value.email == "ann@example.com"
