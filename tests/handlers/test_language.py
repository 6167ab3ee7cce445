"""/language, and the command menu registered once per language.

The catalogs are not made yet, so a stand-in marks each text with the language it was made
for ("[ru] Choose your language"): what these tests check is for whom each text was made."""

import json

import pytest

from handlers.accounts.language import PickLanguage
from handlers.common.help import COMMANDS, GROUP_COMMANDS
from storage.database import Database
from tests.handlers.journeys import started
from tests.handlers.test_onboarding import stored_account
from tests.harness.bot_api import FakeBotApi
from tests.harness.users import Telegram

GROUPS = {"type": "all_group_chats"}


pytestmark = pytest.mark.usefixtures("pseudo_language")


async def test_language_lists_every_language_in_its_own_name(telegram: Telegram) -> None:
    ann = await started(telegram, "Ann")
    await ann.send("/language")
    assert ann.last_message.text == "Choose your language"
    assert ann.last_message.buttons == [["✅ English"], ["简体中文"], ["Русский"], ["Español"]]


async def test_a_tap_stores_the_language_and_answers_in_it(
    telegram: Telegram, database: Database
) -> None:
    ann = await started(telegram, "Ann")
    await ann.send("/language")
    answer = await ann.tap("Русский")
    assert not answer.show_alert
    assert ann.last_message.text == "[ru] ✅ I will speak Русский with you from now on."
    assert ann.last_message.buttons == []
    assert (await stored_account(database, ann.id)).language == "ru"  # type: ignore[union-attr]
    await ann.send("/language")
    assert ann.last_message.text == "[ru] Choose your language"
    assert ann.last_message.buttons == [["English"], ["简体中文"], ["✅ Русский"], ["Español"]]
    await ann.tap("English")
    assert ann.last_message.text == "✅ I will speak English with you from now on."


async def test_a_forged_language_is_refused(telegram: Telegram, database: Database) -> None:
    ann = await started(telegram, "Ann")
    await ann.send("/language")
    answer = await ann.forge_callback(PickLanguage("xx").pack())
    assert answer.show_alert
    assert answer.text == "I don't speak that language. Send /language and tap one of the buttons."
    assert (await stored_account(database, ann.id)).language == "en"  # type: ignore[union-attr]


async def test_language_needs_an_account(telegram: Telegram) -> None:
    ivan = telegram.user("Ivan")
    await ivan.send("/language")
    assert ivan.last_message.text == "I don't know you yet. Send /start to set up your account."
    answer = await ivan.forge_callback(PickLanguage("ru").pack())
    assert answer.show_alert and answer.text and "/start" in answer.text


async def test_the_command_menus_are_registered_once_per_language(
    bot_api: FakeBotApi, telegram: Telegram
) -> None:
    """Registered when the application starts (`telegram` starts it)."""
    registered = [
        (json.loads(call.params.get("scope", "null")), call.params.get("language_code"))
        for call in bot_api.calls
        if call.method == "setMyCommands"
    ]
    expected = [(scope, code) for code in (None, "zh", "ru", "es") for scope in (None, GROUPS)]
    assert registered == expected
    english = [(command.command, command.description) for command in COMMANDS]
    assert bot_api.bot_commands() == english
    assert ("language", "Language of the bot") in english
    for code in ("zh", "ru", "es"):
        menu = bot_api.bot_commands(language_code=code)
        assert [command for command, __ in menu] == [command for command, __ in english]
        assert all(description.startswith(f"[{code}") for __, description in menu)
        group_menu = bot_api.bot_commands(scope=GROUPS, language_code=code)
        assert len(group_menu) == len(GROUP_COMMANDS)
        assert all(description.startswith(f"[{code}") for __, description in group_menu)
    assert bot_api.bot_commands(scope=GROUPS) == [
        (command.command, command.description) for command in GROUP_COMMANDS
    ]


async def test_help_is_in_the_readers_language(telegram: Telegram) -> None:
    boris = telegram.user("Boris", language_code="ru")
    await boris.send("/help")
    assert boris.last_message.text.startswith("[ru] CamShare shares your CCTV devices")
    assert "/language — [ru] Language of the bot" in boris.last_message.text
