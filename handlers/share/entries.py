"""The ways into /share: the command and its device list, Share on a device card, an account QR
code (recipient known, device to choose), an application to review, and a share to edit. Ids
in callback data come from the client: each entry checks on the server who may do what."""

from dataclasses import dataclass, replace

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from handlers.common.accounts import current_account
from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext
from handlers.common.keyboards import button, inline, remove_buttons
from handlers.devices.device_card import ShareDevice
from handlers.manage.invitations import close_prompt
from handlers.qr.links import ReviewApplication, ShareWithAccount
from handlers.share import screens
from handlers.share.recipient import ask_recipient, choose_recipient, sharing_device
from handlers.share.screens import ShareDraft
from handlers.share.state import PRESET_RECIPIENT, Step, drafts, set_draft, show
from languages import _
from sharing.applications import applications, link_tokens
from sharing.applications.link_tokens import AccountLink
from sharing.devices import devices
from sharing.errors import (
    ApplicationNotPending,
    LinkNotFound,
    NotDeviceOwner,
    ShareNotActive,
    ShareToSelf,
    SharingError,
)
from sharing.people.recipients import user_address
from sharing.shares import preview, share_queries
from sharing.views import MessageRef
from storage.models import LIVE_SHARE_STATES, ApplicationState
from wording.formatting import device_type_icon, escape, recipient_label
from wording.refusals import as_alert, describe

DEVICES_PER_PAGE = 8


@dataclass(frozen=True)
class PickDevice(CallbackData, prefix="shd"):
    device_id: int


@dataclass(frozen=True)
class DevicesPage(CallbackData, prefix="shdp"):
    offset: int


@dataclass(frozen=True)
class EditShare(CallbackData, prefix="shx"):
    """Entry from a screen that lists shares: edit this one with the same steps."""

    share_id: int


async def start_from_command(update: Update, context: CamShareContext) -> Step | int:
    account = await current_account(update, context)
    if account is None:
        return ConversationHandler.END
    set_draft(context, None)
    drafts(context).pop(PRESET_RECIPIENT, None)
    text, keyboard = await _devices_screen(context, owner_id=account.id, offset=0)
    assert update.effective_message
    await update.effective_message.reply_html(text, reply_markup=keyboard)
    return Step.DEVICE if keyboard else ConversationHandler.END


async def _devices_screen(
    context: CamShareContext, *, owner_id: int, offset: int
) -> tuple[str, screens.InlineKeyboardMarkup | None]:
    async with context.services.database.read() as session:
        page = await devices.list_devices(
            session, owner_id=owner_id, offset=offset, limit=DEVICES_PER_PAGE
        )
    if page.total == 0:
        return _("You have no devices to share yet. Send /adddevice to add one."), None
    rows = [
        [button(f"{device_type_icon(item.type)} {item.name}", PickDevice(item.id))]
        for item in page.items
    ]
    paging = []
    if page.has_previous:
        paging.append(button(_("‹ Previous"), DevicesPage(max(offset - DEVICES_PER_PAGE, 0))))
    if page.has_next:
        paging.append(button(_("Next ›"), DevicesPage(offset + DEVICES_PER_PAGE)))
    return _("📤 Which device do you want to share?"), inline(*rows, paging)


async def turn_devices_page(update: Update, context: CamShareContext) -> Step:
    query = update.callback_query
    assert query and update.effective_user
    await query.answer()
    offset = max(DevicesPage.unpack(query.data).offset, 0)
    text, keyboard = await _devices_screen(
        context, owner_id=update.effective_user.id, offset=offset
    )
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    return Step.DEVICE


async def pick_device(update: Update, context: CamShareContext) -> Step | int:
    query = update.callback_query
    assert query
    return await _choose_device(update, context, PickDevice.unpack(query.data).device_id)


async def start_from_card(update: Update, context: CamShareContext) -> Step | int:
    query = update.callback_query
    assert query
    return await _choose_device(update, context, ShareDevice.unpack(query.data).device_id)


async def _choose_device(update: Update, context: CamShareContext, device_id: int) -> Step | int:
    """R2 and R6 are checked here, on the server: the device id came from the client."""
    query = update.callback_query
    assert query and update.effective_user
    try:
        async with context.services.database.read() as session:
            device = await preview.shareable_device(
                session, owner_id=update.effective_user.id, device_id=device_id
            )
    except SharingError as error:
        await query.answer()
        await query.edit_message_text(describe(error), parse_mode=ParseMode.HTML)
        set_draft(context, None)
        return ConversationHandler.END
    await query.answer()
    draft = ShareDraft.of(device)
    set_draft(context, draft)
    await query.edit_message_text(sharing_device(draft.device_name), parse_mode=ParseMode.HTML)
    preset = drafts(context).pop(PRESET_RECIPIENT, None)
    if preset is not None:
        draft.recipient_fixed = True
        return await choose_recipient(update, context, *preset)
    await ask_recipient(query.message, draft)
    return Step.RECIPIENT


async def start_for_account(update: Update, context: CamShareContext) -> Step | int:
    """An owner scanned someone's account code: choose the device, the recipient is known."""
    query = update.callback_query
    assert query and update.effective_user
    services = context.services
    try:
        async with services.database.read() as session:
            link = await link_tokens.open_link(
                session, token=ShareWithAccount.unpack(query.data).token, now=services.clock()
            )
        if not isinstance(link, AccountLink):
            raise LinkNotFound()
        if link.account.id == update.effective_user.id:
            raise ShareToSelf()
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    set_draft(context, None)
    drafts(context)[PRESET_RECIPIENT] = (
        user_address(link.account.id),
        link.account.display_name,
    )
    text, keyboard = await _devices_screen(context, owner_id=update.effective_user.id, offset=0)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    return Step.DEVICE if keyboard else ConversationHandler.END


async def start_reviewing(update: Update, context: CamShareContext) -> Step | int:
    """The owner opens an application: the channel screens, everything selected (R8), in the
    tapped message; the summary then offers Accept and Reject. The tapped message becomes the
    application's message (its prompt), which a decision, an expiry or leaving the review
    redraws; the previous prompt loses its Review button here (a reminder's goes at the
    decision)."""
    query = update.callback_query
    assert query and update.effective_user and isinstance(query.message, Message)
    owner_id = update.effective_user.id
    application_id = ReviewApplication.unpack(query.data).application_id
    tapped = MessageRef(query.message.chat_id, query.message.message_id)
    services = context.services
    try:
        async with services.database.write() as session:
            application = await applications.get_application(
                session, application_id=application_id, account_id=owner_id
            )
            if application.owner_id != owner_id:
                raise NotDeviceOwner(application.device.id)
            if application.state != ApplicationState.PENDING:
                raise ApplicationNotPending(application.id, application.state)
            device = await preview.shareable_device(
                session, owner_id=owner_id, device_id=application.device.id
            )
            if application.prompt != tapped:
                await applications.set_application_prompt(
                    session, application_id=application.id, prompt=tapped
                )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        if isinstance(error, ApplicationNotPending):
            await remove_buttons(query)  # a decided application's Review goes with this tap
        return ConversationHandler.END
    await query.answer()
    if application.prompt not in (None, tapped):
        await close_prompt(
            context,
            application.prompt,
            _(
                "📨 Sharing application from <b>{applicant}</b> for <b>{device}</b>: opened in a"
                " later message."
            ).format(
                applicant=escape(application.applicant.display_name),
                device=escape(application.device.name),
            ),
        )
    draft = replace(
        ShareDraft.of(device),
        recipient=user_address(application.applicant.id),
        recipient_label=application.applicant.display_name,
        application_id=application.id,
        recipient_fixed=True,
        screen_message_id=query.message.message_id,
    )
    draft.select_all()
    set_draft(context, draft)
    await show(query, screens.channels_screen(draft))
    return Step.SCREENS


async def start_editing(update: Update, context: CamShareContext) -> Step | int:
    """Open the channel screen of a live share, in the message that was tapped. The share id
    came from the client: the owner is checked here and again at Finish."""
    query = update.callback_query
    assert query and update.effective_user and isinstance(query.message, Message)
    owner_id = update.effective_user.id
    try:
        async with context.services.database.read() as session:
            share = await share_queries.get_share(
                session, share_id=EditShare.unpack(query.data).share_id, account_id=owner_id
            )
            if share.owner.id != owner_id:
                raise NotDeviceOwner(share.device.id)
            if share.state not in LIVE_SHARE_STATES:
                raise ShareNotActive(share.id, share.state)
            device = await preview.shareable_device(
                session, owner_id=owner_id, device_id=share.device.id
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    label = recipient_label(share.recipient, share.address)
    recipient = share.address if share.recipient is None else user_address(share.recipient.id)
    draft = replace(
        ShareDraft.of(device),
        grants={grant.channel_number: grant.permissions for grant in share.grants},
        recipient=recipient,
        recipient_label=label,
        editing=True,
        recipient_fixed=True,
        screen_message_id=query.message.message_id,
    )
    set_draft(context, draft)
    await show(query, screens.channels_screen(draft))
    return Step.SCREENS


async def back_to_devices(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message
    await message.reply_text(_("Choose another device."), reply_markup=ReplyKeyboardRemove())
    return await start_from_command(update, context)
