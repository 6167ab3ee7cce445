"""/shared, the owner's side: devices I share, who has each, edit, delete and cancel; each action
seen by the owner and by the recipient."""

import pytest
from sqlmodel import col, func, select

from storage.database import Database
from storage.models import Account, Share, ShareState
from tests.clock import FakeClock
from tests.factories import make_account, make_device, make_share
from tests.handlers.journeys import RITA_PHONE, add_nvr, share_everything, started, verified
from tests.harness.state import ChatMessage
from tests.harness.users import Telegram, TelegramUser

ALL = "Live View/Playback/Alarm/Two-way Audio/PTZ"
NOT_AVAILABLE = "This share is no longer available."


@pytest.fixture
async def rita_has_it(olivia: TelegramUser, rita: TelegramUser) -> None:
    """Olivia shared Shop NVR with Rita, who accepted."""
    await share_everything(olivia, RITA_PHONE)
    await rita.tap("✅ Accept")


async def open_rita_share(olivia: TelegramUser, rita_button: str = "Rita · ✅") -> ChatMessage:
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 active")
    await olivia.tap(rita_button)
    return olivia.last_message


async def live_shares(database: Database) -> int:
    async with database.read() as session:
        statement = (
            select(func.count())
            .select_from(Share)
            .where(col(Share.state).in_([ShareState.PENDING, ShareState.ACTIVE]))
        )
        return (await session.exec(statement)).one()


async def share_ids(database: Database) -> list[int]:
    async with database.read() as session:
        return [s for s in (await session.exec(select(Share.id).order_by(col(Share.id))))]


async def test_devices_recipients_and_one_share_in_detail(
    olivia: TelegramUser, rita: TelegramUser, rita_has_it: None
) -> None:
    await share_everything(olivia, "+44 7700 900777")
    await olivia.send("/shared")
    screen = olivia.last_message
    assert screen.text == "📤 Devices you share (1–1 of 1). Tap one to see who has it."
    assert screen.buttons == [["🗄 Shop NVR · 1 active, 1 invited"]]

    await olivia.tap("🗄 Shop NVR · 1 active, 1 invited")
    assert screen.text == (
        "🗄 Shop NVR: shared with 2 people (1–2 of 2). Tap one for details.\n\n"
        "1. Rita · ✅ active since 15 Jan 2026 · 4 channels\n"
        "2. +447700900777 · ⏳ invited 15 Jan 2026, not on CamShare yet · 4 channels"
    )
    assert screen.buttons == [["Rita · ✅"], ["+447700900777 · ⏳ invited"], ["« Shared devices"]]

    await olivia.tap("Rita · ✅")
    assert screen.text == (
        "🗄 Shop NVR → Rita\n✅ Active since 15 Jan 2026, 09:00 UTC.\nChannels (4):\n"
        f"• Camera 01 … Camera 04 (4 channels): {ALL}"
    )
    assert screen.buttons == [["✏️ Edit", "🗑 Delete"], ["« Shop NVR"]]

    await olivia.tap("« Shop NVR")
    await olivia.tap("+447700900777 · ⏳ invited")
    assert "⏳ Invited on 15 Jan 2026, 09:00 UTC. Nobody has proved this address" in screen.text
    assert "waits for them until 18 Jan 2026, 09:00 UTC." in screen.text
    assert screen.buttons == [["✏️ Edit", "✖️ Cancel invitation"], ["« Shop NVR"]]
    await olivia.tap("« Shop NVR")
    await olivia.tap("« Shared devices")
    assert screen.text.startswith("📤 Devices you share (1–1 of 1)")


async def test_nothing_shared_yet(olivia: TelegramUser) -> None:
    await olivia.send("/shared")
    assert olivia.last_message.text == (
        "You are not sharing any device. Open one in /devices and tap 📤 Share."
    )


async def test_delete_asks_twice_and_the_device_leaves_the_recipients_list(
    olivia: TelegramUser, rita: TelegramUser, rita_has_it: None, database: Database
) -> None:
    await rita.send("/received")
    rita_list = rita.last_message
    assert rita_list.buttons[0] == ["🗄 Shop NVR · from Olivia"]

    screen = await open_rita_share(olivia)
    await olivia.tap("🗑 Delete")
    assert screen.text == (
        "Delete Rita's share of Shop NVR? The device disappears from their list at once, and"
        " they are told."
    )
    await olivia.tap("Keep it")
    assert screen.text.startswith("🗄 Shop NVR → Rita")
    await olivia.tap("🗑 Delete")
    confirm = screen.content.inline_keyboard[0][0]["callback_data"]
    answer = await olivia.tap("🗑 Yes, delete it")

    assert answer.text == "Deleted"
    assert screen.text == (
        "🗑 You stopped sharing Shop NVR with Rita; they have been told.\n\n"
        "🗄 Shop NVR is not shared with anyone now."
    )
    assert screen.buttons == [["📤 Share it"], ["« Shared devices"]]
    assert rita.last_message.text == "🗑 Olivia stopped sharing Shop NVR with you."
    await rita.send("/received")
    assert rita.last_message.text.startswith("Nothing is shared with you yet.")
    stale = await rita.tap("🗄 Shop NVR · from Olivia", message=rita_list)
    assert stale.text == "This share is not active any more." and stale.show_alert
    assert rita_list.text.startswith("Nothing is shared with you yet.")

    told = len(rita.messages)
    again = await olivia.forge_callback(confirm, message=screen)
    assert again.text == "This share is not active any more."
    assert len(rita.messages) == told
    assert await live_shares(database) == 0
    await olivia.send("/shared")
    assert olivia.last_message.text.startswith("You are not sharing any device.")


async def test_a_recipient_who_blocked_the_bot_is_still_deleted(
    olivia: TelegramUser, rita: TelegramUser, rita_has_it: None, database: Database
) -> None:
    await rita.block_bot()
    screen = await open_rita_share(olivia)
    await olivia.tap("🗑 Delete")
    await olivia.tap("🗑 Yes, delete it")
    assert screen.text.startswith(
        "🗑 You stopped sharing Shop NVR with Rita; I could not tell them: they have blocked"
    )
    assert await live_shares(database) == 0


async def test_cancel_an_invitation_closes_the_recipients_prompt(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    await share_everything(olivia, RITA_PHONE)
    prompt = rita.last_message
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 invited")
    await olivia.tap("Rita · ⏳ invited")
    screen = olivia.last_message
    assert "⏳ Invited on 15 Jan 2026, 09:00 UTC; waiting for an answer until 18 Jan" in (
        screen.text
    )
    await olivia.tap("✖️ Cancel invitation")
    assert screen.text == (
        "Cancel the invitation to Rita for Shop NVR? Its Accept button stops working."
    )
    answer = await olivia.tap("✖️ Yes, cancel it")

    assert answer.text == "Cancelled"
    assert screen.text.startswith("✖️ The invitation to Rita for Shop NVR was cancelled.\n\n")
    assert prompt.text == "✖️ Olivia cancelled the invitation to Shop NVR."
    assert prompt.buttons == []
    late = await rita.forge_callback(
        prompt.history[0].inline_keyboard[0][0]["callback_data"], message=prompt
    )
    assert late.text == "This invitation was cancelled by its owner."
    assert await live_shares(database) == 0


async def test_cancel_after_the_recipient_accepted_shows_the_share_as_it_is(
    olivia: TelegramUser, rita: TelegramUser
) -> None:
    await share_everything(olivia, RITA_PHONE)
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 invited")
    await olivia.tap("Rita · ⏳ invited")
    await olivia.tap("✖️ Cancel invitation")
    screen = olivia.last_message
    await rita.tap("✅ Accept")
    late = await olivia.tap("✖️ Yes, cancel it")
    assert late.text == "This invitation was already accepted." and late.show_alert
    assert screen.text.startswith("🗄 Shop NVR → Rita\n✅ Active since")
    assert screen.buttons[0] == ["✏️ Edit", "🗑 Delete"]


async def test_edit_opens_the_share_steps_in_place_and_tells_the_recipient(
    olivia: TelegramUser, rita: TelegramUser, rita_has_it: None
) -> None:
    screen = await open_rita_share(olivia)
    await olivia.tap("✏️ Edit")
    assert olivia.last_message is screen
    assert "Edit the share of Shop NVR with Rita" in screen.text
    await olivia.tap("✅ Camera 04")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Finish")

    assert screen.text == "✅ Rita's access to Shop NVR was updated; they have been told."
    assert rita.last_message.text == (
        f"Olivia changed your access to Shop NVR:\n• Camera 01 … Camera 03 (3 channels): {ALL}"
    )
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 active")
    assert "1. Rita · ✅ active since 15 Jan 2026 · 3 channels" in olivia.last_message.text


async def test_edit_after_the_recipient_deleted_it_is_refused(
    olivia: TelegramUser, rita: TelegramUser, rita_has_it: None, database: Database
) -> None:
    screen = await open_rita_share(olivia)
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("🗑 Delete")
    await rita.tap("🗑 Yes, delete it")
    before = await share_ids(database)

    refused = await olivia.tap("✏️ Edit", message=screen)
    assert refused.text == "This share is not active any more." and refused.show_alert
    refused = await olivia.tap("🗑 Delete", message=screen)
    assert refused.text == "This share is not active any more."
    assert screen.text == "🗄 Shop NVR is not shared with anyone now."
    assert await share_ids(database) == before and await live_shares(database) == 0


async def test_a_share_deleted_during_its_edit_becomes_a_new_invitation_not_access(
    olivia: TelegramUser, rita: TelegramUser, rita_has_it: None, database: Database
) -> None:
    """The share steps (handlers.share.conversation) save an edit as "share again" (R9): when the
    share ended meanwhile, Finish invites again; the recipient gets a prompt to accept, never access
    they just gave up."""
    await open_rita_share(olivia)
    await olivia.tap("✏️ Edit")
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("🗑 Delete")
    await rita.tap("🗑 Yes, delete it")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Finish")

    assert rita.last_message.buttons == [["✅ Accept", "❌ Decline"]]
    async with database.read() as session:
        states = (await session.exec(select(Share.state).order_by(col(Share.id)))).all()
    assert states == [ShareState.REMOVED, ShareState.PENDING]


async def test_forged_callbacks_reveal_nothing_and_change_nothing(
    telegram: Telegram,
    olivia: TelegramUser,
    rita: TelegramUser,
    rita_has_it: None,
    database: Database,
) -> None:
    mallory = await started(telegram, "Mallory")
    await add_nvr(mallory, serial="MALLORY001", name="Mine")
    await mallory.send("/shared")
    mallory_screen = mallory.last_message
    async with database.read() as session:
        share = (await session.exec(select(Share))).one()
    for data in (
        f"ows:{share.id}",
        f"owx:{share.id}",
        f"owxy:{share.id}",
        f"owc:{share.id}",
        f"owcy:{share.id}",
        f"shx:{share.id}",
        "ows:999999",
    ):
        answer = await mallory.forge_callback(data, message=mallory_screen)
        assert answer.text == NOT_AVAILABLE and answer.show_alert, data
    refused = await mallory.forge_callback(f"owd:{share.device_id}:0", message=mallory_screen)
    assert refused.text.startswith("That device is not in your list any more.")
    assert mallory_screen.text.startswith("You are not sharing any device.")

    rita_last = rita.last_message
    for data in (f"ows:{share.id}", f"owx:{share.id}", f"owc:{share.id}"):
        answer = await rita.forge_callback(data, message=rita_last)
        assert answer.text == NOT_AVAILABLE, data
    for data in (f"owxy:{share.id}", f"owcy:{share.id}"):
        answer = await rita.forge_callback(data, message=rita_last)
        assert answer.text == "Only the owner of this device can share it or change its shares."
    for data in ("owd:abc:0", "owxy", "ows:1:2"):
        answer = await mallory.forge_callback(data, message=mallory_screen)
        assert answer.text == "This button is no longer active. Send /help to start again."

    assert rita.last_message is rita_last and rita_last.text.startswith("✅ You accepted")
    async with database.read() as session:
        assert (await session.exec(select(Share.state))).one() == ShareState.ACTIVE


async def test_names_with_html_characters_and_emoji(telegram: Telegram) -> None:
    owner = await started(telegram, "Ops & <Co>")
    await add_nvr(owner, serial="HTML000001", name="<Shop> & 🐈")
    guest = await verified(telegram, "Zoë <3 & 🎥", RITA_PHONE)
    await share_everything(owner, RITA_PHONE, device_button="🗄 <Shop> & 🐈")
    await guest.tap("✅ Accept")
    await owner.send("/shared")
    assert owner.last_message.buttons[0] == ["🗄 <Shop> & 🐈 · 1 active"]
    await owner.tap("🗄 <Shop> & 🐈 · 1 active")
    assert "1. Zoë <3 & 🎥 · ✅ active since" in owner.last_message.text
    await owner.tap("Zoë <3 & 🎥 · ✅")
    assert owner.last_message.text.startswith("🗄 <Shop> & 🐈 → Zoë <3 & 🎥\n")
    await owner.tap("🗑 Delete")
    await owner.tap("🗑 Yes, delete it")
    assert guest.last_message.text == "🗑 Ops & <Co> stopped sharing <Shop> & 🐈 with you."


async def test_fifty_devices_page_and_a_device_pages_its_recipients(
    olivia: TelegramUser, database: Database, clock: FakeClock
) -> None:
    async with database.write() as session:
        owner = await session.get_one(Account, olivia.id)
        for index in range(50):
            device = await make_device(session, owner, name=f"Site {index:02d} " + "x" * 50)
            holder = await make_account(session, 500_000 + index, first_name=f"Guest {index}")
            await make_share(session, device, holder, channels=range(1, 5))
        crowded = await make_device(session, owner, name="A crowded NVR", channels=16)
        for index in range(20):
            holder = await make_account(session, 600_000 + index, first_name="N" * 64)
            await make_share(session, crowded, holder, channels=range(1, 17))

    await olivia.send("/shared")
    screen = olivia.last_message
    seen: list[str] = []
    while True:
        seen += [row[0] for row in screen.buttons if row[0].startswith("🗄")]
        if screen.buttons[-1][-1] != "Next ›":
            break
        await olivia.tap("Next ›")
    assert screen.text.startswith("📤 Devices you share (49–51 of 51)")
    assert len(seen) == len(set(seen)) == 51
    assert seen[0] == "🗄 A crowded NVR · 20 active"
    assert seen[1] == "🗄 Site 00 " + "x" * 29 + "… · 1 active"
    await olivia.tap("‹ Previous")
    assert screen.text.startswith("📤 Devices you share (41–48 of 51)")

    await olivia.send("/shared")
    await olivia.tap("🗄 A crowded NVR · 20 active")
    crowd = olivia.last_message
    assert crowd.text.startswith("🗄 A crowded NVR: shared with 20 people (1–8 of 20)")
    await olivia.tap("Next ›")
    await olivia.tap("Next ›")
    assert crowd.text.startswith("🗄 A crowded NVR: shared with 20 people (17–20 of 20)")
    assert crowd.text.count("\n") == 5 and crowd.buttons[-2] == ["‹ Previous"]
