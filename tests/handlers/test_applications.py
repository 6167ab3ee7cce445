"""Applications never stranded: a review left before its decision gives the application back
with a live Review, waiting applications are listed on the device card and in /shared, and an
applicant who applies again is told it still waits while the owner is reminded (once an hour)."""

from handlers.common.context import CamShareContext
from handlers.manage.expiry import sweep_expired
from tests.clock import FakeClock
from tests.handlers.journeys import started
from tests.handlers.test_qr import device_code, token_of
from tests.harness.users import Telegram, TelegramUser

WAITING = (
    "📨 Sharing application from Rita for Shop NVR: it waits for your answer. Review it to"
    " choose what they get, then accept or reject."
)


async def applied(telegram: Telegram, name: str, token: str) -> TelegramUser:
    applicant = await started(telegram, name)
    await applicant.send(f"/start {token}")
    await applicant.tap("📨 Apply for sharing")
    return applicant


async def apply_again(applicant: TelegramUser, token: str) -> str:
    await applicant.send(f"/start {token}")
    answer = await applicant.tap("📨 Apply for sharing")
    assert answer.text == "Still waiting"
    return applicant.last_message.text


async def test_cancel_gives_the_application_back_with_review(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    rita = await applied(telegram, "Rita", token_of(await device_code(olivia)))
    application = olivia.last_message
    await olivia.tap("🔍 Review")
    await olivia.tap("✅ Camera 04")
    await olivia.send("/cancel")
    assert olivia.last_message.text.startswith("Cancelled. Nothing was saved.")
    assert application.text == WAITING
    assert application.buttons == [["🔍 Review"]]
    await olivia.tap("🔍 Review", message=application)
    assert "4 of 4 channels selected" in application.text  # a new review, everything selected
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Accept")
    assert application.text == "✅ You accepted Rita's application for Shop NVR."
    assert application.buttons == []
    assert rita.last_message.text.startswith("✅ Olivia accepted your application for Shop NVR:")


async def test_another_command_or_wizard_gives_the_application_back(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    await applied(telegram, "Rita", token_of(await device_code(olivia)))
    application = olivia.last_message
    await olivia.tap("🔍 Review")
    await olivia.send("/adddevice")
    assert olivia.messages[-2].text == "Left the review of Rita's application: nothing was saved."
    assert application.text == WAITING
    await olivia.send("/cancel")
    await olivia.tap("🔍 Review", message=application)
    await olivia.send("/devices")
    assert application.buttons == [["🔍 Review"]]


async def test_a_timed_out_review_gives_the_application_back(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    """PTB sets a conversation's timeout only while the job queue runs: it runs here with the
    bot's own jobs paused, and the timeout is run at once rather than waited for."""
    await applied(telegram, "Rita", token_of(await device_code(olivia)))
    application = olivia.last_message
    job_queue = telegram.application.job_queue
    assert job_queue is not None
    for job in job_queue.jobs():
        job.enabled = False
    await job_queue.start()
    try:
        await olivia.tap("🔍 Review")
        (timeout,) = job_queue.get_jobs_by_name("_trigger_timeout")  # PTB names it so
        timeout.schedule_removal()
        await timeout.run(telegram.application)
    finally:
        await job_queue.stop()
    assert application.text == WAITING
    await olivia.tap("🔍 Review", message=application)
    assert application.text.startswith("📨 Rita applied for Shop NVR")


async def test_the_device_card_lists_waiting_applications(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    token = token_of(await device_code(olivia))
    rita = await applied(telegram, "Rita", token)
    prompt = olivia.last_message
    nina = await applied(telegram, "Nina", token)
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch")
    card = olivia.last_message
    assert card.text.endswith("Not shared yet\n📨 2 applications wait for your answer")
    await olivia.tap("📨 Applications (2)")
    assert card.text.startswith("📨 Applications waiting for your answer (1–2 of 2).")
    assert "• Rita for Shop NVR, sent 15 Jan 2026, 09:00 UTC" in card.text
    assert card.buttons == [["🔍 Rita · Shop NVR"], ["🔍 Nina · Shop NVR"], ["« Device"]]
    await olivia.tap("🔍 Rita · Shop NVR")
    assert card.text.startswith("📨 Rita applied for Shop NVR")
    opened = "📨 Sharing application from Rita for Shop NVR: opened in a later message."
    assert prompt.text == opened
    assert prompt.buttons == []
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("❌ Reject")
    assert card.text == "❌ You rejected Rita's application for Shop NVR."
    assert rita.last_message.text == "❌ Olivia rejected your application for Shop NVR."
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch")
    assert olivia.last_message.text.endswith("📨 1 application waits for your answer")
    await olivia.tap("📨 Applications (1)")
    await olivia.tap("🔍 Nina · Shop NVR")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Accept")
    assert nina.last_message.text.startswith("✅ Olivia accepted your application for Shop NVR:")
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch · shared 1")
    assert "application" not in olivia.last_message.text
    assert ["📨 Applications (1)"] not in olivia.last_message.buttons


async def test_shared_lists_waiting_applications_at_the_top(
    telegram: Telegram, olivia: TelegramUser
) -> None:
    await applied(telegram, "Rita", token_of(await device_code(olivia)))
    await olivia.send("/shared")
    shared = olivia.last_message
    assert shared.text == (
        "📨 1 application waits for your answer.\n\nYou are not sharing any device. Open one"
        " in /devices and tap 📤 Share."
    )
    await olivia.tap("📨 Applications (1)")
    assert shared.buttons == [["🔍 Rita · Shop NVR"], ["« Devices you share"]]
    await olivia.tap("🔍 Rita · Shop NVR")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Accept")
    await olivia.send("/shared")
    assert olivia.last_message.text.startswith("📤 Devices you share (1–1 of 1).")
    assert olivia.last_message.buttons == [["🗄 Shop NVR · 1 active"]]


async def test_the_list_back_and_an_empty_list(telegram: Telegram, olivia: TelegramUser) -> None:
    await applied(telegram, "Rita", token_of(await device_code(olivia)))
    await olivia.send("/shared")
    listing = olivia.last_message
    await olivia.tap("📨 Applications (1)")
    await olivia.tap("« Devices you share")
    assert listing.text.startswith("📨 1 application waits for your answer.")
    await olivia.forge_callback("apw:1:0", message=listing)
    await olivia.tap("🔍 Rita · Shop NVR")
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("❌ Reject")
    await olivia.forge_callback("apw:0:0", message=listing)
    assert listing.text == "No application waits for your answer."
    assert listing.buttons == [["« Devices you share"]]


async def test_applying_again_reminds_the_owner_once_an_hour(
    telegram: Telegram, olivia: TelegramUser, clock: FakeClock
) -> None:
    token = token_of(await device_code(olivia))
    rita = await applied(telegram, "Rita", token)
    prompt = olivia.last_message
    clock.advance(minutes=10)
    assert await apply_again(rita, token) == (
        "⏳ Your application for Shop NVR from 15 Jan 2026, 09:00 UTC still waits for Olivia's"
        " answer; they heard about it within the last hour, so I did not remind them again. It"
        " expires on 18 Jan 2026, 09:00 UTC."
    )
    assert olivia.last_message is prompt
    clock.advance(minutes=50)
    assert await apply_again(rita, token) == (
        "⏳ Your application for Shop NVR from 15 Jan 2026, 09:00 UTC still waits for Olivia's"
        " answer; they have been reminded. It expires on 18 Jan 2026, 09:00 UTC."
    )
    first = olivia.last_message
    assert first.text == "⏰ Reminder: " + WAITING
    assert first.buttons == [["🔍 Review"]]
    clock.advance(minutes=59)
    assert "I did not remind them again" in await apply_again(rita, token)
    assert olivia.last_message is first
    clock.advance(minutes=1)
    assert "they have been reminded" in await apply_again(rita, token)
    second = olivia.last_message
    assert second is not first
    assert (
        first.text == "⏰ Reminder about Rita's application for Shop NVR: see the newer one below."
    )
    assert first.buttons == []
    assert prompt.buttons == [["🔍 Review"]]  # the application's own message keeps its Review
    await olivia.tap("🔍 Review", message=second)
    assert second.text.startswith("📨 Rita applied for Shop NVR")
    assert prompt.buttons == []
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("✅ Accept")
    assert second.text == "✅ You accepted Rita's application for Shop NVR."
    assert not any(["🔍 Review"] in message.buttons for message in olivia.messages)


async def test_a_decision_takes_the_reminders_review_away(
    telegram: Telegram, olivia: TelegramUser, clock: FakeClock
) -> None:
    """The review happens in the application's message; the reminder's Review goes with the
    decision, and a Review tapped later (forged here) is answered with what happened."""
    token = token_of(await device_code(olivia))
    rita = await applied(telegram, "Rita", token)
    prompt = olivia.last_message
    clock.advance(hours=1)
    await apply_again(rita, token)
    reminder = olivia.last_message
    await olivia.tap("🔍 Review", message=prompt)
    await olivia.tap("Permissions ›")
    await olivia.tap("💾 Save")
    await olivia.tap("❌ Reject")
    assert prompt.text == reminder.text == "❌ You rejected Rita's application for Shop NVR."
    assert reminder.buttons == []
    stale = await olivia.forge_callback("apr:1", message=reminder)
    assert stale.text == "This application was rejected." and stale.show_alert


async def test_the_expiry_takes_the_reminders_review_away(
    telegram: Telegram, olivia: TelegramUser, clock: FakeClock
) -> None:
    token = token_of(await device_code(olivia))
    rita = await applied(telegram, "Rita", token)
    prompt = olivia.last_message
    clock.advance(hours=1)
    await apply_again(rita, token)
    reminder = olivia.last_message
    clock.advance(days=3)
    assert await sweep_expired(CamShareContext(telegram.application)) == 1
    expired = (
        "⌛ The application from Rita for Shop NVR expired on 18 Jan 2026, 09:00 UTC without a"
        " decision."
    )
    assert prompt.text == reminder.text == expired
    assert prompt.buttons == reminder.buttons == []


async def test_an_owner_who_blocked_the_bot_cannot_be_reminded(
    telegram: Telegram, olivia: TelegramUser, clock: FakeClock
) -> None:
    token = token_of(await device_code(olivia))
    rita = await applied(telegram, "Rita", token)
    await olivia.block_bot()
    clock.advance(hours=1)
    assert "I could not remind them: they have blocked the bot" in await apply_again(rita, token)
