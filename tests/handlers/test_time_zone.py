"""The time zone in /myaccount: typed as a city, a zone name or an offset from UTC."""

from storage.database import Database
from tests.handlers.journeys import started
from tests.handlers.test_onboarding import stored_account
from tests.harness.users import Telegram

REFUSAL = "I can't tell which time zone {} is. Type your city, like Berlin or New York"


async def test_my_account_shows_utc_until_a_zone_is_set(telegram: Telegram) -> None:
    ann = await started(telegram, "Ann")
    await ann.send("/myaccount")
    assert "Time zone: UTC\n" in ann.last_message.text
    assert ["🕒 Time zone"] in ann.last_message.buttons


async def test_a_city_sets_the_zone_and_shows_the_account_again(
    telegram: Telegram, database: Database
) -> None:
    ann = await started(telegram, "Ann")
    await ann.send("/myaccount")
    await ann.tap("🕒 Time zone")
    assert ann.last_message.text.startswith("Type your time zone: your city")
    await ann.send("new york")
    assert "Time zone: Eastern Time (America/New_York)" in ann.last_message.text
    assert ann.last_message.text.startswith("👤 Ann")
    assert (await stored_account(database, ann.id)).time_zone == "America/New_York"  # type: ignore[union-attr]
    await ann.send("hello?")  # the wizard has ended
    assert "I'm not waiting for a message right now" in ann.last_message.text


async def test_an_offset_is_a_fixed_zone(telegram: Telegram, database: Database) -> None:
    ann = await started(telegram, "Ann")
    await ann.send("/myaccount")
    await ann.tap("🕒 Time zone")
    await ann.send("UTC+3")
    assert "Time zone: UTC+3\n" in ann.last_message.text
    assert (await stored_account(database, ann.id)).time_zone == "Etc/GMT-3"  # type: ignore[union-attr]


async def test_an_unknown_zone_says_what_to_type_and_waits(
    telegram: Telegram, database: Database
) -> None:
    ann = await started(telegram, "Ann")
    await ann.send("/myaccount")
    await ann.tap("🕒 Time zone")
    await ann.send("Atlantis")
    assert ann.last_message.text.startswith(REFUSAL.format("Atlantis"))
    assert ann.last_message.text.endswith("Send /cancel to stop.")
    await ann.send("UTC+05:30")  # no fixed zone for half hours: the city it is
    assert ann.last_message.text.startswith(REFUSAL.format("UTC+05:30"))
    await ann.send_attachment("sticker")
    assert ann.last_message.text == (
        "That's a sticker; I'm waiting for your city or time zone, like Berlin or UTC+3."
        " Send /cancel to stop."
    )
    await ann.send("Europe/Berlin")
    assert "Time zone: Central European Time (Europe/Berlin)" in ann.last_message.text
    assert (await stored_account(database, ann.id)).time_zone == "Europe/Berlin"  # type: ignore[union-attr]


async def test_cancel_leaves_the_zone_as_it_was(telegram: Telegram, database: Database) -> None:
    ann = await started(telegram, "Ann")
    await ann.send("/myaccount")
    await ann.tap("🕒 Time zone")
    await ann.send("/cancel")
    assert ann.last_message.text.startswith("Cancelled. Nothing was saved.")
    await ann.send("Berlin")
    assert "I'm not waiting for a message right now" in ann.last_message.text
    assert (await stored_account(database, ann.id)).time_zone == "UTC"  # type: ignore[union-attr]
