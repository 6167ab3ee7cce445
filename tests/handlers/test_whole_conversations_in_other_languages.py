"""Whole conversations in Chinese, Russian and Spanish with the real catalogs (issue 16):
onboarding, /adddevice, /share with Accept by a recipient who reads another language, /received
and /shared. Every message, button, toast and edit each person saw is in their language: no
English word is left but the names people typed and the product's names. The fake Bot API
refuses callback data over 64 bytes, so every button of these conversations fits too."""

from dataclasses import dataclass

import pytest

from languages import LANGUAGE_NAMES
from tests.handlers.phrasebook import Phrasebook, english_left
from tests.harness.users import Telegram, TelegramUser

SERIAL, CODE, FIRMWARE = "J12345678", "abcdef", "V4.30.005 build 200101"
FIRMWARE_EXAMPLE = "V5.7.3 build 220112"
"""What the firmware step shows as an example: a version as devices write it."""


@dataclass(frozen=True)
class Speaker:
    language: str
    telegram_code: str
    name: str
    phone: str
    device: str
    """The name they give their device, in their own script."""


LI = Speaker("zh_Hans", "zh-hans", "李雷", "+4915123456780", "商店录像机")
RITA = Speaker("ru", "ru", "Рита", "+4915123456781", "Склад")
LUCIA = Speaker("es", "es", "Lucía", "+4915123456782", "Tienda")
TYPED = [SERIAL, CODE, FIRMWARE, FIRMWARE_EXAMPLE, *(person.name for person in (LI, RITA, LUCIA))]


async def onboarded(telegram: Telegram, speaker: Speaker) -> tuple[TelegramUser, Phrasebook]:
    """Starts in the language Telegram gives for them; a German number: Germany, one tap."""
    person = telegram.user(
        speaker.name, language_code=speaker.telegram_code, phone_number=speaker.phone
    )
    say = Phrasebook(speaker.language)
    await person.send("/start")
    await person.tap_reply_button(say("📱 Share my phone number"))
    await person.tap(say("✅ Yes, {region}", region=say.region("DE")))
    assert any(say("You're all set.") in (message.text or "") for message in person.messages[-3:])
    return person, say


async def adds_an_nvr(owner: TelegramUser, say: Phrasebook, name: str) -> None:
    await owner.send("/adddevice")
    await owner.send(SERIAL)
    await owner.send(CODE)
    await owner.send(name)
    await owner.tap(say("🗄 NVR"))
    await owner.send("4")
    await owner.tap(say("Use default names"))
    await owner.send(FIRMWARE)


@pytest.mark.parametrize(
    ("owner_speaks", "recipient_speaks"),
    [(LI, RITA), (RITA, LI), (LUCIA, LI)],
    ids=lambda speaker: speaker.language,
)
async def test_owner_and_recipient_each_read_their_own_language_from_start_to_received(
    telegram: Telegram, owner_speaks: Speaker, recipient_speaks: Speaker
) -> None:
    owner, owner_says = await onboarded(telegram, owner_speaks)
    recipient, recipient_says = await onboarded(telegram, recipient_speaks)
    await adds_an_nvr(owner, owner_says, owner_speaks.device)

    await owner.send("/share")
    await owner.tap(f"🗄 {owner_speaks.device}")
    await owner.send(recipient_speaks.phone)
    await owner.tap(owner_says("Permissions ›"))
    await owner.tap(owner_says("💾 Save"))
    await owner.tap(owner_says("✅ Finish"))

    prompt = recipient.last_message
    assert owner_speaks.name in prompt.text and owner_speaks.device in prompt.text
    answer = await recipient.tap(recipient_says("✅ Accept"))
    assert answer.text == recipient_says("Accepted")
    assert owner_says("Camera {number}", number="01") in prompt.text, (
        "default channel names are the device's, named in its owner's language"
    )

    await recipient.send("/received")
    await recipient.tap(
        recipient_says(
            "{icon} {device} · from {owner}",
            icon="🗄",
            device=owner_speaks.device,
            owner=owner_speaks.name,
        )
    )
    await owner.send("/shared")
    (device_button,) = owner.last_message.buttons[0]
    assert device_button.startswith(f"🗄 {owner_speaks.device} · ")
    await owner.tap(device_button)

    channel_names = [owner_says("Camera {number}", number=f"{n:02d}") for n in range(1, 5)]
    typed = [*TYPED, *channel_names, owner_speaks.device, recipient_speaks.phone]
    assert english_left(owner, owner_speaks.language, typed=typed) == []
    assert english_left(recipient, recipient_speaks.language, typed=typed) == []


async def test_language_is_offered_in_each_languages_own_name_and_taken_at_once(
    telegram: Telegram,
) -> None:
    rita, _says = await onboarded(telegram, RITA)
    await rita.send("/language")
    assert rita.last_message.buttons == [
        [name if code != "ru" else f"✅ {name}"] for code, name in LANGUAGE_NAMES.items()
    ]
    await rita.tap("简体中文")
    await rita.send("/help")
    chinese = Phrasebook("zh_Hans")
    assert f"/language — {chinese('Language of the bot')}" in rita.last_message.text
    assert english_left(rita, "zh_Hans", typed=[*TYPED, *LANGUAGE_NAMES.values()]) == []
