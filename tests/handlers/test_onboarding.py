"""/start, the region, the phone; /myaccount, /help and what no step expects."""

import pytest
from sqlmodel import select

from storage.database import Database
from storage.models import Account
from tests.harness.bot_api import FakeBotApi
from tests.harness.users import Telegram


async def stored_account(database: Database, account_id: int) -> Account | None:
    async with database.read() as session:
        return (await session.exec(select(Account).where(Account.id == account_id))).first()


async def test_start_asks_the_phone_first_and_takes_the_region_from_it(
    telegram: Telegram, database: Database
) -> None:
    """A +44 number with English (US) as the language: the region is the number's."""
    anna = telegram.user("Anna", language_code="en", phone_number="+447700900123")
    await anna.send("/start")
    assert "Welcome to CamShare, Anna" in anna.last_message.text
    assert "First, your phone number" in anna.last_message.text
    assert anna.reply_keyboard == [["📱 Share my phone number"], ["Not now"]]

    await anna.tap_reply_button("📱 Share my phone number")
    assert anna.messages[-2].text == "✅ Thanks! Your phone number +447700900123 is verified."
    assert anna.reply_keyboard is None
    assert anna.last_message.text == (
        "Your region: you can share only with people in the same region."
        " Are you in 🇬🇧 United Kingdom?"
    )
    assert anna.last_message.buttons == [
        ["✅ Yes, 🇬🇧 United Kingdom"],
        ["🌍 Choose another region"],
    ]
    answer = await anna.tap("✅ Yes, 🇬🇧 United Kingdom")
    assert answer.text == "Region saved"
    assert anna.messages[-2].text == "Region set: 🇬🇧 United Kingdom."
    assert anna.last_message.text.startswith("You're all set. Send /adddevice")
    account = await stored_account(database, anna.id)
    assert account is not None and account.region == "GB" and account.phone == "+447700900123"


async def test_not_now_guesses_the_region_from_the_language(
    telegram: Telegram, database: Database
) -> None:
    anna = telegram.user("Anna", language_code="de")
    await anna.send("/start")
    await anna.tap_reply_button("Not now")
    assert anna.messages[-2].text == "No problem: you can share it any time from /myaccount."
    assert anna.reply_keyboard is None
    assert "Are you in 🇩🇪 Germany?" in anna.last_message.text
    await anna.tap("✅ Yes, 🇩🇪 Germany")
    account = await stored_account(database, anna.id)
    assert account is not None and account.region == "DE" and account.phone is None


async def test_the_phones_region_can_be_changed_with_one_search(
    telegram: Telegram, database: Database
) -> None:
    anna = telegram.user("Anna", language_code="en-GB", phone_number="+49301234567")
    await anna.send("/start")
    await anna.tap_reply_button("📱 Share my phone number")
    assert "Are you in 🇩🇪 Germany?" in anna.last_message.text
    await anna.tap("🌍 Choose another region")
    await anna.send("GB")
    assert anna.messages[-2].text == "Region set: 🇬🇧 United Kingdom."
    assert (await stored_account(database, anna.id)).region == "GB"  # type: ignore[union-attr]


async def test_a_phone_proved_before_the_region_is_not_asked_again(telegram: Telegram) -> None:
    anna = telegram.user("Anna", language_code="en", phone_number="+447700900123")
    await anna.send("/start")
    await anna.tap_reply_button("📱 Share my phone number")
    await anna.send("/start")  # the region question left unanswered
    assert anna.messages[-2].text.startswith("👋 Welcome to CamShare, Anna!")
    assert "Are you in 🇬🇧 United Kingdom?" in anna.last_message.text
    assert anna.reply_keyboard is None


async def test_region_search_by_name(telegram: Telegram, database: Database) -> None:
    bob = telegram.user("Bob", language_code=None)
    await bob.send("/start")
    await bob.tap_reply_button("Not now")
    assert "Which country are you in?" in bob.last_message.text
    await bob.tap("🌍 Choose my region")
    assert "Type the name of your country" in bob.last_message.text

    await bob.send("Atlantis")
    assert "couldn't find that country" in bob.last_message.text
    await bob.send("united")
    assert ["🇬🇧 United Kingdom"] in bob.last_message.buttons
    await bob.tap("🇬🇧 United Kingdom")
    assert (await stored_account(database, bob.id)).region == "GB"  # type: ignore[union-attr]


@pytest.mark.parametrize("typed", ["GB", "united kingdom"])
async def test_a_region_found_alone_is_taken_at_once(
    telegram: Telegram, database: Database, typed: str
) -> None:
    bob = telegram.user("Bob", language_code=None)
    await bob.send("/start")
    await bob.tap_reply_button("Not now")
    await bob.tap("🌍 Choose my region")
    await bob.send(typed)
    assert bob.messages[-2].text == "Region set: 🇬🇧 United Kingdom."
    assert bob.last_message.text.startswith("You're all set.")
    assert (await stored_account(database, bob.id)).region == "GB"  # type: ignore[union-attr]


async def test_someone_elses_contact_is_no_proof(telegram: Telegram, database: Database) -> None:
    carol = telegram.user("Carol", language_code="en-GB")
    dave = telegram.user("Dave", phone_number="+447700900999")
    await carol.send("/start")
    await carol.share_contact("+447700900999", user_id=dave.id, first_name="Dave")
    assert "someone else's contact" in carol.last_message.text
    assert (await stored_account(database, carol.id)).phone is None  # type: ignore[union-attr]


async def test_not_now_after_onboarding_removes_the_phone_keyboard(telegram: Telegram) -> None:
    erin = telegram.user("Erin", language_code="fr")
    await erin.send("/start")
    await erin.tap_reply_button("Not now")
    await erin.tap("✅ Yes, 🇫🇷 France")
    await erin.send("/myaccount")
    await erin.tap("📱 Share phone number")
    await erin.tap_reply_button("Not now")
    assert erin.last_message.text.startswith("No problem: you can share it any time from")
    assert "/adddevice" in erin.last_message.text
    assert erin.reply_keyboard is None


async def test_returning_user_is_welcomed_back(telegram: Telegram) -> None:
    frank = telegram.user("Frank <&>", language_code="it")
    await frank.send("/start")
    await frank.tap_reply_button("Not now")
    await frank.tap("✅ Yes, 🇮🇹 Italy")
    await frank.send("/start")
    assert frank.last_message.text.startswith("Welcome back, Frank <&>!")


async def test_my_account_shows_what_we_know(telegram: Telegram) -> None:
    gina = telegram.user(
        "Gina", username="gina_cctv", language_code="en-GB", phone_number="+34600000000"
    )
    await gina.send("/start")
    await gina.tap_reply_button("Not now")
    await gina.tap("✅ Yes, 🇬🇧 United Kingdom")
    await gina.send("/myaccount")
    text = gina.last_message.text
    assert "Gina (@gina_cctv)" in text and "Region: 🇬🇧 United Kingdom" in text
    assert "Phone: not shared" in text and "Devices: 0" in text
    await gina.tap("📱 Share phone number")
    await gina.tap_reply_button("📱 Share my phone number")
    await gina.send("/myaccount")
    assert "Phone: +34600000000 ✅" in gina.last_message.text


async def test_change_region_from_my_account(telegram: Telegram, database: Database) -> None:
    hugo = telegram.user("Hugo", language_code="fr")
    await hugo.send("/start")
    await hugo.tap_reply_button("Not now")
    await hugo.tap("✅ Yes, 🇫🇷 France")
    await hugo.send("/myaccount")
    await hugo.tap("🌍 Change region")
    await hugo.send("BE")
    await hugo.tap("🇧🇪 Belgium")
    assert (await stored_account(database, hugo.id)).region == "BE"  # type: ignore[union-attr]


async def test_commands_before_start_ask_for_start(telegram: Telegram) -> None:
    ivan = telegram.user("Ivan")
    for command in ("/devices", "/adddevice", "/myaccount"):
        await ivan.send(command)
        assert ivan.last_message.text == "I don't know you yet. Send /start to set up your account."


async def test_help_unknown_commands_and_stray_text(telegram: Telegram) -> None:
    jo = telegram.user("Jo")
    await jo.send("/help")
    assert "/adddevice — Add a camera, NVR or DVR" in jo.last_message.text
    await jo.send("/frobnicate now")
    assert jo.last_message.text == "I don't know the command /frobnicate. Send /help to see mine."
    await jo.send("hello?")
    assert "I'm not waiting for a message right now" in jo.last_message.text
    await jo.send("/cancel")
    assert "nothing to cancel" in jo.last_message.text


async def test_every_registered_command_is_listed_in_help_and_answers(
    bot_api: FakeBotApi, telegram: Telegram
) -> None:
    commands = [command for command, _ in bot_api.bot_commands()]
    expected = {"start", "devices", "adddevice", "share", "myaccount", "email", "help", "cancel"}
    assert expected <= set(commands)
    kim = telegram.user("Kim", language_code="en-GB")
    await kim.send("/start")
    await kim.tap_reply_button("Not now")
    await kim.tap("✅ Yes, 🇬🇧 United Kingdom")
    await kim.send("/help")
    help_text = kim.last_message.text
    for command in commands:
        assert f"/{command} — " in help_text
        await kim.send(f"/{command}")
        answer = kim.last_message.text or kim.last_message.caption
        assert answer and "I don't know the command" not in answer
        await kim.send("/cancel")
