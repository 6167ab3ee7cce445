"""The share conversation and the recipient's prompt, lived by owner and recipient."""

import pytest
from sqlmodel import select

from sharing.rules import MAX_OWNERS_PER_RECIPIENT, MAX_RECIPIENTS_PER_CHANNEL
from sharing.shares import share_queries, shares
from storage.database import Database
from storage.models import Account, Device, ShareState
from tests.clock import FakeClock
from tests.factories import make_account, make_device, make_share
from tests.handlers.journeys import RITA_PHONE, add_nvr, started, verified
from tests.harness.users import Telegram, TelegramUser


async def open_share(owner: TelegramUser, device_button: str = "🗄 Shop NVR") -> None:
    await owner.send("/share")
    await owner.tap(device_button)


async def finish_with_defaults(owner: TelegramUser) -> None:
    await owner.tap("Permissions ›")
    await owner.tap("💾 Save")
    await owner.tap("✅ Finish")


async def test_share_by_phone_with_edited_channels_then_accept(
    olivia: TelegramUser, rita: TelegramUser
) -> None:
    await olivia.send("/share")
    assert olivia.last_message.text == "📤 Which device do you want to share?"
    await olivia.tap("🗄 Shop NVR")
    assert "Who should receive Shop NVR?" in olivia.last_message.text
    assert olivia.reply_keyboard == [["👤 Choose a Telegram user"], ["« Back to devices"]]

    await olivia.send("07700 900002")
    screen = olivia.last_message
    assert olivia.messages[-2].text == "Recipient: Rita."
    assert "4 of 4 channels selected" in screen.text
    await olivia.tap("✅ Camera 02")
    assert "3 of 4 channels selected" in screen.text
    assert screen.buttons[0] == ["✅ Camera 01", "⬜ Camera 02"]

    await olivia.tap("Permissions ›")
    assert screen.buttons[0] == ["Camera 01 · all permissions"]
    await olivia.tap("Camera 01 · all permissions")
    locked = await olivia.tap("✅ Live View 🔒")
    assert locked.show_alert and "Live View is always shared" in (locked.text or "")
    await olivia.tap("✅ Playback")
    await olivia.tap("✅ PTZ")
    await olivia.tap("« Done")
    assert screen.buttons[0] == ["Camera 01 · Live View, Alarm, Two-way Audio"]
    await olivia.tap("💾 Save")
    assert "Summary (3 channels)" in screen.text
    assert "• Camera 01: Live View/Alarm/Two-way Audio" in screen.text
    await olivia.tap("✅ Finish")
    assert screen.text.startswith("✅ Invitation to Shop NVR sent to Rita.")

    prompt = rita.last_message
    assert prompt.text.startswith("📨 Olivia wants to share Shop NVR with you (3 channels):")
    assert "• Camera 03 … Camera 04 (2 channels): Live View/Playback/Alarm/Two-way Audio/PTZ" in (
        prompt.text
    )
    assert prompt.buttons == [["✅ Accept", "❌ Decline"]]
    answer = await rita.tap("✅ Accept")
    assert answer.text == "Accepted"
    assert prompt.text.startswith("✅ You accepted Shop NVR from Olivia")
    assert prompt.buttons == []
    assert olivia.last_message.text == "✅ Rita accepted your share of Shop NVR."

    accept_data = prompt.history[0].inline_keyboard[0][0]["callback_data"]
    again = await rita.forge_callback(accept_data, message=prompt)
    assert again.text == "This invitation was already accepted."


async def test_share_from_the_device_card_by_username_and_decline(
    olivia: TelegramUser, rita: TelegramUser
) -> None:
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch")
    await olivia.tap("📤 Share")
    await olivia.send("@Rita_Cam")
    await finish_with_defaults(olivia)
    assert "sent to Rita" in olivia.last_message.text
    await rita.tap("❌ Decline")
    assert rita.last_message.text == "You declined Shop NVR from Olivia."
    assert olivia.last_message.text == "❌ Rita declined your share of Shop NVR."


async def test_share_with_the_user_picker(
    telegram: Telegram, olivia: TelegramUser, rita: TelegramUser
) -> None:
    await open_share(olivia)
    await olivia.tap_reply_button("👤 Choose a Telegram user", pick=[rita])
    assert olivia.reply_keyboard is None
    await finish_with_defaults(olivia)
    assert rita.last_message.buttons == [["✅ Accept", "❌ Decline"]]


async def test_share_with_a_forwarded_contact(olivia: TelegramUser, rita: TelegramUser) -> None:
    await open_share(olivia)
    await olivia.forward_contact(RITA_PHONE, user_id=rita.id, first_name="Rita")
    await finish_with_defaults(olivia)
    assert "Olivia wants to share Shop NVR" in rita.last_message.text


async def test_an_invitation_to_an_unproved_phone_waits_until_it_is_proved(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    await open_share(olivia)
    await olivia.send("+44 7700 900777")
    assert "They have not proved this address on CamShare yet" in olivia.messages[-2].text
    await finish_with_defaults(olivia)
    assert olivia.last_message.text.startswith(
        "⏳ Invitation to Shop NVR saved for +447700900777. Nobody has proved this address"
    )
    newcomer = await verified(telegram, "Nina", "+447700900777")
    assert "Olivia wants to share Shop NVR with you" in newcomer.last_message.text
    await newcomer.tap("✅ Accept")
    assert olivia.last_message.text == "✅ Nina accepted your share of Shop NVR."


async def test_a_picked_user_who_never_started_gets_it_at_start(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    stranger = telegram.user("Sam", language_code="en-GB")
    await open_share(olivia)
    await olivia.tap_reply_button("👤 Choose a Telegram user", pick=[stranger])
    await finish_with_defaults(olivia)
    assert "saved for" in olivia.last_message.text
    await stranger.send("/start")
    await stranger.tap_reply_button("Not now")
    await stranger.tap("✅ Yes, 🇬🇧 United Kingdom")
    assert "Olivia wants to share Shop NVR with you" in stranger.last_message.text


async def test_a_128_channel_nvr_pages_and_selects(telegram: Telegram, rita: TelegramUser) -> None:
    owner = await started(telegram, "Omar")
    await add_nvr(owner, serial="BIGNVR0001", name="Big NVR", channels="128")
    await open_share(owner, "🗄 Big NVR")
    await owner.send(RITA_PHONE)
    screen = owner.last_message
    assert "128 of 128 channels selected" in screen.text
    assert screen.buttons[-2] == ["·", "1/8", "›"]
    await owner.tap("Select none")
    await owner.tap("›")
    assert screen.buttons[0] == ["⬜ Camera 17", "⬜ Camera 18"]
    await owner.tap("⬜ Camera 17")
    await owner.tap("⬜ Camera 18")
    assert "2 of 128 channels selected" in screen.text
    await owner.tap("Permissions ›")
    assert [row[0] for row in screen.buttons[:2]] == [
        "Camera 17 · all permissions",
        "Camera 18 · all permissions",
    ]
    await owner.tap("💾 Save")
    await owner.tap("✅ Finish")
    assert "(2 channels)" in rita.last_message.text


async def test_select_all_after_none_and_no_channels_is_refused(
    olivia: TelegramUser, rita: TelegramUser
) -> None:
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await olivia.tap("Select none")
    refused = await olivia.tap("Permissions ›")
    assert refused.text == "Select at least one channel first." and refused.show_alert
    await olivia.tap("Select all")
    assert "4 of 4 channels selected" in olivia.last_message.text


async def test_apply_one_channels_permissions_to_all(
    olivia: TelegramUser, rita: TelegramUser
) -> None:
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await olivia.tap("Permissions ›")
    await olivia.tap("Camera 03 · all permissions")
    await olivia.tap("✅ PTZ")
    await olivia.tap("Apply to all selected channels")
    await olivia.tap("💾 Save")
    assert (
        "• Camera 01 … Camera 04 (4 channels): Live View/Playback/Alarm/Two-way Audio"
        in olivia.last_message.text
    )


async def test_sharing_again_edits_the_active_share(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await finish_with_defaults(olivia)
    await rita.tap("✅ Accept")
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    assert "Rita already has this device: you are editing that share." in olivia.messages[-2].text
    assert "Edit the share of Shop NVR with Rita" in olivia.last_message.text
    await olivia.tap("✅ Camera 04")
    await finish_with_defaults(olivia)
    assert (
        olivia.last_message.text == "✅ Rita's access to Shop NVR was updated; they have been told."
    )
    assert rita.last_message.text.startswith("Olivia changed your access to Shop NVR:")
    assert "Camera 01 … Camera 03 (3 channels)" in rita.last_message.text


async def test_editing_a_pending_invitation_replaces_its_prompt(
    olivia: TelegramUser, rita: TelegramUser
) -> None:
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await finish_with_defaults(olivia)
    first_prompt = rita.last_message
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await olivia.tap("✅ Camera 01")
    await finish_with_defaults(olivia)
    assert (
        first_prompt.text
        == "This invitation to Shop NVR was changed by its owner: see the newer one."
    )
    stale = await rita.forge_callback(
        first_prompt.history[0].inline_keyboard[0][0]["callback_data"], message=first_prompt
    )
    assert "was changed by its owner since" in (stale.text or "")
    await rita.tap("✅ Accept")
    assert rita.last_message.text.startswith(
        "✅ You accepted Shop NVR from Olivia:\n• Camera 02 … Camera 04 (3 channels)"
    )


@pytest.fixture
async def fleur(telegram: Telegram) -> TelegramUser:
    """@fleur_fr, in France: R3 keeps her from British owners."""
    fleur = telegram.user("Fleur", language_code="fr", username="fleur_fr")
    await fleur.send("/start")
    await fleur.tap_reply_button("Not now")
    await fleur.tap("✅ Yes, 🇫🇷 France")
    return fleur


async def test_refusals_at_the_recipient_step(
    olivia: TelegramUser, rita: TelegramUser, fleur: TelegramUser
) -> None:
    await open_share(olivia)
    await olivia.send("not a person")
    assert "I need a phone number (like +44 7700 900123)" in olivia.last_message.text
    await olivia.send("@fleur_fr")
    assert "You can share only with people in your region (🇬🇧 United Kingdom)" in (
        olivia.last_message.text
    )
    await olivia.tap_reply_button("👤 Choose a Telegram user", pick=[olivia])
    assert "You cannot share a device with yourself" in olivia.last_message.text
    await olivia.send(RITA_PHONE)
    assert "Recipient: Rita." in olivia.messages[-2].text


async def test_the_recipient_step_reads_the_owners_region_afresh(
    olivia: TelegramUser, fleur: TelegramUser, database: Database
) -> None:
    """Her region is read as she types a recipient, not kept from /share: one she changed
    meanwhile (after a refusal named the old one) is the one that counts."""
    await open_share(olivia)
    await olivia.send("@fleur_fr")
    assert "only with people in your region (🇬🇧 United Kingdom)" in olivia.last_message.text

    async with database.write() as session:
        (await session.get_one(Account, olivia.id)).region = "FR"
    await olivia.send("@fleur_fr")
    assert "Recipient: Fleur." in olivia.messages[-2].text


async def test_old_firmware_is_refused_at_the_device_step(telegram: Telegram) -> None:
    owner = await started(telegram, "Otto")
    await add_nvr(owner, serial="OLDNVR0001", name="Old NVR", firmware="V3.9.0")
    await open_share(owner, "🗄 Old NVR")
    assert "firmware" in owner.last_message.text and "V4.0.0" in owner.last_message.text


async def test_a_blocked_recipient_leaves_the_invitation_pending(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    await rita.block_bot()
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await finish_with_defaults(olivia)
    assert "I could not deliver it to Rita yet" in olivia.last_message.text
    async with database.read() as session:
        account = await session.get(Account, rita.id)
    assert account is not None and account.unreachable_since is not None


async def test_accept_after_cancel_and_after_expiry(
    olivia: TelegramUser, rita: TelegramUser, database: Database, clock: FakeClock
) -> None:
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await finish_with_defaults(olivia)
    prompt = rita.last_message
    async with database.read() as session:
        invitation = (
            await share_queries.list_invitations(
                session, recipient_id=rita.id, now=clock(), offset=0, limit=1
            )
        ).items[0]
    async with database.write() as session:
        await shares.cancel_invitation(
            session, share_id=invitation.id, owner_id=olivia.id, now=clock()
        )
    refused = await rita.tap("✅ Accept")
    assert refused.text == "This invitation was cancelled by its owner."
    assert prompt.buttons == []

    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await finish_with_defaults(olivia)
    clock.advance(days=3, seconds=1)
    expired = await rita.tap("✅ Accept")
    assert expired.text == "This invitation has expired. Ask the owner to share the device again."
    assert rita.last_message.buttons == []


async def test_names_with_html_characters_are_shown_as_typed(
    telegram: Telegram, rita: TelegramUser
) -> None:
    owner = await started(telegram, "Ops & <Co>")
    await owner.send("/adddevice")
    for answer in ("HTML0000001", "ABCDEF", "<Shop> & 🐈"):
        await owner.send(answer)
    await owner.tap("🗄 NVR")
    await owner.send("2")
    await owner.send("<Gate>\nYard & back")
    await owner.send("V4.1")
    await open_share(owner, "🗄 <Shop> & 🐈")
    await owner.send(RITA_PHONE)
    assert "Share <Shop> & 🐈 with Rita" in owner.last_message.text
    await finish_with_defaults(owner)
    assert rita.last_message.text.startswith("📨 Ops & <Co> wants to share <Shop> & 🐈 with you")
    assert "• <Gate> … Yard & back (2 channels): Live View" in rita.last_message.text


async def test_forged_callbacks_are_refused(
    telegram: Telegram,
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    clock: FakeClock,
) -> None:
    mallory = await started(telegram, "Mallory")
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await finish_with_defaults(olivia)
    prompt_data = (
        rita.last_message.buttons
        and rita.last_message.content.inline_keyboard[0][0]["callback_data"]
    )
    stolen = await mallory.forge_callback(str(prompt_data))
    assert stolen.text == "This share is no longer available."
    async with database.read() as session:
        device_id = (
            (
                await share_queries.list_invitations(
                    session, recipient_id=rita.id, now=clock(), offset=0, limit=1
                )
            )
            .items[0]
            .device.id
        )
    await add_nvr(mallory, serial="MALLORY001", name="Mine")
    await mallory.send("/share")
    await mallory.forge_callback(f"shd:{device_id}")
    assert "That device is not in your list" in mallory.last_message.text
    out_of_wizard = await mallory.forge_callback("shc:1")
    assert out_of_wizard.text == "This button is no longer active. Send /help to start again."
    async with database.read() as session:
        pending = await share_queries.list_invitations(
            session, recipient_id=rita.id, now=clock(), offset=0, limit=5
        )
    assert [share.state for share in pending.items] == [ShareState.PENDING]


async def test_cancel_at_every_step(olivia: TelegramUser, rita: TelegramUser) -> None:
    onboarded = list(rita.messages)
    for steps in ([], ["tap:🗄 Shop NVR"], ["tap:🗄 Shop NVR", RITA_PHONE]):
        await olivia.send("/share")
        for step in steps:
            await (olivia.tap(step[4:]) if step.startswith("tap:") else olivia.send(step))
        await olivia.send("/cancel")
        assert olivia.last_message.text.startswith("Cancelled. Nothing was saved.")
        assert olivia.reply_keyboard is None
    assert rita.messages == onboarded  # nothing reached Rita


async def test_a_full_channel_is_refused_at_finish_and_the_wizard_stays(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    async with database.write() as session:
        device = (await session.exec(select(Device).where(Device.owner_id == olivia.id))).one()
        for index in range(MAX_RECIPIENTS_PER_CHANNEL):
            holder = await make_account(session, 900_000 + index)
            await make_share(session, device, holder, channels=(2,))
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    screen = olivia.last_message
    await olivia.tap("✅ Finish")
    assert "⚠️ Channel 2 is already shared with 64 accounts" in screen.text
    assert screen.buttons == [["« Permissions", "✅ Finish"]]
    await olivia.tap("« Permissions")
    await olivia.tap("« Channels")
    await olivia.tap("✅ Camera 02")
    await finish_with_defaults(olivia)
    assert "sent to Rita" in olivia.last_message.text
    assert "(3 channels)" in rita.last_message.text


async def test_a_recipient_with_100_owners_is_refused_at_the_recipient_step(
    olivia: TelegramUser, rita: TelegramUser, database: Database
) -> None:
    async with database.write() as session:
        recipient = await session.get(Account, rita.id)
        assert recipient is not None
        for index in range(MAX_OWNERS_PER_RECIPIENT):
            owner = await make_account(session, 800_000 + index)
            await make_share(session, await make_device(session, owner), recipient)
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    assert "already receives devices from 100 owners" in olivia.last_message.text


async def test_an_owner_edits_a_share_by_its_id_and_nobody_else_can(
    telegram: Telegram,
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    clock: FakeClock,
) -> None:
    await open_share(olivia)
    await olivia.send(RITA_PHONE)
    await finish_with_defaults(olivia)
    await rita.tap("✅ Accept")
    async with database.read() as session:
        share = (
            await share_queries.list_received_shares(
                session, recipient_id=rita.id, offset=0, limit=1
            )
        ).items[0]
    mallory = await started(telegram, "Mallory")
    refused = await mallory.forge_callback(f"shx:{share.id}")
    assert refused.text == "This share is no longer available."
    refused = await rita.forge_callback(f"shx:{share.id}")
    assert refused.text == "Only the owner of this device can share it or change its shares."

    await olivia.forge_callback(f"shx:{share.id}")
    assert "Edit the share of Shop NVR with Rita" in olivia.last_message.text
    await olivia.tap("✅ Camera 01")
    await finish_with_defaults(olivia)
    assert (
        olivia.last_message.text == "✅ Rita's access to Shop NVR was updated; they have been told."
    )


@pytest.mark.parametrize("typed", ["@bob", "@b" + "o" * 32, "@bob-smith", "@4bobby"])
async def test_a_username_telegram_would_not_give_is_answered_as_such(
    olivia: TelegramUser, typed: str
) -> None:
    await open_share(olivia)
    await olivia.send(typed)
    assert olivia.last_message.text.startswith(
        f"{typed} is not a Telegram username: those have 5 to 32 characters, letters, digits"
        " and underscores."
    )
    await olivia.send("@bobby")  # five characters: someone who has not started the bot yet
    assert "4 of 4 channels selected" in olivia.last_message.text
