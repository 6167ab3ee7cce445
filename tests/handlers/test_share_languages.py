"""/share when owner and recipient speak different languages: each reads what is theirs in
their own language, whoever caused it. Texts are marked with the language they were made in
(tests.pseudo_language)."""

import pytest

from languages import speaking
from tests.handlers.speakers import speak
from tests.handlers.test_applications import applied
from tests.handlers.test_qr import device_code, token_of
from tests.harness.users import AnyApplication, Telegram, TelegramUser

pytestmark = pytest.mark.usefixtures("pseudo_language")

ZH = "[zh_Hans] "


async def save_and_finish(owner: TelegramUser, finish: str = "✅ Finish") -> None:
    await owner.tap(ZH + "Permissions ›")
    await owner.tap(ZH + "💾 Save")
    answer = await owner.tap(ZH + finish)
    assert answer.text in (ZH + "Saved", ZH + "Accepted")


async def test_a_chinese_speaking_owner_invites_a_russian_speaking_recipient(
    olivia: TelegramUser, rita: TelegramUser, application: AnyApplication
) -> None:
    await speak(olivia, "zh_Hans")
    await speak(rita, "ru")
    await olivia.send("/share")
    assert olivia.last_message.text == ZH + "📤 Which device do you want to share?"
    await olivia.tap("🗄 Shop NVR")
    assert olivia.messages[-2].text == ZH + "📤 Share Shop NVR."
    assert olivia.last_message.text.startswith(ZH + "Who should receive Shop NVR?")
    assert olivia.reply_keyboard == [
        [ZH + "👤 Choose a Telegram user"],
        [ZH + "« Back to devices"],
    ]
    await olivia.tap_reply_button(ZH + "« Back to devices")
    assert olivia.messages[-2].text == ZH + "Choose another device."
    await olivia.tap("🗄 Shop NVR")

    await olivia.send("07700 900002")
    assert olivia.messages[-2].text == ZH + "Recipient: Rita."
    screen = olivia.last_message
    assert screen.text.startswith(
        ZH + "📤 Share Shop NVR with Rita\n\n" + ZH + "Channels: 4 of 4 channels selected."
    )
    assert screen.buttons[-1] == [ZH + "« Back", ZH + "Permissions ›"]
    await olivia.tap(ZH + "Permissions ›")
    assert screen.buttons[0] == [f"Camera 01 · {ZH}all permissions"]
    await olivia.tap(f"Camera 01 · {ZH}all permissions")
    locked = await olivia.tap(f"✅ {ZH}Live View 🔒")
    assert locked.text == ZH + "Live View is always shared on cameras, NVRs and DVRs."
    await olivia.tap(ZH + "« Done")
    await olivia.tap(ZH + "💾 Save")
    assert ZH + "Summary (4 channels):" in screen.text
    assert screen.text.endswith(ZH + "Tap Finish to send the invitation.")
    await olivia.tap(ZH + "✅ Finish")
    assert screen.text.startswith(ZH + "✅ Invitation to Shop NVR sent to Rita. It expires on")

    prompt = rita.last_message
    assert prompt.text.startswith("[ru] 📨 Olivia wants to share Shop NVR with you (4 channels):")
    assert "[ru] Live View/[ru] Playback/[ru] Alarm" in prompt.text
    assert "zh_Hans" not in prompt.text
    assert prompt.buttons == [["[ru] ✅ Accept", "[ru] ❌ Decline"]]

    # Shared again before Rita answered: her old prompt is closed, in her language.
    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")
    await olivia.send("07700 900002")
    assert olivia.messages[-2].text == (
        ZH + "Rita already has this device: you are editing that share."
    )
    await save_and_finish(olivia)
    assert (
        prompt.text
        == "[ru] This invitation to Shop NVR was changed by its owner: see the newer one."
    )

    # Accepted, then edited: Rita is told in Russian, Olivia reads the outcome in Chinese.
    await rita.tap("[ru] ✅ Accept")
    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")
    await olivia.send("07700 900002")
    screen = olivia.last_message
    assert screen.text.startswith(ZH + "📤 Edit the share of Shop NVR with Rita")
    await olivia.tap("✅ Camera 04")
    await save_and_finish(olivia)
    assert screen.text == ZH + "✅ Rita's access to Shop NVR was updated; they have been told."
    told = rita.last_message.text
    assert told.startswith("[ru] Olivia changed your access to Shop NVR:\n")
    assert "zh_Hans" not in told


async def test_applicants_read_the_owners_answer_in_their_own_language(
    telegram: Telegram, olivia: TelegramUser, application: AnyApplication
) -> None:
    token = token_of(await device_code(olivia))
    await speak(olivia, "zh_Hans")
    rita = await applied(telegram, "Rita", token)
    await speak(rita, "ru")

    screen = olivia.last_message
    await olivia.tap(ZH + "🔍 Review", message=screen)
    assert screen.text.startswith(ZH + "📨 Rita applied for Shop NVR\n\n")
    assert screen.buttons[-1] == [ZH + "Permissions ›"]  # no going back to a recipient
    await olivia.tap(ZH + "Permissions ›")
    await olivia.tap(ZH + "💾 Save")
    assert screen.text.endswith(ZH + "Tap Accept to give Rita this access now, or Reject.")
    await olivia.tap(ZH + "✅ Accept")
    assert screen.text == ZH + "✅ You accepted Rita's application for Shop NVR."
    answer = rita.last_message.text
    assert answer.startswith("[ru] ✅ Olivia accepted your application for Shop NVR:\n")
    assert "zh_Hans" not in answer

    sam = await applied(telegram, "Sam", token)
    await speak(sam, "es")
    screen = olivia.last_message
    await olivia.tap(ZH + "🔍 Review", message=screen)
    await olivia.tap(ZH + "Permissions ›")
    await olivia.tap(ZH + "💾 Save")
    await olivia.tap(ZH + "❌ Reject")
    assert screen.text == ZH + "❌ You rejected Sam's application for Shop NVR."
    assert sam.last_message.text == "[es] ❌ Olivia rejected your application for Shop NVR."


async def test_a_timed_out_review_is_put_back_in_the_owners_language(
    telegram: Telegram, olivia: TelegramUser, application: AnyApplication
) -> None:
    """The timeout runs in a job, where the reader is nobody's (here: someone else's)."""
    token = token_of(await device_code(olivia))
    await speak(olivia, "zh_Hans")
    await applied(telegram, "Rita", token)
    screen = olivia.last_message
    job_queue = telegram.application.job_queue
    assert job_queue is not None
    for job in job_queue.jobs():
        job.enabled = False
    await job_queue.start()
    try:
        await olivia.tap(ZH + "🔍 Review", message=screen)
        (timeout,) = job_queue.get_jobs_by_name("_trigger_timeout")
        timeout.schedule_removal()
        with speaking("ru"):
            await timeout.run(telegram.application)
    finally:
        await job_queue.stop()
    assert screen.text.startswith(ZH + "📨 Sharing application from Rita for Shop NVR: it waits")
    assert screen.buttons == [[ZH + "🔍 Review"]]
