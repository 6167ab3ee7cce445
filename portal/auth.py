"""Who is asking: the Mini App's `initData`, checked as Telegram documents it.

Telegram signs the query string it gives the Mini App (`Telegram.WebApp.initData`) with a key
made from the bot token: `secret = HMAC_SHA256(key="WebAppData", msg=bot_token)`, then
`hash = hex(HMAC_SHA256(key=secret, msg=data_check_string))`, where `data_check_string` is every
field but `hash`, sorted by name, `name=value` joined by line feeds (`signature`, when present,
stays in it). Any field changed, added or dropped changes the hash; `auth_date` (when Telegram
made the data) bounds how long a copy of it can be replayed.

Only the standard library: the scheme is two HMACs, and the libraries that do it either bring a
heavy dependency or skip the age check by default.
"""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

HASH = re.compile("[0-9a-f]{64}")

CLOCK_SKEW = timedelta(minutes=5)
"""An `auth_date` this far ahead of our clock still passes: clocks differ a little."""


class InitDataRefused(Exception):
    """Unsigned, forged, changed or expired initData; the message says which, for the log."""


@dataclass(frozen=True)
class TelegramUser:
    """The person the signed data names (`WebAppUser`): who the request acts as."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None

    @property
    def full_name(self) -> str:
        """As python-telegram-bot's `User.full_name`, which the chat's messages name people by."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{name}={value}" for name, value in sorted(fields.items()))


def sign(fields: dict[str, str], *, bot_token: str) -> str:
    """The `hash` Telegram would give these fields (tests, and the browser tests' stand-in)."""
    message = data_check_string(fields).encode()
    return hmac.new(secret_key(bot_token), message, hashlib.sha256).hexdigest()


def verify_init_data(
    init_data: str, *, bot_token: str, now: datetime, max_age: timedelta
) -> TelegramUser:
    """The user named by `init_data` if Telegram signed it for this bot within `max_age`."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as error:
        raise InitDataRefused("not a query string") from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataRefused("a field given twice")
    received = fields.pop("hash", "")
    if not received:
        raise InitDataRefused("unsigned")
    if not HASH.fullmatch(received.lower()):  # compare_digest takes ASCII strings only
        raise InitDataRefused("the signature is not a SHA-256 in hex")
    if not hmac.compare_digest(sign(fields, bot_token=bot_token), received.lower()):
        raise InitDataRefused("the signature does not match")
    try:
        made_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
    except (KeyError, ValueError, OverflowError) as error:
        raise InitDataRefused("no auth_date") from error
    if now - made_at > max_age:
        raise InitDataRefused("expired")
    if made_at - now > CLOCK_SKEW:
        raise InitDataRefused("made in the future")
    return _user(fields.get("user"))


def _user(user_json: str | None) -> TelegramUser:
    if not user_json:
        raise InitDataRefused("no user")  # opened from an inline query or a chat, not by a person
    try:
        user = json.loads(user_json)
        user_id = user["id"]
        first_name = user.get("first_name") or ""
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InitDataRefused("an unreadable user") from error
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataRefused("an unreadable user")
    return TelegramUser(
        id=user_id,
        first_name=str(first_name),
        last_name=_optional(user.get("last_name")),
        username=_optional(user.get("username")),
        language_code=_optional(user.get("language_code")),
    )


def _optional(value: object) -> str | None:
    return str(value) if value else None
