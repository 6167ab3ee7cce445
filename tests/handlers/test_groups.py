"""Installer groups, lived: the bot joins a group, an administrator allows linking, owners link
their devices (from the group or from a device card), and the group hears of every sharing event
within Telegram's limit of 20 messages a minute; the bot removed, the group upgraded."""

import asyncio
import functools
import re
from typing import Any

import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.common.context import CamShareContext
from handlers.groups.news import flush_group_news
from handlers.manage.expiry import sweep_expired
from sharing.groups import group_outbox, installer_groups
from storage.database import Database
from storage.models import Account, Device, DeviceGroupLink, InstallerGroup
from tests.clock import FakeClock
from tests.factories import make_device
from tests.handlers.journeys import RITA_PHONE, share_everything, started
from tests.handlers.test_qr import device_code, token_of
from tests.harness.bot_api import FakeBotApi
from tests.harness.users import AnyApplication, Telegram, TelegramGroup, TelegramUser

ALL_FOUR = "Camera 01, Camera 02 and 2 more channels"
NOT_YOURS = "These buttons belong to whoever sent the command"


@pytest.fixture
def context(application: AnyApplication) -> CamShareContext:
    return CamShareContext(application)


async def news(context: CamShareContext, group: TelegramGroup) -> list[str]:
    """Run the group news job once; what it sent to the group."""
    before = len(group.messages)
    await flush_group_news(context)
    return [message.text or "" for message in group.messages[before:]]


@pytest.fixture
async def ian(telegram: Telegram) -> TelegramUser:
    """The installer: he made the group, so he administers it."""
    return await started(telegram, "Ian")


@pytest.fixture
async def group(telegram: Telegram, ian: TelegramUser) -> TelegramGroup:
    """Ian's group, with the bot in it and linking allowed."""
    group = telegram.group("Installers Ltd", creator=ian)
    await group.add_bot(by=ian)
    await ian.send("/allowlinking", chat=group)
    return group


@pytest.fixture
async def linked(
    olivia: TelegramUser, group: TelegramGroup, context: CamShareContext
) -> TelegramGroup:
    """The group, with Olivia's Shop NVR linked to it from the group, and nothing queued."""
    await olivia.send("/link", chat=group)
    await olivia.tap("🗄 Shop NVR", chat=group)
    assert await news(context, group) == []
    return group


async def device_id_of(database: Database, name: str = "Shop NVR") -> int:
    async with database.read() as session:
        device = (await session.exec(select(Device).where(Device.name == name))).one()
    assert device.id is not None
    return device.id


async def group_id_of(database: Database, group: TelegramGroup) -> int:
    async with database.read() as session:
        found = await installer_groups.find_group(session, chat_id=group.id)
    assert found is not None
    return found.id


async def count(database: Database, model: type) -> int:
    async with database.read() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


# --- joining and linking -------------------------------------------------------------------------


async def test_the_bot_added_says_hello_then_answers_commands_only(
    telegram: Telegram, ian: TelegramUser, bot_api: FakeBotApi
) -> None:
    group = telegram.group("Installers Ltd", creator=ian)
    await group.add_bot(by=ian)
    hello = group.last_message.text
    assert hello.startswith("👋 Hello, Installers Ltd!")
    assert "An administrator sends /allowlinking once" in hello
    assert "Device owners send /link here" in hello

    for text in ("Morning all", "/start", "/devices", "/frobnicate", "/share"):
        await ian.send(text, chat=group)
    assert len(group.messages) == 1

    await ian.send("/help", chat=group)
    assert "/allowlinking — Administrators: let members link devices here" in (
        group.last_message.text
    )
    group_commands = bot_api.bot_commands(scope={"type": "all_group_chats"})
    assert [name for name, _ in group_commands] == [
        "link",
        "unlink",
        "allowlinking",
        "stoplinking",
        "language",
        "help",
    ]


async def test_only_an_administrator_allows_linking(
    telegram: Telegram, ian: TelegramUser, olivia: TelegramUser
) -> None:
    group = telegram.group("Installers Ltd", creator=ian)
    await group.add_bot(by=ian)
    await olivia.send("/link", chat=group)
    assert group.last_message.text == (
        "Devices can't be linked to Installers Ltd yet: an administrator of the group has to"
        " send /allowlinking there first."
    )
    await olivia.send("/allowlinking", chat=group)
    assert group.last_message.text.startswith("Only an administrator of this group can allow")

    group.promote(olivia)
    await olivia.send("/allowlinking", chat=group)
    assert group.last_message.text.startswith("🔓 Linking is allowed in this group.")
    await olivia.send("/link", chat=group)
    assert group.last_message.buttons == [["🗄 Shop NVR"], ["✔️ Done"]]


async def test_the_owner_links_from_the_group_and_nobody_else_can_tap(
    olivia: TelegramUser, rita: TelegramUser, group: TelegramGroup, database: Database
) -> None:
    await olivia.send("/link", chat=group)
    picker = group.last_message
    assert picker.text.startswith("🔗 Olivia, tap a device to link it to this group")
    assert "None of your devices is linked here yet." in picker.text

    refused = await rita.tap("🗄 Shop NVR", chat=group)
    assert refused.show_alert and (refused.text or "").startswith(NOT_YOURS)
    assert await count(database, DeviceGroupLink) == 0

    answer = await olivia.tap("🗄 Shop NVR", chat=group)
    assert answer.text == "Linked"
    assert picker.text == (
        "🔗 Shop NVR is linked to this group.\n\n"
        "Olivia, all your devices are linked here. /unlink unlinks one."
    )
    assert picker.buttons == []
    assert await count(database, DeviceGroupLink) == 1

    await olivia.send("/groups")
    assert olivia.last_message.text.startswith(
        "👥 Groups that hear about your devices\n• Installers Ltd: Shop NVR"
    )


async def test_a_picker_in_a_group_the_bot_forgot_says_to_send_link_again(
    olivia: TelegramUser, group: TelegramGroup, database: Database
) -> None:
    await olivia.send("/link", chat=group)
    async with database.write() as session:
        await session.delete(await session.get_one(InstallerGroup, 1))

    refused = await olivia.tap("🗄 Shop NVR", chat=group)

    assert refused.show_alert
    assert refused.text == "I don't know this group any more: send /link here again."
    assert await count(database, DeviceGroupLink) == 0


async def test_groups_fits_one_message_however_many_groups_and_devices(
    olivia: TelegramUser, database: Database, clock: FakeClock
) -> None:
    """40 groups with long titles, each hearing of 12 devices with long names: the list names
    ten devices a group, as many groups as fit in one message, and counts the rest."""
    async with database.write() as session:
        owner = await session.get_one(Account, olivia.id)
        devices = [
            await make_device(session, owner, name=f"Warehouse loading bay camera {n:02d}")
            for n in range(12)
        ]
        for number in range(40):
            linked = InstallerGroup(
                chat_id=-100_000 - number, title=f"{'Installers ' * 20}{number}", joined_at=clock()
            )
            session.add(linked)
            await session.flush()
            assert linked.id is not None
            for device in devices:
                assert device.id is not None
                session.add(
                    DeviceGroupLink(device_id=device.id, group_id=linked.id, linked_at=clock())
                )

    await olivia.send("/groups")

    text = olivia.last_message.text
    group_lines = [line for line in text.splitlines() if line.startswith("• ")]
    assert 0 < len(group_lines) < 40
    assert all(line.endswith("camera 09 and 2 more") for line in group_lines)
    assert f"… and {40 - len(group_lines)} more groups." in text


async def test_a_long_list_of_devices_pages_and_done_keeps_the_outcome(
    olivia: TelegramUser, group: TelegramGroup, database: Database
) -> None:
    async with database.write() as session:
        owner = await session.get_one(Account, olivia.id)
        for number in range(1, 10):
            await make_device(session, owner, name=f"Site {number:02d}")
    await olivia.send("/link", chat=group)
    picker = group.last_message
    assert len(picker.buttons) == 8 + 2 and picker.buttons[-2] == ["Next ›"]
    await olivia.tap("Next ›", chat=group)
    assert picker.buttons[:2] == [["🗄 Site 08"], ["🗄 Site 09"]]
    assert picker.buttons[-2] == ["‹ Previous"]
    await olivia.tap("🗄 Site 09", chat=group)
    await olivia.tap("🗄 Site 08", chat=group)  # the page emptied: the one before it shows
    assert picker.buttons[-2:] == [["🗄 Site 07"], ["✔️ Done"]]  # and no page after it
    assert "Linked here: Site 08, Site 09." in picker.text

    await olivia.tap("✔️ Done", chat=group)
    assert picker.text == "🔗 Olivia: Linked here: Site 08, Site 09."
    assert picker.buttons == []


async def test_unlinking_from_the_group(
    olivia: TelegramUser, linked: TelegramGroup, database: Database, telegram: Telegram
) -> None:
    await olivia.send("/unlink", chat=linked)
    assert linked.last_message.buttons == [["🗄 Shop NVR"], ["✔️ Done"]]
    answer = await olivia.tap("🗄 Shop NVR", chat=linked)
    assert answer.text == "Unlinked"
    assert linked.last_message.text.startswith(
        "Shop NVR is unlinked: this group no longer hears about it."
    )
    assert await count(database, DeviceGroupLink) == 0

    stranger = telegram.user("Sam")
    await stranger.send("/unlink", chat=linked)
    assert linked.last_message.text.startswith("I don't know you yet, Sam.")


async def test_stopping_linking_keeps_the_devices_linked(
    ian: TelegramUser, olivia: TelegramUser, linked: TelegramGroup, database: Database
) -> None:
    await olivia.send("/stoplinking", chat=linked)
    assert linked.last_message.text.startswith("Only an administrator")
    await ian.send("/stoplinking", chat=linked)
    assert linked.last_message.text.startswith("🔒 Linking is stopped")
    await olivia.send("/link", chat=linked)
    assert "has to send /allowlinking there first" in linked.last_message.text
    assert await count(database, DeviceGroupLink) == 1


async def test_linking_from_the_device_card(
    olivia: TelegramUser, group: TelegramGroup, context: CamShareContext
) -> None:
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch")
    await olivia.tap("👥 Groups")
    screen = olivia.last_message
    assert "I know no group of yours yet" in screen.text
    assert screen.buttons == [["« Back to the device"]]

    await olivia.send("/help", chat=group)  # the bot has now seen her there
    await olivia.tap("« Back to the device")
    await olivia.tap("👥 Groups")
    assert screen.text.startswith("👥 Groups for Shop NVR\n\nTap a group to link the device")
    assert screen.buttons == [["➕ Installers Ltd"], ["« Back to the device"]]

    answer = await olivia.tap("➕ Installers Ltd")
    assert answer.text == "Linked"
    assert screen.text.startswith("🔗 Linked to Installers Ltd.")
    assert screen.buttons[0] == ["✅ Installers Ltd", "🔕 Video loss only"]
    assert await news(context, group) == ["🔗 Olivia linked Shop NVR to this group"]

    answer = await olivia.tap("🔕 Video loss only")
    assert answer.text == "🚨 The group hears every alarm."
    assert screen.buttons[0] == ["✅ Installers Ltd", "🚨 All alarms"]
    answer = await olivia.forge_callback("dga:1:999:1", message=screen)
    assert (
        answer.text == "I'm not in that group any more. Add me to it again, then send /link there."
    )

    assert (await olivia.tap("✅ Installers Ltd")).text == "Unlinked"
    assert screen.buttons[0] == ["➕ Installers Ltd"]
    assert await news(context, group) == ["🔗 Olivia unlinked Shop NVR from this group"]

    await olivia.tap("« Back to the device")
    assert screen.text.startswith("🗄 NVR Shop NVR")


async def test_the_card_asks_telegram_whether_the_owner_is_still_in_the_group(
    olivia: TelegramUser, group: TelegramGroup, database: Database
) -> None:
    await olivia.send("/help", chat=group)
    group.leave(olivia)
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch")
    await olivia.tap("👥 Groups")
    answer = await olivia.tap("➕ Installers Ltd")
    assert answer.show_alert and answer.text == (
        "You are not a member of Installers Ltd: only its members can link devices to it."
    )
    assert "I know no group of yours yet" in olivia.last_message.text  # no longer offered
    assert await count(database, DeviceGroupLink) == 0


async def test_the_card_refuses_a_group_that_did_not_allow_linking(
    telegram: Telegram, ian: TelegramUser, olivia: TelegramUser
) -> None:
    group = telegram.group("Closed shop", creator=ian)
    await group.add_bot(by=ian)
    await olivia.send("/help", chat=group)
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch")
    await olivia.tap("👥 Groups")
    answer = await olivia.tap("➕ Closed shop")
    assert answer.text == (
        "Devices can't be linked to Closed shop yet: an administrator of the group has to send"
        " /allowlinking there first."
    )


async def test_forged_callback_data_links_nothing(
    olivia: TelegramUser, rita: TelegramUser, linked: TelegramGroup, database: Database
) -> None:
    device_id = await device_id_of(database)
    async with database.read() as session:
        group_id = (await session.exec(select(InstallerGroup.id))).one()
    unknown_device = "That device is not in your list any more. Send /devices to see your devices."

    # Rita's own id in the data passes the first check; the server's owner check stops her.
    for data in (f"glu:{rita.id}:{device_id}:0", f"gln:{rita.id}:{device_id}:0"):
        assert (await rita.forge_callback(data, chat=linked)).text == unknown_device
    for data in (f"dgu:{device_id}:{group_id}", f"dgl:{device_id}:{group_id}", f"dvg:{device_id}"):
        assert (await rita.forge_callback(data)).text == unknown_device
    missing_group = await olivia.forge_callback(f"dgl:{device_id}:{group_id + 1}")
    assert (missing_group.text or "").startswith("I'm not in that group any more.")
    malformed = await rita.forge_callback(f"gln:{rita.id}:x:0", chat=linked)
    assert malformed.text == "This button is no longer active. Send /help to start again."
    assert await count(database, DeviceGroupLink) == 1


async def test_group_commands_in_a_private_chat_point_to_the_group(olivia: TelegramUser) -> None:
    for command in ("/link", "/unlink", "/allowlinking", "/stoplinking"):
        await olivia.send(command)
        assert olivia.last_message.text.startswith("That command works in a group")
    await olivia.send("/groups")
    assert olivia.last_message.text.startswith("None of your devices is linked to a group.")


# --- what the group hears ------------------------------------------------------------------------


async def test_invitations_accepts_and_edits_reach_the_group(
    olivia: TelegramUser, rita: TelegramUser, linked: TelegramGroup, context: CamShareContext
) -> None:
    await share_everything(olivia, RITA_PHONE)
    assert await news(context, linked) == [f"📨 Olivia invited Rita to Shop NVR: {ALL_FOUR}"]
    await rita.tap("✅ Accept")
    assert await news(context, linked) == [f"✅ Rita accepted Shop NVR from Olivia: {ALL_FOUR}"]

    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")
    await olivia.send(RITA_PHONE)
    await olivia.tap("✅ Camera 02")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Finish")
    assert await news(context, linked) == [
        "✏️ Olivia changed Rita's access to Shop NVR: Camera 01, Camera 03, Camera 04"
    ]


async def test_a_decline_reaches_the_group(
    olivia: TelegramUser, rita: TelegramUser, linked: TelegramGroup, context: CamShareContext
) -> None:
    await share_everything(olivia, RITA_PHONE)
    await rita.tap("❌ Decline")
    assert await news(context, linked) == [
        "🗂 2 updates:\n"
        f"📨 Olivia invited Rita to Shop NVR: {ALL_FOUR}\n"
        "❌ Rita declined Shop NVR from Olivia"
    ]


async def test_invitations_to_addresses_name_nobody_and_their_expiry_reaches_the_group(
    olivia: TelegramUser, linked: TelegramGroup, context: CamShareContext, clock: FakeClock
) -> None:
    await share_everything(olivia, "+44 7700 900123")
    await share_everything(olivia, "nobody.yet@example.com")
    await share_everything(olivia, "@someone_new")
    invited = await news(context, linked)
    assert invited == [
        "🗂 3 updates:\n"
        + "\n".join([f"📨 Olivia invited someone not on CamShare yet to Shop NVR: {ALL_FOUR}"] * 3)
    ]

    clock.advance(days=3)
    await sweep_expired(context)
    expired = await news(context, linked)
    line = "⌛ Olivia's invitation of someone not on CamShare yet to Shop NVR expired"
    assert expired == [f"🗂 3 updates:\n{line}\n{line}\n{line}"]
    for text in invited + expired:
        assert not re.search(r"\+?\d{6,}|@|example", text), text


async def test_applications_reach_the_group(
    telegram: Telegram,
    olivia: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    clock: FakeClock,
) -> None:
    token = token_of(await device_code(olivia))

    async def applies(name: str) -> TelegramUser:
        applicant = await started(telegram, name)
        await applicant.send(f"/start {token}")
        await applicant.tap("📨 Apply for sharing")
        return applicant

    await applies("Paul")
    assert await news(context, linked) == ["📝 Paul applied for access to Shop NVR"]
    await olivia.tap("🔍 Review")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Accept")
    assert await news(context, linked) == [
        f"✅ Olivia accepted Paul's application for Shop NVR: {ALL_FOUR}"
    ]

    await applies("Quinn")
    await olivia.tap("🔍 Review")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("❌ Reject")
    assert await news(context, linked) == [
        "🗂 2 updates:\n📝 Quinn applied for access to Shop NVR\n"
        "❌ Olivia rejected Quinn's application for Shop NVR"
    ]

    await applies("Rosa")
    clock.advance(days=3)
    await sweep_expired(context)
    assert await news(context, linked) == [
        "🗂 2 updates:\n📝 Rosa applied for access to Shop NVR\n"
        "⌛ Rosa's application for Shop NVR expired without an answer"
    ]


async def test_removing_the_device_reaches_the_group_and_unlinks_it(
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    database: Database,
) -> None:
    await share_everything(olivia, RITA_PHONE)
    await news(context, linked)
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch · shared 1")
    await olivia.tap("🗑 Remove")
    await olivia.tap("🗑 Yes, remove it")
    assert await news(context, linked) == [
        "🗑 Olivia removed Shop NVR; it is no longer shared with 1 person"
    ]
    assert await count(database, DeviceGroupLink) == 0


async def test_a_device_in_no_group_queues_nothing(
    olivia: TelegramUser, rita: TelegramUser, group: TelegramGroup, context: CamShareContext
) -> None:
    await share_everything(olivia, RITA_PHONE)
    assert await news(context, group) == []


# --- Telegram's limit: 20 messages a minute to a group -------------------------------------------


async def queue_news(context: CamShareContext, device_id: int, line: str) -> None:
    """An event's line, queued as the handler that made the event queues it."""
    services = context.services
    async with services.database.write() as session:
        news = [(device_id, functools.partial(str, line))]
        await group_outbox.queue_device_news(session, news, now=services.clock())


async def test_a_burst_of_100_events_arrives_as_a_few_digests_in_order(
    olivia: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    database: Database,
    bot_api: FakeBotApi,
) -> None:
    device_id = await device_id_of(database)
    expected = [
        f"📨 Olivia invited Person {number:03d} to Shop NVR: {ALL_FOUR}" for number in range(1, 101)
    ]
    for line in expected:
        await queue_news(context, device_id, line.replace("Shop NVR", "<b>Shop NVR</b>"))

    digests = await news(context, linked)

    assert len(digests) == 3  # 100 lines of about 90 characters, 4,064 to a message
    assert all(digest.startswith("🗂 ") and len(digest) <= 4096 for digest in digests)
    received = [line for digest in digests for line in digest.splitlines()[1:]]
    assert received == expected  # nothing lost, nothing twice, in order
    assert await news(context, linked) == []
    assert bot_api.refusals == []


async def test_beyond_the_limit_news_waits_and_comes_as_one_digest(
    olivia: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    database: Database,
    clock: FakeClock,
) -> None:
    """An event every second: the first 20 go out one by one, the rest wait for the window."""
    limit = group_outbox.MESSAGES_PER_WINDOW
    device_id = await device_id_of(database)
    sent = []
    for number in range(1, limit + 11):  # the job runs after each event
        await queue_news(context, device_id, f"event {number:02d}")
        sent.extend(await news(context, linked))
        clock.advance(seconds=1)
    assert sent == [f"event {number:02d}" for number in range(1, limit + 1)]

    clock.advance(seconds=60 - (limit + 10))  # a minute after the first, it leaves the window
    assert await news(context, linked) == [
        "🗂 10 updates:\n"
        + "\n".join(f"event {number:02d}" for number in range(limit + 1, limit + 11))
    ]
    await queue_news(context, device_id, "last event")
    assert await news(context, linked) == []  # the next slot is a second away
    clock.advance(seconds=1)
    assert await news(context, linked) == ["last event"]


async def test_news_queued_before_a_restart_is_sent_after_it(
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    database: Database,
) -> None:
    await share_everything(olivia, RITA_PHONE)
    async with database.read() as session:
        group_id = (await session.exec(select(InstallerGroup.id))).one()
        assert await group_outbox.count_queued(session, group_id=group_id) == 1
    # The queue is the database's: a fresh Database (another process, after a restart) sees it.
    restarted = Database(database.url.render_as_string(hide_password=False))
    try:
        async with restarted.read() as session:
            assert await group_outbox.count_queued(session, group_id=group_id) == 1
    finally:
        await restarted.dispose()
    assert await news(context, linked) == [f"📨 Olivia invited Rita to Shop NVR: {ALL_FOUR}"]


# --- the bot removed, the group upgraded ---------------------------------------------------------


@pytest.mark.parametrize("ban", [False, True], ids=["removed", "banned"])
async def test_the_bot_removed_unlinks_the_group_quietly(
    ian: TelegramUser,
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    database: Database,
    bot_api: FakeBotApi,
    ban: bool,
) -> None:
    messages = len(linked.messages)
    await linked.remove_bot(by=ian, ban=ban)
    assert len(linked.messages) == messages
    assert (await count(database, InstallerGroup), await count(database, DeviceGroupLink)) == (0, 0)

    await share_everything(olivia, RITA_PHONE)
    assert await news(context, linked) == []
    assert bot_api.refusals == []  # not even tried
    await olivia.send("/groups")
    assert olivia.last_message.text.startswith("None of your devices is linked to a group.")

    if not ban:
        await linked.add_bot(by=ian)  # back: a new start, linking to be allowed again
        assert linked.last_message.text.startswith("👋 Hello, Installers Ltd!")
        await olivia.send("/link", chat=linked)
        assert "has to send /allowlinking there first" in linked.last_message.text


async def test_a_group_that_removed_the_bot_unnoticed_is_forgotten_at_the_next_send(
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    database: Database,
    bot_api: FakeBotApi,
) -> None:
    linked.chat.members[bot_api.bot.id] = "kicked"  # its my_chat_member update was lost
    await share_everything(olivia, RITA_PHONE)
    assert await news(context, linked) == []
    assert (await count(database, InstallerGroup), await count(database, DeviceGroupLink)) == (0, 0)
    assert await news(context, linked) == []


async def test_a_group_that_muted_the_bot_keeps_its_news_until_it_may_write_again(
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    clock: FakeClock,
    bot_api: FakeBotApi,
) -> None:
    linked.chat.members[bot_api.bot.id] = "restricted"
    await share_everything(olivia, RITA_PHONE)
    assert await news(context, linked) == []

    linked.chat.members[bot_api.bot.id] = "member"
    assert await news(context, linked) == []  # it waits out its pause
    clock.advance(minutes=10)
    assert [line.split(":")[0] for line in await news(context, linked)] == [
        "📨 Olivia invited Rita to Shop NVR"
    ]


@pytest.fixture
async def office(
    telegram: Telegram, ian: TelegramUser, olivia: TelegramUser, linked: TelegramGroup
) -> TelegramGroup:
    """A second group of Ian's, created after `linked`, with the Shop NVR linked to it too."""
    office = telegram.group("Office", creator=ian)
    await office.add_bot(by=ian)
    await ian.send("/allowlinking", chat=office)
    await olivia.send("/link", chat=office)
    await olivia.tap("🗄 Shop NVR", chat=office)
    return office


async def test_a_group_whose_sends_wait_holds_back_its_own_news_only(
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    office: TelegramGroup,
    context: CamShareContext,
    bot_api: FakeBotApi,
) -> None:
    await share_everything(olivia, RITA_PHONE)
    invited = f"📨 Olivia invited Rita to Shop NVR: {ALL_FOUR}"
    in_group, in_office = len(linked.messages), len(office.messages)

    held = bot_api.hold(linked.id)  # the group claimed first: its sends would go first
    flushing = asyncio.create_task(flush_group_news(context))
    await asyncio.wait_for(held.parked.wait(), timeout=5)  # a guard: the claim is quick
    for _ in range(100):  # the office's send touches no database: turns of the loop suffice
        if len(office.messages) > in_office:
            break
        await asyncio.sleep(0)
    assert [message.text for message in office.messages[in_office:]] == [invited]
    assert len(linked.messages) == in_group and not flushing.done()

    held.released.set()
    assert await flushing == 2
    assert [message.text for message in linked.messages[in_group:]] == [invited]


async def test_a_group_whose_flush_fails_leaves_the_others_settled(
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    office: TelegramGroup,
    context: CamShareContext,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await share_everything(olivia, RITA_PHONE)
    failing_id, office_id = await group_id_of(database, linked), await group_id_of(database, office)
    settle = group_outbox.settle_message  # each message is settled as it goes out

    async def settle_but_one(session: AsyncSession, *, group_id: int, **rest: Any) -> None:
        if group_id == failing_id:
            raise RuntimeError("the database went away")
        await settle(session, group_id=group_id, **rest)

    monkeypatch.setattr(group_outbox, "settle_message", settle_but_one)
    with pytest.raises(BaseExceptionGroup) as raised:
        await flush_group_news(context)

    assert [str(error) for error in raised.value.exceptions] == ["the database went away"]
    async with database.read() as session:
        assert await group_outbox.count_queued(session, group_id=office_id) == 0
        assert await group_outbox.count_queued(session, group_id=failing_id) == 1


async def test_a_group_upgraded_to_a_supergroup_keeps_its_links(
    ian: TelegramUser,
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    database: Database,
) -> None:
    old_id = linked.id
    await linked.upgrade_to_supergroup(by=ian)
    assert linked.id != old_id and linked.chat.type == "supergroup"
    async with database.read() as session:
        assert (await session.exec(select(InstallerGroup.chat_id))).one() == linked.id

    await share_everything(olivia, RITA_PHONE)
    assert await news(context, linked) == [f"📨 Olivia invited Rita to Shop NVR: {ALL_FOUR}"]
    await olivia.send("/unlink", chat=linked)
    assert linked.last_message.buttons == [["🗄 Shop NVR"], ["✔️ Done"]]


async def test_news_for_a_group_that_moved_unannounced_follows_it(
    olivia: TelegramUser,
    rita: TelegramUser,
    linked: TelegramGroup,
    context: CamShareContext,
    ian: TelegramUser,
) -> None:
    await share_everything(olivia, RITA_PHONE)
    await linked.upgrade_to_supergroup(by=ian, announce=False)
    assert await news(context, linked) == []  # Telegram answers with the new chat id
    assert await news(context, linked) == [f"📨 Olivia invited Rita to Shop NVR: {ALL_FOUR}"]


async def test_deletions_and_cancellations_reach_the_group(
    olivia: TelegramUser, rita: TelegramUser, linked: TelegramGroup, context: CamShareContext
) -> None:
    await share_everything(olivia, RITA_PHONE)
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 invited")
    await olivia.tap("Rita · ⏳ invited")
    await olivia.tap("✖️ Cancel invitation")
    await olivia.tap("✖️ Yes, cancel it")
    assert (await news(context, linked))[-1].endswith(
        "✖️ Olivia cancelled the invitation of Rita to Shop NVR"
    )

    await share_everything(olivia, RITA_PHONE)
    await rita.tap("✅ Accept")
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 active")
    await olivia.tap("Rita · ✅")
    await olivia.tap("🗑 Delete")
    await olivia.tap("🗑 Yes, delete it")
    assert (await news(context, linked))[-1].endswith("🗑 Olivia stopped sharing Shop NVR with Rita")

    await share_everything(olivia, RITA_PHONE)
    await rita.tap("✅ Accept")
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("🗑 Delete")
    await rita.tap("🗑 Yes, delete it")
    assert (await news(context, linked))[-1].endswith(
        "🗑 Rita deleted Shop NVR (shared by Olivia) from their list"
    )
