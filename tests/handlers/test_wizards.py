"""One wizard at a time: every command at every step of every wizard, and what a step refuses.

The matrix reaches each step of each wizard, sends each command of /help's list, then types a
phone number (and, after /share, taps the device first, so the number is an answer to the
recipient step). What the bot says after the command must be one line saying which wizard was
left, then exactly what it says to the same command and the same number when no wizard waits
("reference"): so the command did its job, and the number reached only what the command started.
Nothing may be stored by the wizard that was left.
"""

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlmodel import col, select
from telegram.ext import CommandHandler, ConversationHandler

from bot.app import services_of
from handlers.common.callback_data import CallbackData
from handlers.common.help import COMMANDS
from handlers.common.wizards import Wizard, wizards_in
from storage.database import Database
from storage.models import Device, Share
from tests.clock import FakeClock
from tests.handlers.journeys import RITA_PHONE, add_nvr, share_everything
from tests.handlers.test_qr import as_png, device_code, token_of
from tests.harness.users import ATTACHMENTS, Telegram, TelegramUser

PHONE = "07700 900002"  # Rita's, typed the way a British owner would


class RecordingSender:
    """An email sender that keeps the mails: /email's steps without an SMTP server."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, *, to: str, subject: str, text: str) -> None:
        self.sent.append(text)


@dataclass
class World:
    telegram: Telegram
    olivia: TelegramUser
    rita: TelegramUser
    token: str
    clock: FakeClock
    references: dict[tuple[int, str], tuple[list[str], list[str]]]

    async def reference(self, user: TelegramUser, command: str) -> tuple[list[str], list[str]]:
        """What the bot says to the command and the number when no wizard waits."""
        key = (user.id, command)
        if key not in self.references:
            await user.send("/cancel")
            self.references[key] = await _command_then_number(user, command)
        return self.references[key]


Reach = Callable[[World], Awaitable[TelegramUser]]


async def _add_device_until(world: World, answers: int) -> TelegramUser:
    """/adddevice, then the first `answers` answers: the wizard waits at the next step."""
    steps: list[Callable[[], Awaitable[object]]] = [
        lambda: world.olivia.send("K99999999"),
        lambda: world.olivia.send("abcdef"),
        lambda: world.olivia.send("Garage"),
        lambda: world.olivia.tap("🗄 NVR"),
        lambda: world.olivia.send("2"),
        lambda: world.olivia.tap("Use default names"),
    ]
    await world.olivia.send("/adddevice")
    for step in steps[:answers]:
        await step()
    return world.olivia


async def _share_at_recipient(world: World) -> TelegramUser:
    await world.olivia.send("/share")
    await world.olivia.tap("🗄 Shop NVR")
    return world.olivia


async def _share_at_screens(world: World) -> TelegramUser:
    await _share_at_recipient(world)
    await world.olivia.send(PHONE)
    await world.olivia.tap("Permissions ›")
    return world.olivia


async def _reviewing(world: World) -> TelegramUser:
    applicant = world.telegram.user("Ann", language_code="en-GB")
    await applicant.send(f"/start {world.token}")
    await applicant.tap_reply_button("Not now")
    await applicant.tap("✅ Yes, 🇬🇧 United Kingdom")
    await applicant.tap("📨 Apply for sharing")
    await world.olivia.tap("🔍 Review")
    return world.olivia


async def _email_at(world: World, step: str) -> TelegramUser:
    world.clock.advance(minutes=2)  # a new code at most once a minute
    await world.olivia.send("/email")
    if step == "code":
        await world.olivia.send("olivia@example.com")
    return world.olivia


async def _renaming_device(world: World) -> TelegramUser:
    await world.olivia.send("/devices")
    await world.olivia.tap("🗄 Shop NVR · 4 ch · shared 1")
    await world.olivia.tap("✏️ Rename")
    return world.olivia


async def _renaming_received(world: World) -> TelegramUser:
    await world.rita.send("/received")
    await world.rita.tap("🗄 Shop NVR · from Olivia")
    await world.rita.tap("✏️ Rename")
    return world.rita


async def _searching_region(world: World) -> TelegramUser:
    await world.olivia.send("/myaccount")
    await world.olivia.tap("🌍 Change region")
    return world.olivia


def _adding(answers: int) -> Reach:
    return lambda world: _add_device_until(world, answers)


STEPS: dict[str, tuple[str, Reach]] = {
    # step: (the wizard's title in "Left ...", how to get there)
    "adddevice serial": ("/adddevice", _adding(0)),
    "adddevice code": ("/adddevice", _adding(1)),
    "adddevice name": ("/adddevice", _adding(2)),
    "adddevice type": ("/adddevice", _adding(3)),
    "adddevice channel count": ("/adddevice", _adding(4)),
    "adddevice channel names": ("/adddevice", _adding(5)),
    "adddevice firmware": ("/adddevice", _adding(6)),
    "share device": ("/share", lambda world: _send(world.olivia, "/share")),
    "share recipient": ("/share", _share_at_recipient),
    "share screens": ("/share", _share_at_screens),
    "share review": ("the review of Ann's application", _reviewing),
    "email address": ("/email", lambda world: _email_at(world, "address")),
    "email code": ("/email", lambda world: _email_at(world, "code")),
    "rename device": ("renaming a device", _renaming_device),
    "rename received": ("renaming a shared device", _renaming_received),
    "region search": ("the search for your country", _searching_region),
}

WIZARD_COMMANDS = {"/adddevice": "adddevice", "/share": "share", "/email": "email"}


async def _send(user: TelegramUser, text: str) -> TelegramUser:
    await user.send(text)
    return user


def _said(user: TelegramUser, since: int) -> list[str]:
    return [message.text or message.caption or "" for message in user.messages[since:]]


async def _command_then_number(user: TelegramUser, command: str) -> tuple[list[str], list[str]]:
    """What the bot says to the command, then to the phone number typed next."""
    before = len(user.messages)
    await user.send(f"/{command}")
    to_command = _said(user, before)
    before = len(user.messages)
    if command == "share" and user.first_name == "Olivia":
        await user.tap("🗄 Shop NVR")
    await user.send(PHONE)
    return to_command, _said(user, before)


async def _stored(database: Database) -> tuple[list[tuple[str, str]], int]:
    async with database.read() as session:
        devices = (
            await session.exec(select(Device.serial, Device.name).order_by(col(Device.id)))
        ).all()
        shares = len((await session.exec(select(Share.id))).all())
    return [tuple(row) for row in devices], shares


@pytest.fixture
async def world(
    telegram: Telegram, olivia: TelegramUser, rita: TelegramUser, clock: FakeClock
) -> World:
    services_of(telegram.application).email_sender = RecordingSender()
    token = token_of(await device_code(olivia))
    await share_everything(olivia, RITA_PHONE)
    await rita.tap("✅ Accept")
    return World(telegram, olivia, rita, token, clock, {})


@pytest.mark.parametrize("step", list(STEPS))
async def test_every_command_at_every_step(world: World, database: Database, step: str) -> None:
    title, reach = STEPS[step]
    stored = await _stored(database)
    for command in (bot_command.command for bot_command in COMMANDS):
        user = await reach(world)
        to_command, to_number = await _command_then_number(user, command)
        reference = await world.reference(user, command)

        said = to_command + to_number
        assert not [line for line in said if "I don't know the command" in line], (step, command)
        if command == "cancel":
            assert to_command == ["Cancelled. Nothing was saved. Send /help to see what I can do."]
        else:
            restarting = WIZARD_COMMANDS.get(f"/{command}") == title.strip("/")
            left = "Starting {} over" if restarting else "Left {}"
            assert to_command[0] == f"{left.format(title)}: nothing was saved.", (step, command)
            assert to_command[1:] == reference[0], (step, command)
        assert to_number == reference[1], (step, command)
        assert await _stored(database) == stored, (step, command)


KIND_WORDS = {
    "sticker": "a sticker",
    "location": "a location",
    "voice": "a voice note",
    "dice": "a dice",
    "document": "a file",
    "video_note": "a video message",
}


@pytest.mark.parametrize("step", list(STEPS))
async def test_a_step_answers_what_it_does_not_take_and_stays(world: World, step: str) -> None:
    _, reach = STEPS[step]
    user = await reach(world)
    waiting_for = None
    for kind in ATTACHMENTS:
        await user.send_attachment(kind)
        answer = user.last_message.text or ""
        assert answer.startswith(f"That's {KIND_WORDS[kind]}; I'm waiting for "), (step, kind)
        assert answer.endswith(". Send /cancel to stop."), (step, kind)
        waiting_for = waiting_for or answer.split("; ", 1)[1]
        assert answer.split("; ", 1)[1] == waiting_for, (step, kind)
    if step != "share recipient":  # where a contact, or a photo of a QR code, is an answer
        await user.share_contact("+447700900009", first_name="Someone")
        assert user.last_message.text == f"That's a contact; {waiting_for}", step
        await user.send_photo(as_png(Image.new("RGB", (64, 64), "white")))
        assert user.last_message.text == f"That's a photo; {waiting_for}", step
    await user.send("/cancel")
    assert (
        user.last_message.text == "Cancelled. Nothing was saved. Send /help to see what I can do."
    )


async def test_after_a_sticker_the_step_takes_its_answer(world: World) -> None:
    olivia = await _add_device_until(world, 2)
    await olivia.send_attachment("sticker")
    assert olivia.last_message.text == (
        "That's a sticker; I'm waiting for a name for the device. Send /cancel to stop."
    )
    await olivia.send("Garage")
    assert olivia.last_message.text == "4/6 What type of device is it?"


async def test_a_picked_user_goes_to_the_share_that_asked_not_to_rename(world: World) -> None:
    """Rename waits for a name; /share ends it, and its user picker then picks the recipient."""
    await _renaming_device(world)
    await _share_at_recipient(world)
    assert world.olivia.messages[-3].text == "Left renaming a device: nothing was saved."
    await world.olivia.tap_reply_button("👤 Choose a Telegram user", pick=[world.rita])
    assert (
        world.olivia.messages[-2].text
        == "Rita already has this device: you are editing that share."
    )


async def test_leaving_the_recipient_step_takes_its_keyboard_away(world: World) -> None:
    olivia = await _share_at_recipient(world)
    assert olivia.reply_keyboard == [["👤 Choose a Telegram user"], ["« Back to devices"]]
    await olivia.send("/devices")
    assert olivia.messages[-2].text == "Left /share: nothing was saved."
    assert olivia.reply_keyboard is None


@pytest.mark.parametrize("number", [2**63, 2**64 + 1, 10**40, 0, -1, -(2**63)])
async def test_ids_out_of_range_are_refused_as_forged(world: World, number: int) -> None:
    """Every kind of callback data the bot makes, with an id no database column holds."""
    kinds = [
        kind
        for kind in CallbackData._kinds.values()
        if any(field.name.endswith("_id") for field in dataclasses.fields(kind))  # type: ignore[arg-type]
    ]
    assert len(kinds) > 20
    for kind in kinds:
        values = [
            number if field.name.endswith("_id") else (1 if field.type is int else "x")
            for field in dataclasses.fields(kind)  # type: ignore[arg-type]
        ]
        data = ":".join([kind.prefix, *map(str, values)])
        answer = await world.olivia.forge_callback(data)
        assert answer.text == "This button is no longer active. Send /help to start again.", data


async def test_ones_own_contact_during_a_wizard_says_where_to_verify_it(world: World) -> None:
    await world.rita.send("/adddevice")
    await world.rita.share_contact(RITA_PHONE, user_id=world.rita.id)
    assert world.rita.last_message.text == (
        "That's a contact; I'm waiting for the device's serial number. Send /cancel to stop."
        " To verify your phone number, use /myaccount after this."
    )


def test_every_conversation_must_be_a_wizard_that_says_what_it_waits_for() -> None:
    """The guard knows only Wizards: a plain conversation would take input behind its back."""
    start = CommandHandler("x", _never)
    plain = ConversationHandler(entry_points=[start], states={1: [start]}, fallbacks=[])
    with pytest.raises(TypeError, match="not a Wizard"):
        wizards_in([plain])
    with pytest.raises(ValueError, match="say what the states"):
        Wizard(
            title="/x",
            waiting_for={},
            entry_points=[start],
            states={1: [start]},
            fallbacks=[],
            name="x",
        )


async def _never(update: object, context: object) -> None:
    raise AssertionError("never called")


async def test_rename_on_another_device_while_a_name_is_awaited_renames_that_one(
    world: World,
) -> None:
    await add_nvr(world.olivia, serial="HOME000001", name="Home NVR", channels="2")
    await _renaming_device(world)
    await world.olivia.tap("« My devices")  # browsing leaves the wizard waiting
    await world.olivia.tap("🗄 Home NVR · 2 ch")
    await world.olivia.tap("✏️ Rename")  # the wizard's own start, for another device
    assert world.olivia.messages[-2].text == "Left renaming a device: nothing was saved."
    assert world.olivia.last_message.text == (
        "Send the new name for Home NVR, or /cancel to keep it."
    )
    await world.olivia.send("Cottage")
    assert world.olivia.messages[-2].text == "✅ Renamed to Cottage."
