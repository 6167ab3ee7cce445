"""`/adddevice`: serial, verification code, name, type, channel count and names, firmware.

Each step checks what the user typed and, when it is wrong, says what is expected and stays on
the step. Nothing is stored until the last step; R1 is checked at the serial step and again,
under the serial's unique constraint, when saving. See add_device.mmd for the diagram.
"""

from dataclasses import dataclass
from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.common.accounts import current_account
from handlers.common.callback_data import CallbackData
from handlers.common.cancel import DRAFTS_KEY, cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, inline
from handlers.common.wizards import Wizard
from handlers.devices.device_card import render_device_card
from languages import N_, _, ngettext
from sharing.devices import devices
from sharing.errors import InvalidDeviceField, SharingError
from sharing.rules import MINIMUM_FIRMWARE, firmware_supports_sharing, format_version
from storage.models import DeviceType
from wording.formatting import DEVICE_TYPE_LABELS, device_type_label, escape
from wording.refusals import describe

WIZARD = "add_device"
SINGLE_CHANNEL_TYPES = frozenset({DeviceType.CAMERA, DeviceType.DOORBELL})


class Step(IntEnum):
    SERIAL = auto()
    VERIFICATION_CODE = auto()
    NAME = auto()
    TYPE = auto()
    CHANNEL_COUNT = auto()
    CHANNEL_NAMES = auto()
    FIRMWARE = auto()


@dataclass(frozen=True)
class PickType(CallbackData, prefix="adt"):
    type: str


@dataclass(frozen=True)
class DefaultChannelNames(CallbackData, prefix="adn"):
    pass


def _draft(context: CamShareContext) -> dict[str, Any]:
    assert context.user_data is not None
    drafts: dict[str, dict[str, Any]] = context.user_data.setdefault(DRAFTS_KEY, {})
    return drafts.setdefault(WIZARD, {})


def _drop_draft(context: CamShareContext) -> None:
    if context.user_data is not None:
        context.user_data.get(DRAFTS_KEY, {}).pop(WIZARD, None)


def _text(update: Update) -> tuple[Message, str]:
    message = update.effective_message
    assert message and message.text is not None
    return message, message.text


async def start_wizard(update: Update, context: CamShareContext) -> Step | int:
    if await current_account(update, context) is None:
        return ConversationHandler.END
    assert context.user_data is not None and update.effective_message
    context.user_data.setdefault(DRAFTS_KEY, {})[WIZARD] = {}
    await update.effective_message.reply_html(
        _("Let's add a device. Send /cancel at any step to stop.")
        + "\n\n"
        + _(
            "<b>1/6</b> Send the device's <b>serial number</b>, printed on its label"
            " (for example <code>J12345678</code>)."
        )
    )
    return Step.SERIAL


async def receive_serial(update: Update, context: CamShareContext) -> Step:
    message, text = _text(update)
    assert update.effective_user
    try:
        serial = devices.parse_serial(text)
        async with context.services.database.read() as session:
            await devices.check_serial_available(
                session, owner_id=update.effective_user.id, serial=serial
            )
    except SharingError as error:
        await message.reply_html(describe(error))
        return Step.SERIAL
    _draft(context)["serial"] = serial
    await message.reply_html(
        _(
            "<b>2/6</b> Send the <b>verification code</b>: 6 letters on the label, next to the"
            " serial."
        )
    )
    return Step.VERIFICATION_CODE


async def receive_verification_code(update: Update, context: CamShareContext) -> Step:
    message, text = _text(update)
    try:
        _draft(context)["verification_code"] = devices.parse_verification_code(text)
    except SharingError as error:
        await message.reply_html(describe(error))
        return Step.VERIFICATION_CODE
    await message.reply_html(
        _(
            "<b>3/6</b> What should the device be called? Send a <b>name</b>, like"
            " <i>Front door</i>."
        )
    )
    return Step.NAME


async def receive_name(update: Update, context: CamShareContext) -> Step:
    message, text = _text(update)
    try:
        _draft(context)["name"] = devices.parse_name(text)
    except SharingError as error:
        await message.reply_html(describe(error))
        return Step.NAME
    await message.reply_html(
        _("<b>4/6</b> What <b>type</b> of device is it?"), reply_markup=_type_keyboard()
    )
    return Step.TYPE


def _type_keyboard() -> InlineKeyboardMarkup:
    buttons = [button(device_type_label(kind), PickType(kind.value)) for kind in DEVICE_TYPE_LABELS]
    return inline(buttons[:3], buttons[3:])


async def remind_to_pick_type(update: Update, context: CamShareContext) -> Step:
    message, __ = _text(update)
    await message.reply_html(_("Tap one of the types above."), reply_markup=_type_keyboard())
    return Step.TYPE


async def pick_type(update: Update, context: CamShareContext) -> Step:
    query = update.callback_query
    assert query
    try:
        device_type = DeviceType(PickType.unpack(query.data).type)
    except ValueError:
        await query.answer(_("Please pick one of the types shown."), show_alert=True)
        return Step.TYPE
    await query.answer()
    draft = _draft(context)
    draft["type"] = device_type.value
    label = device_type_label(device_type)
    if device_type in SINGLE_CHANNEL_TYPES:
        draft["channel_names"] = list(devices.default_channel_names(1))
        await query.edit_message_text(
            _("<b>4/6</b> Type: {type} (one channel).").format(type=label),
            parse_mode=ParseMode.HTML,
        )
        await _ask_firmware(query.message)
        return Step.FIRMWARE
    await query.edit_message_text(
        _("<b>4/6</b> Type: {type}.").format(type=label), parse_mode=ParseMode.HTML
    )
    assert isinstance(query.message, Message)
    await query.message.reply_html(
        _("<b>5/6</b> How many <b>channels</b> does it have? Send a number from 1 to 256.")
    )
    return Step.CHANNEL_COUNT


async def receive_channel_count(update: Update, context: CamShareContext) -> Step:
    message, text = _text(update)
    try:
        count = devices.parse_channel_count(text)
    except SharingError as error:
        await message.reply_html(describe(error))
        return Step.CHANNEL_COUNT
    _draft(context)["channel_count"] = count
    defaults = devices.default_channel_names(count)
    example = defaults[0] if count == 1 else f"{defaults[0]} … {defaults[-1]}"
    await message.reply_html(
        ngettext(
            "<b>5/6</b> Send the names of the {count} channel, one per line,"
            " or use the default names ({example}).",
            "<b>5/6</b> Send the names of the {count} channels, one per line,"
            " or use the default names ({example}).",
            count,
        ).format(count=count, example=example),
        reply_markup=_default_names_keyboard(),
    )
    return Step.CHANNEL_NAMES


async def receive_channel_names(update: Update, context: CamShareContext) -> Step:
    message, text = _text(update)
    draft = _draft(context)
    count = draft["channel_count"]
    try:
        names = devices.parse_channel_names(text, count=count)
    except SharingError:
        received = len([line for line in text.splitlines() if line.strip()])
        await message.reply_html(
            _wrong_names_count(count, received), reply_markup=_default_names_keyboard()
        )
        return Step.CHANNEL_NAMES
    draft["channel_names"] = list(names)
    await _ask_firmware(message)
    return Step.FIRMWARE


async def use_default_channel_names(update: Update, context: CamShareContext) -> Step:
    query = update.callback_query
    assert query
    await query.answer()
    draft = _draft(context)
    draft["channel_names"] = list(devices.default_channel_names(draft["channel_count"]))
    await query.edit_message_text(
        _("<b>5/6</b> Channels: {count}, with the default names.").format(
            count=draft["channel_count"]
        ),
        parse_mode=ParseMode.HTML,
    )
    await _ask_firmware(query.message)
    return Step.FIRMWARE


def _default_names_keyboard() -> InlineKeyboardMarkup:
    return inline([button(_("Use default names"), DefaultChannelNames())])


def _wrong_names_count(count: int, received: int) -> str:
    """Two numbers, each with its own plural: two sentences, each counting one."""
    needed = ngettext(
        "I need exactly {count} name, one per line (each up to 64 characters);",
        "I need exactly {count} names, one per line (each up to 64 characters);",
        count,
    ).format(count=count)
    got = ngettext(
        "I got {received} line. Send them again, or tap <b>Use default names</b>.",
        "I got {received} lines. Send them again, or tap <b>Use default names</b>.",
        received,
    ).format(received=received)
    return f"{needed} {got}"


async def _ask_firmware(message: object) -> None:
    assert isinstance(message, Message)
    await message.reply_html(
        _(
            "<b>6/6</b> Last step: the <b>firmware version</b>, like"
            " <code>V5.7.3 build 220112</code> (on the device's web page under System Settings,"
            " or in Hik-Connect's device info)."
        )
    )


async def receive_firmware(update: Update, context: CamShareContext) -> Step | int:
    message, text = _text(update)
    assert update.effective_user
    draft = _draft(context)
    try:
        new_device = devices.NewDevice(
            serial=draft["serial"],
            verification_code=draft["verification_code"],
            name=draft["name"],
            type=DeviceType(draft["type"]),
            channel_names=tuple(draft["channel_names"]),
            firmware_version=devices.parse_firmware(text),
        )
        async with context.services.database.write() as session:
            device = await devices.add_device(
                session,
                owner_id=update.effective_user.id,
                new=new_device,
                now=context.services.clock(),
            )
    except InvalidDeviceField as error:
        await message.reply_html(describe(error))
        return Step.FIRMWARE
    except SharingError as error:
        # R1 lost to another account between the serial step and now: nothing was stored.
        await message.reply_html(describe(error))
        _drop_draft(context)
        return ConversationHandler.END
    _drop_draft(context)
    text, keyboard = render_device_card(device)
    await message.reply_html(
        "\n\n".join(
            [
                _("✅ Added <b>{device}</b>.").format(device=escape(device.name)),
                *_firmware_note(device),
                _(CONNECT_NOW),
            ]
        )
    )
    await message.reply_html(text, reply_markup=keyboard)
    return ConversationHandler.END


CONNECT_NOW = N_(
    "Optional last step: 🔌 Connect it below, and I read its model, firmware and channels from"
    " the device itself; then those you share it with can see its cameras here."
)


def _firmware_note(device: devices.DeviceView) -> list[str]:
    """The warning that the device's firmware cannot be shared yet, if it cannot."""
    if firmware_supports_sharing(device.type, device.firmware_version):
        return []
    minimum = format_version(MINIMUM_FIRMWARE[device.type])
    return [
        _(
            "⚠️ Its firmware is older than {minimum}, the minimum for sharing this type of"
            " device. Upgrade the firmware before you share it."
        ).format(minimum=minimum)
    ]


def build_handler() -> Handler:
    text = filters.TEXT & ~filters.COMMAND
    return Wizard(
        title="/adddevice",
        waiting_for={
            Step.SERIAL: N_("the device's serial number"),
            Step.VERIFICATION_CODE: N_("the verification code on the device's label"),
            Step.NAME: N_("a name for the device"),
            Step.TYPE: N_("you to tap one of the types above"),
            Step.CHANNEL_COUNT: N_("the number of channels, from 1 to 256"),
            Step.CHANNEL_NAMES: N_(
                "the channel names, one per line, or a tap on Use default names"
            ),
            Step.FIRMWARE: N_("the firmware version, like V5.7.3 build 220112"),
        },
        entry_points=[CommandHandler("adddevice", start_wizard, filters=filters.ChatType.PRIVATE)],
        states={
            Step.SERIAL: [MessageHandler(text, receive_serial)],
            Step.VERIFICATION_CODE: [MessageHandler(text, receive_verification_code)],
            Step.NAME: [MessageHandler(text, receive_name)],
            Step.TYPE: [
                CallbackQueryHandler(pick_type, pattern=PickType.pattern()),
                MessageHandler(text, remind_to_pick_type),
            ],
            Step.CHANNEL_COUNT: [MessageHandler(text, receive_channel_count)],
            Step.CHANNEL_NAMES: [
                MessageHandler(text, receive_channel_names),
                CallbackQueryHandler(
                    use_default_channel_names, pattern=DefaultChannelNames.pattern()
                ),
            ],
            Step.FIRMWARE: [MessageHandler(text, receive_firmware)],
        },
        fallbacks=[cancel_fallback()],
        name=WIZARD,
        conversation_timeout=30 * 60,
    )
