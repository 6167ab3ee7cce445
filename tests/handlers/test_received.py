"""/received, the recipient's side: invitations on top, devices shared with me, details with
"From:", my own name for a device, delete; and /devices pointing to it. Each action seen by the
recipient and by the owner."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from storage.database import Database
from storage.models import Account, Channel, Grant, Permission, Share, ShareState
from tests.clock import FakeClock
from tests.factories import make_account, make_device, make_share
from tests.handlers.journeys import RITA_PHONE, add_nvr, share_everything, started, verified
from tests.harness.users import Telegram, TelegramUser

ALL = "Live View/Playback/Alarm/Two-way Audio/PTZ"
NOT_AVAILABLE = "This share is no longer available."


@pytest.fixture
async def olivia(telegram: Telegram) -> TelegramUser:
    owner = await started(telegram, "Olivia")
    await add_nvr(owner)
    await add_nvr(owner, serial="HOME000001", name="Home NVR", channels="2")
    return owner


@pytest.fixture
async def rita_has_shop(olivia: TelegramUser, rita: TelegramUser) -> None:
    await share_everything(olivia, RITA_PHONE)
    await rita.tap("✅ Accept")


async def stored_states(database: Database) -> list[ShareState]:
    async with database.read() as session:
        return list((await session.exec(select(Share.state).order_by(col(Share.id)))).all())


async def test_invitations_on_top_then_devices_and_accept_from_the_list(
    olivia: TelegramUser, rita: TelegramUser, rita_has_shop: None
) -> None:
    await share_everything(olivia, RITA_PHONE, device_button="🗄 Home NVR")
    prompt = rita.last_message
    await rita.send("/received")
    screen = rita.last_message
    assert screen.text == (
        "📥 Others' devices (1–2 of 2)\n\n"
        "📨 1 invitation waiting for your answer:\n"
        f"• Home NVR from Olivia: 2 channels, {ALL} · until 18 Jan 2026\n\n"
        "📥 Shared with you (1). Tap one for its channels and permissions."
    )
    assert screen.buttons == [
        ["✅ Accept · Home NVR", "❌ Decline · Home NVR"],
        ["🗄 Shop NVR · from Olivia"],
        ["« My devices"],
    ]

    answer = await rita.tap("✅ Accept · Home NVR")
    assert answer.text == "Accepted"
    assert screen.text.startswith(
        "✅ You accepted Home NVR from Olivia: it is in your list below.\n\n"
        "📥 Others' devices (1–2 of 2)\n\n📥 Shared with you (2)."
    )
    assert screen.buttons == [
        ["🗄 Home NVR · from Olivia"],
        ["🗄 Shop NVR · from Olivia"],
        ["« My devices"],
    ]
    assert prompt.text.startswith("✅ You accepted Home NVR from Olivia:")
    assert prompt.buttons == []
    assert olivia.last_message.text == "✅ Rita accepted your share of Home NVR."


async def test_decline_from_the_list(olivia: TelegramUser, rita: TelegramUser) -> None:
    await share_everything(olivia, RITA_PHONE)
    prompt = rita.last_message
    await rita.send("/received")
    await rita.tap("❌ Decline · Shop NVR")
    assert rita.last_message.text.startswith("You declined Shop NVR from Olivia.\n\nNothing is")
    assert rita.last_message.buttons == [["« My devices"]]
    assert prompt.text == "You declined Shop NVR from Olivia." and prompt.buttons == []
    assert olivia.last_message.text == "❌ Rita declined your share of Shop NVR."


async def test_accept_from_a_list_drawn_before_the_invitation_was_edited(
    olivia: TelegramUser, rita: TelegramUser
) -> None:
    await share_everything(olivia, RITA_PHONE)
    await rita.send("/received")
    screen = rita.last_message
    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")
    await olivia.send(RITA_PHONE)
    await olivia.tap("✅ Camera 01")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Finish")

    stale = await rita.tap("✅ Accept · Shop NVR", message=screen)
    assert "was changed by its owner since" in (stale.text or "") and stale.show_alert
    assert "• Shop NVR from Olivia: 3 channels" in screen.text
    await rita.tap("✅ Accept · Shop NVR", message=screen)
    assert "📥 Shared with you (1)" in screen.text
    await rita.tap("🗄 Shop NVR · from Olivia")
    assert f"• Camera 02 … Camera 04 (3 channels): {ALL}" in screen.text


async def test_details_show_channels_permissions_and_from(
    olivia: TelegramUser, rita: TelegramUser, rita_has_shop: None
) -> None:
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    assert rita.last_message.text == (
        "🗄 Shop NVR\nFrom: Olivia\nShared with you since 15 Jan 2026, 09:00 UTC\n"
        f"Channels (4):\n• Camera 01 … Camera 04 (4 channels): {ALL}"
    )
    assert rita.last_message.buttons == [["✏️ Rename", "🗑 Delete"], ["« Others' devices"]]
    await rita.tap("« Others' devices")
    assert rita.last_message.text.startswith("📥 Others' devices (1–1 of 1)")


async def test_rename_is_mine_only_and_survives_the_owners_edit(
    olivia: TelegramUser, rita: TelegramUser, rita_has_shop: None
) -> None:
    olivia_saw = len(olivia.messages)
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("✏️ Rename")
    assert rita.last_message.text == (
        "Send a new name for Shop NVR. Only you see it: Olivia keeps calling it Shop NVR."
        " Send /cancel to keep the name as it is."
    )
    await rita.send("z" * 65)
    assert rita.last_message.text == "A name is 1 to 64 characters. Please send it again."
    await rita.send("Aunt's <cams> & 🐈")
    assert rita.messages[-2].text == "✅ Renamed to Aunt's <cams> & 🐈. Only you see this name."
    assert rita.last_message.text.startswith(
        "🗄 Aunt's <cams> & 🐈\nDevice: Shop NVR (the owner's name for it)\nFrom: Olivia\n"
    )
    assert len(olivia.messages) == olivia_saw

    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 active")
    assert "Aunt" not in olivia.last_message.text
    await olivia.tap("Rita · ✅")
    await olivia.tap("✏️ Edit")
    await olivia.tap("✅ Camera 01")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Finish")
    assert "Aunt" not in rita.last_message.text  # "Olivia changed your access to Shop NVR"

    await rita.send("/received")
    assert rita.last_message.buttons[0] == ["🗄 Aunt's <cams> & 🐈 · from Olivia"]
    await rita.tap("🗄 Aunt's <cams> & 🐈 · from Olivia")
    assert "Channels (3):" in rita.last_message.text
    await rita.tap("✏️ Rename")
    await rita.send("/cancel")
    await rita.send("/received")
    assert rita.last_message.buttons[0] == ["🗄 Aunt's <cams> & 🐈 · from Olivia"]
    await rita.tap("🗄 Aunt's <cams> & 🐈 · from Olivia")
    await rita.tap("✏️ Rename")
    await rita.tap("↩️ Use the owner's name")
    assert rita.messages[-2].text == "✅ Back to the owner's name: Shop NVR."
    assert rita.last_message.text.startswith("🗄 Shop NVR\nFrom: Olivia\n")


async def test_delete_asks_twice_and_tells_the_owner(
    olivia: TelegramUser, rita: TelegramUser, rita_has_shop: None, database: Database
) -> None:
    await olivia.send("/shared")
    owner_list = olivia.last_message
    await rita.send("/received")
    screen = rita.last_message
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("🗑 Delete")
    assert screen.text == (
        "Delete Shop NVR from your list? You lose access to it, and Olivia is told. Only they"
        " can share it with you again."
    )
    await rita.tap("Keep it")
    assert screen.text.startswith("🗄 Shop NVR\nFrom: Olivia")
    await rita.tap("🗑 Delete")
    confirm = screen.content.inline_keyboard[0][0]["callback_data"]
    answer = await rita.tap("🗑 Yes, delete it")

    assert answer.text == "Deleted"
    assert screen.text.startswith(
        "🗑 Shop NVR was deleted from your list; Olivia has been told.\n\nNothing is shared"
    )
    assert olivia.last_message.text == "🗑 Rita deleted Shop NVR from their list."
    stale = await olivia.tap("🗄 Shop NVR · 1 active", message=owner_list)
    assert stale.text is None
    assert owner_list.text == "🗄 Shop NVR is not shared with anyone now."

    told = len(olivia.messages)
    again = await rita.forge_callback(confirm, message=screen)
    assert again.text == "This share is not active any more."
    assert len(olivia.messages) == told
    assert await stored_states(database) == [ShareState.REMOVED]


async def test_the_owner_deleting_the_share_empties_an_open_list(
    olivia: TelegramUser, rita: TelegramUser, rita_has_shop: None
) -> None:
    await rita.send("/received")
    screen = rita.last_message
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 active")
    await olivia.tap("Rita · ✅")
    await olivia.tap("🗑 Delete")
    await olivia.tap("🗑 Yes, delete it")
    stale = await rita.tap("🗄 Shop NVR · from Olivia", message=screen)
    assert stale.text == "This share is not active any more."
    assert screen.text.startswith("Nothing is shared with you yet.")


async def test_removing_the_device_empties_the_recipients_list_at_once(
    olivia: TelegramUser, rita: TelegramUser, rita_has_shop: None, database: Database
) -> None:
    await rita.send("/received")
    screen = rita.last_message
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch · shared 1")
    await olivia.tap("🗑 Remove")
    await olivia.tap("🗑 Yes, remove it")

    assert rita.last_message.text == (
        "Olivia removed the device Shop NVR; it is no longer shared with you."
    )
    await rita.send("/received")
    assert rita.last_message.text.startswith("Nothing is shared with you yet.")
    stale = await rita.tap("🗄 Shop NVR · from Olivia", message=screen)
    assert stale.text == NOT_AVAILABLE
    await rita.send("/devices")
    assert rita.last_message.text == "You have no devices yet. Send /adddevice to add one."
    assert await stored_states(database) == []


async def test_forged_callbacks_reveal_nothing_and_change_nothing(
    telegram: Telegram,
    olivia: TelegramUser,
    rita: TelegramUser,
    rita_has_shop: None,
    database: Database,
) -> None:
    await share_everything(olivia, RITA_PHONE, device_button="🗄 Home NVR")
    async with database.read() as session:
        active, pending = (await session.exec(select(Share).order_by(col(Share.id)))).all()
    mallory = await started(telegram, "Mallory")
    await mallory.send("/received")
    mallory_screen = mallory.last_message
    forged = [
        f"rco:{active.id}",
        f"rcn:{active.id}",
        f"rcx:{active.id}",
        f"rcxy:{active.id}",
        f"rca:{pending.id}:{pending.version}:0",
        f"rcd:{pending.id}:{pending.version}:0",
    ]
    for data in forged:
        answer = await mallory.forge_callback(data, message=mallory_screen)
        assert answer.text == NOT_AVAILABLE and answer.show_alert, data
    assert mallory_screen.text.startswith("Nothing is shared with you yet.")
    owner_screen = olivia.last_message
    for data in forged:
        answer = await olivia.forge_callback(data, message=owner_screen)
        assert answer.text == NOT_AVAILABLE, data
    assert olivia.last_message is owner_screen
    for data in ("rco:x", "rcxy", "rca:1:2"):
        answer = await mallory.forge_callback(data, message=mallory_screen)
        assert answer.text == "This button is no longer active. Send /help to start again."

    assert await stored_states(database) == [ShareState.ACTIVE, ShareState.PENDING]
    async with database.read() as session:
        assert (await session.get_one(Share, active.id)).alias is None


async def test_names_with_html_characters_and_emoji(telegram: Telegram) -> None:
    owner = await started(telegram, "Ops & <Co>")
    await add_nvr(owner, serial="HTML000001", name="<Shop> & 🐈")
    guest = await verified(telegram, "Zoë <3 & 🎥", RITA_PHONE)
    await share_everything(owner, RITA_PHONE, device_button="🗄 <Shop> & 🐈")
    await guest.send("/received")
    assert "• <Shop> & 🐈 from Ops & <Co>: 4 channels" in guest.last_message.text
    await guest.tap("✅ Accept · <Shop> & 🐈")
    await guest.tap("🗄 <Shop> & 🐈 · from Ops & <Co>")
    assert guest.last_message.text.startswith("🗄 <Shop> & 🐈\nFrom: Ops & <Co>\n")
    await guest.tap("🗑 Delete")
    await guest.tap("🗑 Yes, delete it")
    assert owner.last_message.text == "🗑 Zoë <3 & 🎥 deleted <Shop> & 🐈 from their list."


async def test_devices_reminds_of_invitations_and_opens_what_i_received(
    olivia: TelegramUser, rita: TelegramUser, rita_has_shop: None
) -> None:
    await share_everything(olivia, RITA_PHONE, device_button="🗄 Home NVR")
    await rita.send("/devices")
    screen = rita.last_message
    assert screen.text == (
        "📨 1 invitation waits for your answer: /received\n\n"
        "You have no devices of your own yet. Send /adddevice to add one."
    )
    assert screen.buttons == [["📥 Shared with me (1)"]]
    await rita.tap("📥 Shared with me (1)")
    assert screen.text.startswith("📥 Others' devices (1–2 of 2)")
    await rita.tap("« My devices")
    assert screen.text.startswith("📨 1 invitation waits")

    await add_nvr(rita, serial="RITA000001", name="Rita's cam")
    await rita.send("/devices")
    assert rita.last_message.text == (
        "📨 1 invitation waits for your answer: /received\n\n"
        "Your devices (1–1 of 1). Tap one to open it."
    )
    assert rita.last_message.buttons == [["🗄 Rita's cam · 4 ch"], ["📥 Shared with me (1)"]]


async def test_a_hundred_owners_page_with_invitations_first(
    rita: TelegramUser, database: Database, clock: FakeClock
) -> None:
    async with database.write() as session:
        recipient = await session.get_one(Account, rita.id)
        for index in range(100):
            owner = await make_account(session, 700_000 + index, first_name=f"Owner {index:03d}")
            device = await make_device(session, owner, name=f"Cam {index:03d} " + "é" * 55)
            await make_share(session, device, recipient, channels=range(1, 5))
        for index in range(3):
            device = await make_device(
                session, await session.get_one(Account, 700_000 + index), name=f"New {index}"
            )
            await make_share(
                session,
                device,
                recipient,
                state=ShareState.PENDING,
                expires_at=clock() + timedelta(days=3),
            )

    await rita.send("/devices")
    assert rita.last_message.text.startswith("📨 3 invitations wait for your answer: /received")
    await rita.tap("📥 Shared with me (100)")
    screen = rita.last_message
    assert screen.text.startswith("📥 Others' devices (1–8 of 103)\n\n📨 3 invitations")
    assert screen.buttons[0] == ["✅ Accept · New 0", "❌ Decline · New 0"]
    devices: list[str] = []
    pages = 1
    while True:
        devices += [row[0] for row in screen.buttons if row[0].startswith("🗄")]
        if screen.buttons[-2][-1] != "Next ›":
            break
        await rita.tap("Next ›")
        pages += 1
    assert pages == 13 and screen.text.startswith("📥 Others' devices (97–103 of 103)")
    assert len(devices) == len(set(devices)) == 100
    assert devices[0] == "🗄 Cam 000 " + "é" * 23 + "… · from Owner 000"

    await rita.send("/received")
    await rita.tap("✅ Accept · New 1")
    assert rita.last_message.text.startswith("✅ You accepted New 1 from Owner 001")
    assert "📨 2 invitations waiting" in rita.last_message.text


async def test_a_128_channel_share_with_long_names_fits_one_message(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    """grant_lines keeps 40 lines; with 64-character channel names and permissions that change
    every channel those would pass Telegram's 4,096 characters: the screens cut them."""
    async with database.write() as session:
        owner = await session.get_one(Account, olivia.id)
        device = await make_device(session, owner, channels=128, name="Big NVR")
        share = await make_share(
            session, device, await session.get_one(Account, rita.id), channels=range(1, 129)
        )
        for channel in (
            await session.exec(select(Channel).where(Channel.device_id == device.id))
        ).all():
            channel.name = f"{channel.number:03d} " + "<" * 60
        for grant in (await session.exec(select(Grant).where(Grant.share_id == share.id))).all():
            if grant.channel_id % 2:
                grant.permissions = int(Permission.LIVE_VIEW)
    await rita.send("/received")
    await rita.tap("🗄 Big NVR · from Olivia")
    details = rita.last_message.text
    assert details.startswith("🗄 Big NVR\nFrom: Olivia\n") and len(details) <= 4096
    assert details.endswith("more lines")
    await olivia.send("/shared")
    await olivia.tap("🗄 Big NVR · 1 active")
    await olivia.tap("Rita · ✅")
    assert olivia.last_message.text.startswith(
        "🗄 Big NVR → Rita"
    ) and olivia.last_message.text.endswith("more lines")


async def test_rename_started_again_for_another_device_renames_that_one(
    olivia: TelegramUser, rita: TelegramUser, rita_has_shop: None, database: Database
) -> None:
    await share_everything(olivia, RITA_PHONE, device_button="🗄 Home NVR")
    await rita.tap("✅ Accept")
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("✏️ Rename")
    await rita.send("Shop")
    await rita.tap("✏️ Rename")
    old_prompt = rita.last_message
    assert old_prompt.buttons == [["↩️ Use the owner's name"]]
    await rita.send("/received")
    await rita.tap("🗄 Home NVR · from Olivia")
    await rita.tap("✏️ Rename")
    assert rita.last_message.buttons == []
    await rita.tap("↩️ Use the owner's name", message=old_prompt)
    assert rita.last_message.text.startswith("🗄 Shop NVR\nFrom: Olivia")
    await rita.send("Home")
    assert rita.messages[-2].text == "✅ Renamed to Home. Only you see this name."
    async with database.read() as session:
        aliases = (await session.exec(select(Share.alias).order_by(col(Share.id)))).all()
    assert aliases == [None, "Home"]


async def test_a_forged_use_the_owners_name_changes_nothing(
    telegram: Telegram, olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    await share_everything(olivia, RITA_PHONE)
    await rita.tap("✅ Accept")
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    await rita.tap("✏️ Rename")
    await rita.send("Mine")
    mallory = await verified(telegram, "Mallory", "+447700900099")
    await share_everything(olivia, "+447700900099")
    await mallory.tap("✅ Accept")
    await mallory.send("/received")
    await mallory.tap("🗄 Shop NVR · from Olivia")
    await mallory.tap("✏️ Rename")
    async with database.read() as session:
        rita_share = (await session.exec(select(Share).where(Share.recipient_id == rita.id))).one()
    refused = await mallory.forge_callback(f"rcnr:{rita_share.id}")
    assert refused.text == NOT_AVAILABLE
    async with database.read() as session:
        assert (await session.get_one(Share, rita_share.id)).alias == "Mine"


async def test_an_invitation_line_says_when_permissions_differ_by_channel(
    olivia: TelegramUser, rita: TelegramUser, database: Database, clock: FakeClock
) -> None:
    """The list counts channels and their permissions in the database (ListedShare)."""
    async with database.write() as session:
        owner = await session.get_one(Account, olivia.id)
        recipient = await session.get_one(Account, rita.id)
        until = clock() + timedelta(days=3)
        mixed = await make_share(
            session,
            await make_device(session, owner, channels=3, name="Mixed NVR"),
            recipient,
            state=ShareState.PENDING,
            channels=range(1, 4),
            expires_at=until,
        )
        await make_share(
            session,
            await make_device(session, owner, channels=2, name="Plain NVR"),
            recipient,
            state=ShareState.PENDING,
            channels=range(1, 3),
            permissions=Permission.LIVE_VIEW,
            expires_at=until,
        )
        grants = await session.exec(select(Grant).where(Grant.share_id == mixed.id))
        first = min(grants.all(), key=lambda grant: grant.channel_id)
        first.permissions = int(Permission.LIVE_VIEW)

    await rita.send("/received")

    lines = rita.last_message.text.splitlines()
    assert (
        "• Mixed NVR from Olivia: 3 channels, permissions differ by channel · until 18 Jan 2026"
        in lines
    )
    assert "• Plain NVR from Olivia: 2 channels, Live View · until 18 Jan 2026" in lines
