"""initData, checked as Telegram documents it (portal.auth)."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from portal.auth import InitDataRefused, TelegramUser, sign, verify_init_data

# The example of docs.telegram-mini-apps.com ("Init data", validation), signed by Telegram for
# that bot: a third party's published example, as Telegram publishes none of its own.
EXAMPLE_TOKEN = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8"
EXAMPLE = (
    "query_id=AAHdF6IQAAAAAN0XohDhrOrc"
    "&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22"
    "%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C"
    "%22is_premium%22%3Atrue%7D"
    "&auth_date=1662771648"
    "&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2"
)
SIGNED_AT = datetime.fromtimestamp(1662771648, UTC)
DAY = timedelta(days=1)


def check(init_data: str, *, now: datetime = SIGNED_AT, token: str = EXAMPLE_TOKEN) -> TelegramUser:
    return verify_init_data(init_data, bot_token=token, now=now, max_age=DAY)


def changed(**fields: str) -> str:
    """The example with some fields changed and its hash kept: a replay with changed data."""
    pairs = dict(parse_qsl(EXAMPLE))
    pairs.update(fields)
    return urlencode(pairs)


def test_the_published_example_is_valid_and_names_its_user() -> None:
    user = check(EXAMPLE)
    assert (user.id, user.first_name, user.last_name) == (279058397, "Vladislav", "Kibenko")
    assert (user.username, user.language_code) == ("vdkfrost", "ru")
    assert user.full_name == "Vladislav Kibenko"


@pytest.mark.parametrize(
    ("init_data", "why"),
    [
        ("", "unsigned"),
        (EXAMPLE.rsplit("&hash=", 1)[0], "unsigned"),
        (changed(user=json.dumps({"id": 1, "first_name": "Mallory"})), "signature"),
        (changed(auth_date="1662771649"), "signature"),
        (changed(hash="0" * 64), "signature"),
        (EXAMPLE + "&start_param=x", "signature"),
        (EXAMPLE + "&auth_date=1662771648", "twice"),
        ("not a query string", "query string"),
    ],
    ids=["empty", "no-hash", "other-user", "other-date", "other-hash", "added", "twice", "junk"],
)
def test_unsigned_forged_or_changed_data_is_refused(init_data: str, why: str) -> None:
    with pytest.raises(InitDataRefused, match=why):
        check(init_data)


def test_another_bots_token_does_not_verify_it() -> None:
    with pytest.raises(InitDataRefused, match="signature"):
        check(EXAMPLE, token="5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx9")


def test_it_expires_after_the_max_age_and_not_before() -> None:
    assert check(EXAMPLE, now=SIGNED_AT + DAY)
    with pytest.raises(InitDataRefused, match="expired"):
        check(EXAMPLE, now=SIGNED_AT + DAY + timedelta(seconds=1))


def test_data_from_the_future_is_refused_beyond_clock_skew() -> None:
    assert check(EXAMPLE, now=SIGNED_AT - timedelta(minutes=4))
    with pytest.raises(InitDataRefused, match="future"):
        check(EXAMPLE, now=SIGNED_AT - timedelta(minutes=6))


def test_signature_field_stays_in_the_checked_string() -> None:
    """Bot API 8.0 added `signature` (Ed25519, for third parties); the bot's HMAC covers it."""
    fields = dict(parse_qsl(EXAMPLE))
    del fields["hash"]
    fields["signature"] = "abc"
    signed = urlencode({**fields, "hash": sign(fields, bot_token=EXAMPLE_TOKEN)})
    assert check(signed)
    with pytest.raises(InitDataRefused, match="signature"):
        check(signed.replace("signature=abc", "signature=abd"))


def test_data_without_a_user_is_refused() -> None:
    fields = {"auth_date": "1662771648", "chat_type": "sender"}
    signed = urlencode({**fields, "hash": sign(fields, bot_token=EXAMPLE_TOKEN)})
    with pytest.raises(InitDataRefused, match="no user"):
        check(signed)
