"""`/devices`: my devices a page at a time, each opening its card; Rename and Remove. Below
them, the way to the devices shared with me (`/received`), and on top a reminder when
invitations wait for my answer.

Rename asks for the new name in one typed step (a small conversation); Remove asks to confirm
with a second tap, and tells every recipient of the device's shares (R12).
"""

from collections.abc import Sequence
from enum import IntEnum, auto

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.common.accounts import current_account
from handlers.common.cancel import DRAFTS_KEY, cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline
from handlers.common.owed import Delivery, MessageKind, Send, owe, renders, send_owed
from handlers.common.portal_button import with_portal_button
from handlers.common.wizards import Wizard
from handlers.devices.device_card import (
    ConfirmRemoveDevice,
    ListDevices,
    OpenDevice,
    RemoveDevice,
    RenameDevice,
    device_card,
)
from handlers.devices.group_news import queue_for_groups
from handlers.groups import lines as group_lines
from handlers.manage.received_screens import ListReceived
from languages import N_, _, ngettext
from sharing.devices import devices
from sharing.errors import InvalidDeviceField, SharingError
from sharing.people.person_outbox import Payload
from sharing.shares import share_queries
from wording.formatting import device_status_icon, device_type_icon, escape
from wording.refusals import as_alert, describe

PAGE_SIZE = 8
RENAME_WIZARD = "rename_device"


class RenameStep(IntEnum):
    NAME = auto()


async def show_devices(update: Update, context: CamShareContext) -> None:
    account = await current_account(update, context)
    if account is None:
        return
    text, keyboard = await _devices_page(context, owner_id=account.id, offset=0)
    assert update.effective_message
    await update.effective_message.reply_html(
        text, reply_markup=with_portal_button(context, keyboard, "devices")
    )


async def turn_devices_page(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    await query.answer()
    offset = max(ListDevices.unpack(query.data).offset, 0)
    text, keyboard = await _devices_page(context, owner_id=update.effective_user.id, offset=offset)
    await edit_screen(query, text, keyboard)


async def _devices_page(
    context: CamShareContext, *, owner_id: int, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """My devices, and below them the way to the devices shared with me; on top, a reminder of
    the invitations waiting for my answer (as Hik-Connect's device list shows both sides)."""
    services = context.services
    async with services.database.read() as session:
        page = await devices.list_devices(
            session, owner_id=owner_id, offset=offset, limit=PAGE_SIZE
        )
        received = await share_queries.count_received(
            session, recipient_id=owner_id, now=services.clock()
        )
    reminder = _invitations_reminder(received.invitations)
    others = (
        [button(_("📥 Shared with me ({count})").format(count=received.devices), ListReceived(0))]
        if received.devices
        else []
    )
    if page.total == 0:
        if not others:
            return reminder + _("You have no devices yet. Send /adddevice to add one."), None
        return reminder + _("You have no devices of your own yet. Send /adddevice to add one."), (
            inline(others)
        )
    rows = [[button(_device_label(item), OpenDevice(item.id))] for item in page.items]
    paging = []
    if page.has_previous:
        paging.append(button(_("‹ Previous"), ListDevices(max(offset - PAGE_SIZE, 0))))
    if page.has_next:
        paging.append(button(_("Next ›"), ListDevices(offset + PAGE_SIZE)))
    last = min(offset + PAGE_SIZE, page.total)
    header = _("<b>Your devices</b> ({first}–{last} of {total}). Tap one to open it.").format(
        first=offset + 1, last=last, total=page.total
    )
    return reminder + header, inline(*rows, paging, others)


def _invitations_reminder(waiting: int) -> str:
    if not waiting:
        return ""
    reminder = ngettext(
        "📨 {count} invitation waits for your answer: /received",
        "📨 {count} invitations wait for your answer: /received",
        waiting,
    )
    return reminder.format(count=waiting) + "\n\n"


def _device_label(item: devices.DeviceSummary) -> str:
    """Plain text (a button's label): the name as the owner typed it."""
    channels = item.channel_count
    if item.live_shares:
        label = ngettext(
            "{device} · {channels} ch · shared {shares}",
            "{device} · {channels} ch · shared {shares}",
            channels,
        )
    else:
        label = ngettext("{device} · {channels} ch", "{device} · {channels} ch", channels)
    status = f"{device_status_icon(item.status)} " if item.status else ""
    described = label.format(device=item.name, channels=channels, shares=item.live_shares)
    return f"{status}{device_type_icon(item.type)} {described}"


async def _tapped_device(
    update: Update, context: CamShareContext, device_id: int
) -> devices.DeviceView | None:
    """The device a button names, if the tapper owns it; otherwise the tap is answered with why
    not. The id came from the client: ownership is checked here, on the server."""
    query = update.callback_query
    assert query and update.effective_user
    try:
        async with context.services.database.read() as session:
            device = await devices.get_owned_device(
                session, owner_id=update.effective_user.id, device_id=device_id
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return None
    await query.answer()
    return device


async def open_device(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    device = await _tapped_device(update, context, OpenDevice.unpack(query.data).device_id)
    if device is None:
        return
    await edit_screen(query, *await device_card(context, device))


async def ask_to_confirm_removal(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    device = await _tapped_device(update, context, RemoveDevice.unpack(query.data).device_id)
    if device is None:
        return
    question = (
        ngettext(
            "Remove <b>{device}</b> from your account? This ends its {count} share and tells"
            " the {count} person it was shared with.",
            "Remove <b>{device}</b> from your account? This ends its {count} shares and tells"
            " the {count} people it was shared with.",
            device.live_shares,
        )
        if device.live_shares
        else _("Remove <b>{device}</b> from your account?")
    )
    await edit_screen(
        query,
        question.format(device=escape(device.name), count=device.live_shares),
        inline(
            [
                button(_("🗑 Yes, remove it"), ConfirmRemoveDevice(device.id)),
                button(_("Keep it"), OpenDevice(device.id)),
            ]
        ),
    )


async def remove_device(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    owner = update.effective_user
    device_id = ConfirmRemoveDevice.unpack(query.data).device_id
    try:
        async with context.services.database.write() as session:
            removed = await devices.remove_device(session, owner_id=owner.id, device_id=device_id)
            # The device and its links are gone: its groups are the ones it had.
            gone = removed
            await queue_for_groups(
                session,
                group_ids=gone.group_ids,
                line=lambda: group_lines.device_removed(
                    owner_name=owner.full_name,
                    device_name=gone.name,
                    shared_with=len(gone.recipient_ids),
                ),
                now=context.services.clock(),
            )
            payload = {"owner": owner.full_name, "device": removed.name}
            owed = [
                await owe(context, session, recipient_id, MessageKind.DEVICE_REMOVED, payload)
                for recipient_id in removed.recipient_ids
            ]
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await context.services.devices.pool.forget(device_id, before=context.services.clock())
    await query.answer(_("Removed"))
    await edit_screen(
        query,
        _("🗑 <b>{device}</b> was removed.").format(device=escape(removed.name)),
        inline([button(_("« My devices"), ListDevices(0))]),
    )
    await send_owed(context, owed)


@renders(MessageKind.DEVICE_REMOVED)
async def _device_removed(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    removed = _("{owner} removed the device <b>{device}</b>; it is no longer shared with you.")
    return (Send(removed.format(owner=escape(payload["owner"]), device=escape(payload["device"]))),)


async def ask_new_name(update: Update, context: CamShareContext) -> RenameStep | int:
    query = update.callback_query
    assert query and context.user_data is not None
    device = await _tapped_device(update, context, RenameDevice.unpack(query.data).device_id)
    if device is None:
        return ConversationHandler.END
    context.user_data.setdefault(DRAFTS_KEY, {})[RENAME_WIZARD] = device.id
    assert update.effective_chat
    await update.effective_chat.send_message(
        _("Send the new name for <b>{device}</b>, or /cancel to keep it.").format(
            device=escape(device.name)
        ),
        parse_mode=ParseMode.HTML,
    )
    return RenameStep.NAME


async def receive_new_name(update: Update, context: CamShareContext) -> RenameStep | int:
    message = update.effective_message
    assert message and message.text is not None and update.effective_user
    assert context.user_data is not None
    device_id = context.user_data.get(DRAFTS_KEY, {}).get(RENAME_WIZARD)
    if device_id is None:
        return ConversationHandler.END
    try:
        async with context.services.database.write() as session:
            device = await devices.rename_device(
                session, owner_id=update.effective_user.id, device_id=device_id, name=message.text
            )
    except InvalidDeviceField as error:
        await message.reply_html(describe(error))
        return RenameStep.NAME
    except SharingError as error:
        await message.reply_html(describe(error))
        return ConversationHandler.END
    context.user_data[DRAFTS_KEY].pop(RENAME_WIZARD, None)
    await message.reply_html(_("✅ Renamed to <b>{device}</b>.").format(device=escape(device.name)))
    text, keyboard = await device_card(context, device)
    await message.reply_html(text, reply_markup=keyboard)
    return ConversationHandler.END


def build_handlers() -> list[Handler]:
    rename = Wizard(
        title=N_("renaming a device"),
        waiting_for={RenameStep.NAME: N_("the device's new name")},
        entry_points=[CallbackQueryHandler(ask_new_name, pattern=RenameDevice.pattern())],
        states={
            RenameStep.NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_new_name)]
        },
        fallbacks=[cancel_fallback()],
        name=RENAME_WIZARD,
        conversation_timeout=15 * 60,
    )
    return [
        CommandHandler("devices", show_devices, filters=filters.ChatType.PRIVATE),
        rename,
        CallbackQueryHandler(turn_devices_page, pattern=ListDevices.pattern()),
        CallbackQueryHandler(open_device, pattern=OpenDevice.pattern()),
        CallbackQueryHandler(ask_to_confirm_removal, pattern=RemoveDevice.pattern()),
        CallbackQueryHandler(remove_device, pattern=ConfirmRemoveDevice.pattern()),
    ]
