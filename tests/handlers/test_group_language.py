"""An installer group's language: its adder's at first, then an administrator's choice with
/language; everything the bot says there, news included, is in it. Texts are marked with the
language they were made in (tests.pseudo_language)."""

import pytest

from handlers.common.context import CamShareContext
from handlers.groups.news import flush_group_news
from sharing.groups import installer_groups
from storage.database import Database
from tests.handlers.journeys import RITA_PHONE, share_everything, started
from tests.handlers.speakers import speak
from tests.harness.users import AnyApplication, Telegram, TelegramGroup, TelegramUser

pytestmark = pytest.mark.usefixtures("pseudo_language")

NOT_AN_ADMINISTRATOR = "Only an administrator of this group can choose the language I speak here."
LANGUAGE_BUTTONS = [["✅ English"], ["简体中文"], ["Русский"], ["Español"]]


@pytest.fixture
def context(application: AnyApplication) -> CamShareContext:
    return CamShareContext(application)


@pytest.fixture
async def ian(telegram: Telegram) -> TelegramUser:
    """The installer: he makes the groups, so he administers them."""
    return await started(telegram, "Ian")


async def language_of(database: Database, group: TelegramGroup) -> str | None:
    async with database.read() as session:
        found = await installer_groups.find_group(session, chat_id=group.id)
    return found.language if found else None


async def news(context: CamShareContext, *groups: TelegramGroup) -> list[list[str]]:
    """Run the group news job once; what it sent to each group."""
    before = [len(group.messages) for group in groups]
    await flush_group_news(context)
    return [
        [message.text or "" for message in group.messages[count:]]
        for group, count in zip(groups, before, strict=True)
    ]


async def test_only_an_administrator_chooses_the_language_and_hears_it_at_once(
    telegram: Telegram, ian: TelegramUser, olivia: TelegramUser, database: Database
) -> None:
    group = telegram.group("Installers Ltd", creator=ian)
    await group.add_bot(by=ian)
    assert await language_of(database, group) == "en"

    await olivia.send("/language", chat=group)
    assert group.last_message.text == NOT_AN_ADMINISTRATOR
    await ian.send("/language", chat=group)
    choice = group.last_message
    assert choice.text == "🌐 Which language should I speak in this group?"
    assert choice.buttons == LANGUAGE_BUTTONS

    refused = await olivia.tap("Русский", chat=group)  # the buttons are anyone's to tap
    assert refused.show_alert and refused.text == NOT_AN_ADMINISTRATOR
    assert await language_of(database, group) == "en"

    answer = await ian.tap("Русский", chat=group)
    assert not answer.show_alert
    assert choice.text == "[ru] ✅ I speak Русский in this group now."
    assert choice.buttons == []
    assert await language_of(database, group) == "ru"

    await ian.send("/help", chat=group)
    help_text = group.last_message.text
    assert help_text.startswith("[ru] CamShare tells this group what happens")
    assert "/language — [ru] Administrators: choose the language I speak here" in help_text
    await ian.send("/language", chat=group)
    assert group.last_message.text == "[ru] 🌐 Which language should I speak in this group?"
    assert group.last_message.buttons == [["English"], ["简体中文"], ["✅ Русский"], ["Español"]]


async def test_the_tap_asks_telegram_again_who_administers_the_group(
    telegram: Telegram, ian: TelegramUser, olivia: TelegramUser, database: Database
) -> None:
    group = telegram.group("Installers Ltd", creator=ian)
    await group.add_bot(by=ian)
    group.promote(olivia)
    await olivia.send("/language", chat=group)
    group.chat.members[olivia.id] = "member"  # demoted while the buttons were on screen

    refused = await olivia.tap("Español", chat=group)
    assert refused.show_alert and refused.text == NOT_AN_ADMINISTRATOR
    assert await language_of(database, group) == "en"

    forged = await ian.forge_callback("glg:tlh", chat=group)  # no language of ours
    assert forged.show_alert
    assert await language_of(database, group) == "en"

    await ian.tap("Español", chat=group)
    assert group.last_message.text == "[es] ✅ I speak Español in this group now."
    assert await language_of(database, group) == "es"


async def test_a_group_starts_in_the_language_of_whoever_added_the_bot(
    telegram: Telegram, ian: TelegramUser, database: Database, application: AnyApplication
) -> None:
    await speak(ian, "ru")  # his account's language, whatever Telegram's app says
    group = telegram.group("Монтажники", creator=ian)
    await group.add_bot(by=ian)
    assert await language_of(database, group) == "ru"
    hello = group.last_message.text
    assert hello.startswith("[ru] 👋 Hello, Монтажники!")
    assert "[ru] 1. An administrator sends /allowlinking once." in hello

    # Someone with no account yet: the language Telegram gives for them.
    elena = telegram.user("Elena", language_code="es-419")
    other = telegram.group("Instaladores", creator=elena)
    await other.add_bot(by=elena)
    assert await language_of(database, other) == "es"
    assert other.last_message.text.startswith("[es] 👋 Hello, Instaladores!")


async def test_each_group_reads_the_news_in_its_own_language(
    telegram: Telegram,
    ian: TelegramUser,
    olivia: TelegramUser,
    rita: TelegramUser,
    context: CamShareContext,
) -> None:
    """The owner and the recipient speak English; each group reads the same events in its own
    language, digests' headings too."""
    english = telegram.group("Installers Ltd", creator=ian)
    russian = telegram.group("Монтажники", creator=ian)
    for group in (english, russian):
        await group.add_bot(by=ian)
        await ian.send("/allowlinking", chat=group)
        await olivia.send("/link", chat=group)
        await olivia.tap("🗄 Shop NVR", chat=group)
    await ian.send("/language", chat=russian)
    await ian.tap("Русский", chat=russian)

    await share_everything(olivia, RITA_PHONE)
    invited = "📨 Olivia invited Rita to Shop NVR: "
    assert await news(context, english, russian) == [
        [invited + "Camera 01, Camera 02 and 2 more channels"],
        [f"[ru] {invited}[ru] Camera 01, Camera 02 and 2 more channels"],
    ]

    await rita.tap("❌ Decline")
    await share_everything(olivia, RITA_PHONE)
    english_news, russian_news = await news(context, english, russian)
    assert russian_news == [
        "[ru] 🗂 2 updates:\n"
        "[ru] ❌ Rita declined Shop NVR from Olivia\n"
        f"[ru] {invited}[ru] Camera 01, Camera 02 and 2 more channels"
    ]
    assert english_news[0].startswith("🗂 2 updates:\n❌ Rita declined Shop NVR from Olivia\n")


async def test_a_link_from_the_device_card_is_told_in_the_groups_language(
    telegram: Telegram, ian: TelegramUser, olivia: TelegramUser, context: CamShareContext
) -> None:
    group = telegram.group("Монтажники", creator=ian)
    await group.add_bot(by=ian)
    await ian.send("/allowlinking", chat=group)
    await ian.send("/language", chat=group)
    await ian.tap("Русский", chat=group)
    await olivia.send("/help", chat=group)  # the bot has now seen her there

    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch")
    await olivia.tap("👥 Groups")
    assert (await olivia.tap("➕ Монтажники")).text == "Linked"  # Olivia reads English
    assert await news(context, group) == [["[ru] 🔗 Olivia linked Shop NVR to this group"]]
