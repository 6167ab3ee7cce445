"""Settings from the environment or a `.env` file beside the project (pydantic-settings)."""

import re
from email.utils import parseaddr
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated

import phonenumbers
from pydantic import AnyHttpUrl, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.mailer import parse_smtp_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/camshare.db"
_TOKEN_SHAPE = re.compile(r"^\d{5,20}:[A-Za-z0-9_-]{30,}$")
_WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
"""Telegram's rule for setWebhook's secret_token."""

Port = Annotated[int, Field(gt=0, lt=65_536)]
PortOrOff = Annotated[int, Field(ge=0, lt=65_536)]
"""A port, or 0 for "do not listen at all"."""


class Settings(BaseSettings):
    """Every setting the process reads; tests build their own with keyword arguments."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr
    telegram_api_url: AnyHttpUrl | None = None
    database_url: str = DEFAULT_DATABASE_URL
    invite_ttl_seconds: Annotated[int, Field(gt=0)] = 259_200
    expiry_sweep_seconds: Annotated[int, Field(gt=0)] = 60
    owed_lease_seconds: Annotated[int, Field(gt=0, le=3600)] = 30
    """How long a sender holds a message owed to someone before another may send it: after a
    crash, what was in flight goes out again this much later."""
    group_news_lease_seconds: Annotated[int, Field(gt=0, le=3600)] = 300
    """The same for an installer group's news: long enough for a flush's 20 messages."""
    smtp_url: SecretStr | None = None
    """May hold the SMTP password, so kept out of reprs and logs like the token."""
    smtp_from: str | None = None
    default_region: str | None = None
    webhook_url: AnyHttpUrl | None = None
    """When set, Telegram posts updates to this public HTTPS URL instead of being polled."""
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    """Telegram sends it in X-Telegram-Bot-Api-Secret-Token; a request without it is refused."""
    webhook_listen: str = "0.0.0.0"
    webhook_port: Port = 8443
    health_port: Port | None = None
    """`GET /healthz` is served on this port; no HTTP server at all when unset."""
    health_listen: str = "0.0.0.0"
    portal_host: str = "127.0.0.1"
    portal_port: PortOrOff = 8080
    """The web portal (a Telegram Mini App) and its API; 0 turns it off. Served by the same
    HTTP server as /healthz when HEALTH_PORT is the same port."""
    portal_auth_max_age_seconds: Annotated[int, Field(gt=0)] = 86_400
    """How long a Mini App's signed initData is accepted after Telegram made it (auth_date)."""
    public_url: AnyHttpUrl | None = None
    """The HTTPS address where a reverse proxy serves the portal: the menu button and the
    "Open portal" buttons open it. Unset: the portal is served but Telegram is not told."""
    secret_key: SecretStr | None = None
    """Seals device passwords at rest. Unset: a key generated once into `secret_key_file`."""
    secret_key_file: Path = Path("data/secret.key")
    device_check_seconds: Annotated[int, Field(gt=0)] = 120
    device_offline_grace_seconds: Annotated[int, Field(ge=0)] = 300
    device_check_concurrency: Annotated[int, Field(gt=0, le=100)] = 10
    """How many devices the status job asks at once."""
    device_max_requests: Annotated[int, Field(gt=0, le=8)] = 2
    """Requests in flight to one device at a time: recorders choke on parallel requests."""
    device_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    alarm_cooldown_seconds: Annotated[int, Field(ge=0)] = 60
    """Events of one channel that come within this of each other fold into one notice."""
    clip_seconds: Annotated[int, Field(gt=0, le=600)] = 30
    """A recording's clip sent in Telegram: at most this many seconds from its start."""
    device_alert_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 90.0
    """How long a device's open event stream may stay silent before it counts as dead:
    heartbeats come every 10-30 s on current firmware."""
    device_networks: Annotated[list[IPv4Network | IPv6Network], NoDecode] = []
    """CIDR list (comma-separated): when set, devices may only be reached inside these."""

    @field_validator("device_networks", mode="before")
    @classmethod
    def _networks_from_a_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_long_enough(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None and len(key.get_secret_value()) < 16:
            raise ValueError(
                "must be at least 16 characters, e.g. the output of"
                " python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return key

    @field_validator("bot_token")
    @classmethod
    def _token_has_botfather_shape(cls, token: SecretStr) -> SecretStr:
        if not _TOKEN_SHAPE.match(token.get_secret_value()):
            raise ValueError(
                "does not look like a token from @BotFather (expected <digits>:<35 characters>)"
            )
        return token

    @field_validator("database_url")
    @classmethod
    def _database_url_is_async(cls, url: str) -> str:
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// (an async driver)"
            )
        return url

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_usable(cls, url: SecretStr | None) -> SecretStr | None:
        if url is not None:
            parse_smtp_url(url.get_secret_value())
        return url

    @field_validator("smtp_from")
    @classmethod
    def _smtp_from_is_an_address(cls, sender: str | None) -> str | None:
        if sender is not None and "@" not in parseaddr(sender)[1]:
            raise ValueError("must be an address, e.g. CamShare <camshare@example.com>")
        return sender

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_is_https(cls, url: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if url is not None and url.scheme != "https":
            raise ValueError(
                "must be an https:// URL: Telegram sends webhooks over HTTPS only (put a reverse"
                " proxy that holds the certificate in front of WEBHOOK_LISTEN:WEBHOOK_PORT)"
            )
        return url

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_is_set_and_valid(
        cls, secret: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        make_one = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        if secret is None:
            if info.data.get("webhook_url") is not None:
                raise ValueError(f"required when WEBHOOK_URL is set; {make_one}")
            return None
        if not _WEBHOOK_SECRET_SHAPE.match(secret.get_secret_value()):
            raise ValueError(f"must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -; {make_one}")
        return secret

    @field_validator("health_port")
    @classmethod
    def _health_port_is_not_the_webhooks(cls, port: int | None, info: ValidationInfo) -> int | None:
        webhook_on = info.data.get("webhook_url") is not None
        if port is not None and webhook_on and port == info.data.get("webhook_port"):
            raise ValueError("must differ from WEBHOOK_PORT, where the webhook listens")
        return port

    @model_validator(mode="after")
    def _portal_port_is_not_the_webhooks(self) -> "Settings":
        """PORTAL_PORT set to the webhook's port is a mistake to say; the default (8080) steps
        aside instead, so that a webhook already on 8080 runs as it did (the portal off)."""
        if not self.portal_port or self.webhook_url is None:
            return self
        if self.portal_port == self.webhook_port:
            if "portal_port" in self.model_fields_set:
                raise ValueError(
                    "PORTAL_PORT must differ from WEBHOOK_PORT, where the webhook listens"
                )
            self.portal_port = 0
        return self

    @field_validator("public_url")
    @classmethod
    def _public_url_is_https(cls, url: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if url is not None and url.scheme != "https":
            raise ValueError(
                "must be an https:// URL: Telegram opens Mini Apps over HTTPS only (put a reverse"
                " proxy that holds the certificate in front of PORTAL_HOST:PORTAL_PORT)"
            )
        return url

    @field_validator("default_region")
    @classmethod
    def _region_is_known(cls, region: str | None) -> str | None:
        if region is None:
            return None
        region = region.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("must be an ISO 3166 two-letter country code, such as DE or GB")
        return region

    @property
    def api_base_url(self) -> str | None:
        """`<root>/bot`, the form python-telegram-bot's `base_url` wants, or None for Telegram's."""
        return f"{str(self.telegram_api_url).rstrip('/')}/bot" if self.telegram_api_url else None

    @property
    def api_base_file_url(self) -> str | None:
        return (
            f"{str(self.telegram_api_url).rstrip('/')}/file/bot" if self.telegram_api_url else None
        )

    @property
    def webhook_path(self) -> str:
        """The path the webhook listens on: WEBHOOK_URL's own, so that a reverse proxy passes
        requests on unchanged."""
        path = self.webhook_url.path if self.webhook_url else None
        return (path or "").lstrip("/")
