"""`/share` (or Share on a device card): device, recipient, channels, permissions, summary,
Finish. See share.mmd for the diagram.

The recipient step takes a phone number, an email address or an @username typed by the owner,
a user picked with Telegram's user picker, or a contact (shared or forwarded). The later steps
edit one message in place. Each step refuses what its rule forbids as soon as it can tell
(`sharing.preview`); Finish saves through `sharing.shares.share_device`, which checks every
rule again under locks, and then sends the recipient their prompt.
"""

from dataclasses import dataclass
from enum import IntEnum, auto
from typing import Any

from telegram import (
    CallbackQuery,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers import share_screens as screens
from handlers.accounts import current_account
from handlers.callback_data import CallbackData
from handlers.cancel import DRAFTS_KEY, cancel_fallback
from handlers.context import CamShareContext, Handler
from handlers.device_card import ShareDevice
from handlers.formatting import device_type_icon, escape, format_moment
from handlers.grants_text import grant_lines
from handlers.invitations import close_prompt, deliver_invitation
from handlers.keyboards import button, inline
from handlers.links import ReviewApplication, ShareWithAccount, photographed_payload
from handlers.notify import notify
from handlers.refusals import describe
from handlers.share_screens import ShareDraft
from sharing import applications, devices, link_tokens, preview, share_queries, shares
from sharing.accounts import normalise_phone
from sharing.errors import (
    ApplicationNotPending,
    InvalidPhone,
    LinkNotFound,
    NotDeviceOwner,
    ShareNotActive,
    ShareToSelf,
    SharingError,
)
from sharing.link_tokens import AccountLink
from sharing.recipients import parse_recipient, user_address
from sharing.views import Address, ShareChange
from storage.models import (
    ALL_PERMISSIONS,
    LIVE_SHARE_STATES,
    AddressKind,
    ApplicationState,
    Permission,
    ShareState,
)

WIZARD = "share"
PRESET_RECIPIENT = "share_recipient"
"""drafts key: the recipient of a scanned account code, until the device is chosen."""
DEVICES_PER_PAGE = 8
PICK_USER_BUTTON = "👤 Choose a Telegram user"
BACK_BUTTON = "« Back to devices"
PICK_USER_REQUEST_ID = 1


class Step(IntEnum):
    DEVICE = auto()
    RECIPIENT = auto()
    SCREENS = auto()
    """Channels, permissions, one channel's permissions, summary: all drawn in one message."""


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


def _drafts(context: CamShareContext) -> dict[str, Any]:
    assert context.user_data is not None
    drafts: dict[str, Any] = context.user_data.setdefault(DRAFTS_KEY, {})
    return drafts


def _draft(context: CamShareContext) -> ShareDraft | None:
    draft: ShareDraft | None = _drafts(context).get(WIZARD)
    return draft


def _set_draft(context: CamShareContext, draft: ShareDraft | None) -> None:
    if draft is None:
        _drafts(context).pop(WIZARD, None)
    else:
        _drafts(context)[WIZARD] = draft


# --- step 1: the device --------------------------------------------------------------------------


async def start_from_command(update: Update, context: CamShareContext) -> Step | int:
    account = await current_account(update, context)
    if account is None:
        return ConversationHandler.END
    _set_draft(context, None)
    _drafts(context).pop(PRESET_RECIPIENT, None)
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
        return "You have no devices to share yet. Send /adddevice to add one.", None
    rows = [
        [button(f"{device_type_icon(item.type)} {item.name}", PickDevice(item.id))]
        for item in page.items
    ]
    paging = []
    if page.has_previous:
        paging.append(button("‹ Previous", DevicesPage(max(offset - DEVICES_PER_PAGE, 0))))
    if page.has_next:
        paging.append(button("Next ›", DevicesPage(offset + DEVICES_PER_PAGE)))
    return "📤 Which device do you want to share?", inline(*rows, paging)


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
        _set_draft(context, None)
        return ConversationHandler.END
    await query.answer()
    draft = ShareDraft(
        device_id=device.id,
        device_name=device.name,
        device_type=device.type,
        channels={channel.number: channel.name for channel in device.channels},
    )
    _set_draft(context, draft)
    await query.edit_message_text(
        f"📤 Share <b>{escape(device.name)}</b>.", parse_mode=ParseMode.HTML
    )
    preset = _drafts(context).pop(PRESET_RECIPIENT, None)
    if preset is not None:
        draft.recipient_fixed = True
        return await _choose_recipient(update, context, *preset)
    await _ask_recipient(query.message, draft)
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
        await query.answer(describe(error), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    _set_draft(context, None)
    _drafts(context)[PRESET_RECIPIENT] = (
        user_address(link.account.id),
        link.account.display_name,
    )
    text, keyboard = await _devices_screen(context, owner_id=update.effective_user.id, offset=0)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    return Step.DEVICE if keyboard else ConversationHandler.END


async def start_reviewing(update: Update, context: CamShareContext) -> Step | int:
    """The owner opens an application: the channel screens, everything selected (R8), in the
    application's message; the summary then offers Accept and Reject."""
    query = update.callback_query
    assert query and update.effective_user and isinstance(query.message, Message)
    owner_id = update.effective_user.id
    application_id = ReviewApplication.unpack(query.data).application_id
    try:
        async with context.services.database.read() as session:
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
    except SharingError as error:
        await query.answer(describe(error), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    draft = ShareDraft(
        device_id=device.id,
        device_name=device.name,
        device_type=device.type,
        channels={channel.number: channel.name for channel in device.channels},
        recipient=user_address(application.applicant.id),
        recipient_label=application.applicant.display_name,
        application_id=application.id,
        recipient_fixed=True,
        screen_message_id=query.message.message_id,
    )
    draft.select_all()
    _set_draft(context, draft)
    await _show(query, screens.channels_screen(draft))
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
        await query.answer(describe(error), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    if share.recipient is not None:
        recipient, label = user_address(share.recipient.id), share.recipient.display_name
    else:
        assert share.address is not None
        recipient, label = share.address, share.address.value
    draft = ShareDraft(
        device_id=device.id,
        device_name=device.name,
        device_type=device.type,
        channels={channel.number: channel.name for channel in device.channels},
        grants={grant.channel_number: grant.permissions for grant in share.grants},
        recipient=recipient,
        recipient_label=label,
        editing=True,
        recipient_fixed=True,
        screen_message_id=query.message.message_id,
    )
    _set_draft(context, draft)
    await _show(query, screens.channels_screen(draft))
    return Step.SCREENS


# --- step 2: the recipient -----------------------------------------------------------------------


def _recipient_keyboard() -> ReplyKeyboardMarkup:
    picker = KeyboardButtonRequestUsers(
        request_id=PICK_USER_REQUEST_ID,
        user_is_bot=False,
        max_quantity=1,
        request_name=True,
        request_username=True,
    )
    return ReplyKeyboardMarkup(
        [[KeyboardButton(PICK_USER_BUTTON, request_users=picker)], [BACK_BUTTON]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def _ask_recipient(message: object, draft: ShareDraft) -> None:
    assert isinstance(message, Message)
    await message.reply_html(
        f"Who should receive <b>{escape(draft.device_name)}</b>? Send their phone number"
        " (like +44 7700 900123), email address or @username, pick them with the button"
        " below, or forward me their contact. Send /cancel to stop.",
        reply_markup=_recipient_keyboard(),
    )


async def receive_typed_recipient(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message and message.text is not None and update.effective_user
    account = await current_account(update, context)
    if account is None:
        return ConversationHandler.END
    try:
        address = parse_recipient(message.text, region=account.region)
    except SharingError as error:
        await message.reply_html(describe(error))
        return Step.RECIPIENT
    label = {
        AddressKind.USERNAME: f"@{address.value}",
    }.get(address.kind, address.value)
    return await _choose_recipient(update, context, address, label)


async def receive_contact(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message and message.contact
    contact = message.contact
    label = " ".join(filter(None, [contact.first_name, contact.last_name])) or contact.phone_number
    if contact.user_id:
        return await _choose_recipient(update, context, user_address(contact.user_id), label)
    try:
        address = Address(AddressKind.PHONE, normalise_phone(contact.phone_number))
    except InvalidPhone as error:
        await message.reply_html(describe(error))
        return Step.RECIPIENT
    return await _choose_recipient(update, context, address, label)


async def receive_picked_user(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message and message.users_shared
    picked = message.users_shared.users[0]
    label = " ".join(filter(None, [picked.first_name, picked.last_name])) or (
        f"@{picked.username}" if picked.username else f"user {picked.user_id}"
    )
    return await _choose_recipient(update, context, user_address(picked.user_id), label)


async def receive_scanned_account(update: Update, context: CamShareContext) -> Step | int:
    """A photo of the recipient's account code (/myqr), as the Hik-Connect app's "scan"."""
    message = update.effective_message
    assert message
    token = await photographed_payload(message, context)
    if token is None:
        return Step.RECIPIENT
    services = context.services
    try:
        async with services.database.read() as session:
            link = await link_tokens.open_link(session, token=token, now=services.clock())
    except SharingError as error:
        await message.reply_html(describe(error))
        return Step.RECIPIENT
    if not isinstance(link, AccountLink):
        await message.reply_text(
            "That is a device's QR code. To choose a recipient, send a photo of their account"
            " code (they get it with /myqr)."
        )
        return Step.RECIPIENT
    return await _choose_recipient(
        update, context, user_address(link.account.id), link.account.display_name
    )


async def _choose_recipient(
    update: Update, context: CamShareContext, address: Address, label: str
) -> Step | int:
    message = update.effective_message
    draft = _draft(context)
    assert message and update.effective_user
    if draft is None:
        return ConversationHandler.END
    try:
        async with context.services.database.read() as session:
            seen = await preview.preview_recipient(
                session,
                owner_id=update.effective_user.id,
                device_id=draft.device_id,
                recipient=address,
            )
    except SharingError as error:
        await message.reply_html(f"{describe(error)}\n\nSend another recipient, or /cancel.")
        return Step.RECIPIENT
    draft.recipient = address
    draft.recipient_label = seen.account.display_name if seen.account else label
    draft.grants = {}
    draft.editing = seen.existing is not None
    if seen.existing:
        draft.grants = {g.channel_number: g.permissions for g in seen.existing.grants}
        note = (
            f"{escape(draft.recipient_label)} already has this device: you are editing that share."
        )
    else:
        draft.select_all()
        note = f"Recipient: <b>{escape(draft.recipient_label)}</b>."
        if seen.account is None:
            note += (
                " They have not proved this address on CamShare yet; the invitation waits for them."
            )
    draft.page, draft.on_permissions = 0, False
    await message.reply_html(note, reply_markup=ReplyKeyboardRemove())
    text, keyboard = screens.channels_screen(draft)
    screen = await message.reply_html(text, reply_markup=keyboard)
    draft.screen_message_id = screen.message_id
    return Step.SCREENS


async def back_to_devices(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message
    await message.reply_text("Choose another device.", reply_markup=ReplyKeyboardRemove())
    return await start_from_command(update, context)


# --- steps 3 to 6: the screens drawn in one message ----------------------------------------------


async def _current(
    update: Update, context: CamShareContext
) -> tuple[CallbackQuery, ShareDraft] | None:
    """The query and the draft, if the tap came from the screen the draft is drawn in."""
    query = update.callback_query
    assert query
    draft = _draft(context)
    message_id = query.message.message_id if query.message else None
    if draft is None or message_id != draft.screen_message_id:
        await query.answer(
            "This screen is out of date. Send /share to start again.", show_alert=True
        )
        return None
    return query, draft


async def _show(query: CallbackQuery, screen: screens.Screen) -> None:
    text, keyboard = screen
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def toggle_channel(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    number = screens.ToggleChannel.unpack(query.data).number
    if number not in draft.channels:
        await query.answer("That channel is not on this device.", show_alert=True)
        return
    if draft.grants.pop(number, None) is None:
        draft.grants[number] = ALL_PERMISSIONS
    await query.answer()
    await _show(query, screens.channels_screen(draft))


async def select_all_channels(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    draft.select_all()
    await query.answer("All channels selected")
    await _show(query, screens.channels_screen(draft))


async def select_no_channels(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    draft.grants.clear()
    await query.answer("No channels selected")
    await _show(query, screens.channels_screen(draft))


async def turn_page(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    draft.page = screens.TurnPage.unpack(query.data).page
    await query.answer()
    paged = screens.permissions_screen if draft.on_permissions else screens.channels_screen
    await _show(query, paged(draft))


async def show_channels(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    draft.page, draft.on_permissions = 0, False
    await query.answer()
    await _show(query, screens.channels_screen(draft))


async def show_permissions(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    if not draft.grants:
        await query.answer("Select at least one channel first.", show_alert=True)
        return
    if not draft.on_permissions:
        draft.page, draft.on_permissions = 0, True
    draft.channel = None
    await query.answer()
    await _show(query, screens.permissions_screen(draft))


async def edit_channel(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    number = screens.EditChannel.unpack(query.data).number
    if number not in draft.grants:
        await query.answer("That channel is not selected.", show_alert=True)
        return
    draft.channel = number
    await query.answer()
    await _show(query, screens.channel_screen(draft))


async def toggle_permission(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    if draft.channel is None:
        await query.answer()
        return
    try:
        flag = Permission(screens.TogglePermission.unpack(query.data).permission)
    except ValueError:
        flag = Permission(0)
    if flag not in screens.PERMISSION_LABELS:
        await query.answer("Unknown permission.", show_alert=True)
        return
    if flag in draft.required:
        await query.answer("Live View is always shared on cameras, NVRs and DVRs.", show_alert=True)
        return
    toggled = draft.grants[draft.channel] ^ flag
    if not toggled:
        await query.answer(
            "A shared channel needs at least one permission. To stop sharing it, unselect it"
            " on the channel screen.",
            show_alert=True,
        )
        return
    draft.grants[draft.channel] = toggled
    await query.answer()
    await _show(query, screens.channel_screen(draft))


async def apply_to_all_channels(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    if draft.channel is None:
        await query.answer()
        return
    chosen = draft.grants[draft.channel]
    draft.grants = dict.fromkeys(draft.grants, chosen)
    draft.channel = None
    await query.answer("Applied to every selected channel")
    await _show(query, screens.permissions_screen(draft))


async def save(update: Update, context: CamShareContext) -> None:
    current = await _current(update, context)
    if current is None:
        return
    query, draft = current
    await query.answer()
    await _show(query, screens.summary_screen(draft))


async def back_to_recipient(update: Update, context: CamShareContext) -> Step | None:
    current = await _current(update, context)
    if current is None:
        return None
    query, draft = current
    await query.answer()
    await query.edit_message_text(
        f"📤 Share <b>{escape(draft.device_name)}</b>.", parse_mode=ParseMode.HTML
    )
    draft.screen_message_id = None
    await _ask_recipient(query.message, draft)
    return Step.RECIPIENT


async def finish(update: Update, context: CamShareContext) -> int | None:
    current = await _current(update, context)
    if current is None:
        return None
    query, draft = current
    assert update.effective_user and draft.recipient is not None
    if draft.application_id is not None:
        return await _accept_application(update, context, query, draft)
    services = context.services
    try:
        async with services.database.write() as session:
            change = await shares.share_device(
                session,
                owner_id=update.effective_user.id,
                device_id=draft.device_id,
                recipient=draft.recipient,
                grants=draft.grants,
                ttl=services.invite_ttl,
                now=services.clock(),
            )
    except SharingError as error:
        await query.answer("Not saved", show_alert=False)
        await _show(query, screens.summary_screen(draft, problem=describe(error)))
        return None
    await query.answer("Saved")
    _set_draft(context, None)
    outcome = await _announce(context, change, update.effective_user.full_name)
    await query.edit_message_text(outcome, parse_mode=ParseMode.HTML)
    return ConversationHandler.END


async def _accept_application(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> int | None:
    assert update.effective_user and draft.application_id is not None
    services = context.services
    try:
        async with services.database.write() as session:
            accepted = await applications.accept_application(
                session,
                owner_id=update.effective_user.id,
                application_id=draft.application_id,
                grants=draft.grants,
                now=services.clock(),
            )
    except SharingError as error:
        await query.answer("Not saved")
        await _show(query, screens.summary_screen(draft, problem=describe(error)))
        return None
    await query.answer("Accepted")
    _set_draft(context, None)
    share = accepted.change.share
    device = f"<b>{escape(share.device.name)}</b>"
    await query.edit_message_text(
        f"✅ You accepted {escape(draft.recipient_label)}'s application for {device}.",
        parse_mode=ParseMode.HTML,
    )
    await notify(
        context,
        accepted.application.applicant.id,
        f"✅ {escape(update.effective_user.full_name)} accepted your application for {device}:\n"
        + "\n".join(grant_lines(share.grants)),
    )
    return ConversationHandler.END


async def reject_application(update: Update, context: CamShareContext) -> int | None:
    current = await _current(update, context)
    if current is None:
        return None
    query, draft = current
    assert update.effective_user and draft.application_id is not None
    services = context.services
    try:
        async with services.database.write() as session:
            rejected = await applications.reject_application(
                session,
                owner_id=update.effective_user.id,
                application_id=draft.application_id,
                now=services.clock(),
            )
    except SharingError as error:
        await query.answer(describe(error), show_alert=True)
        return None
    await query.answer("Rejected")
    _set_draft(context, None)
    device = f"<b>{escape(rejected.device.name)}</b>"
    await query.edit_message_text(
        f"❌ You rejected {escape(draft.recipient_label)}'s application for {device}.",
        parse_mode=ParseMode.HTML,
    )
    await notify(
        context,
        rejected.applicant.id,
        f"❌ {escape(update.effective_user.full_name)} rejected your application for {device}.",
    )
    return ConversationHandler.END


async def _announce(context: CamShareContext, change: ShareChange, owner_name: str) -> str:
    """Tell the recipient, and return what the owner should read."""
    share = change.share
    device = f"<b>{escape(share.device.name)}</b>"
    if share.recipient is None:
        assert share.address is not None and share.expires_at is not None
        return (
            f"⏳ Invitation to {device} saved for {escape(share.address.value)}. Nobody has proved"
            " this address on CamShare yet: the invitation reaches them when they start the bot"
            f" and prove it, until {format_moment(share.expires_at)}."
        )
    name = escape(share.recipient.display_name)
    if share.state == ShareState.ACTIVE:
        await notify(
            context,
            share.recipient.id,
            f"{escape(owner_name)} changed your access to {device}:\n"
            + "\n".join(grant_lines(share.grants)),
        )
        return f"✅ {name}'s access to {device} was updated; they have been told."
    if change.previous is not None:
        await close_prompt(
            context,
            change.previous.prompt,
            f"This invitation to {device} was changed by its owner: see the newer one.",
        )
    assert share.expires_at is not None
    if await deliver_invitation(context, share):
        return (
            f"✅ Invitation to {device} sent to {name}. It expires on"
            f" {format_moment(share.expires_at)}."
        )
    return (
        f"⏳ Invitation to {device} saved, but I could not deliver it to {name} yet: they have"
        f" not started the bot or have blocked it. It stays pending until"
        f" {format_moment(share.expires_at)} and reaches them when they start the bot."
    )


async def remind_to_use_buttons(update: Update, context: CamShareContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(
        "Use the buttons of the message above, or send /cancel to stop sharing."
    )


def build_handler() -> Handler:
    private = filters.ChatType.PRIVATE
    typed = filters.TEXT & ~filters.COMMAND
    screen_handlers: list[Handler] = [
        CallbackQueryHandler(toggle_channel, pattern=screens.ToggleChannel.pattern()),
        CallbackQueryHandler(select_all_channels, pattern=screens.SelectAllChannels.pattern()),
        CallbackQueryHandler(select_no_channels, pattern=screens.SelectNoChannels.pattern()),
        CallbackQueryHandler(turn_page, pattern=screens.TurnPage.pattern()),
        CallbackQueryHandler(show_channels, pattern=screens.ShowChannels.pattern()),
        CallbackQueryHandler(show_permissions, pattern=screens.ShowPermissions.pattern()),
        CallbackQueryHandler(edit_channel, pattern=screens.EditChannel.pattern()),
        CallbackQueryHandler(toggle_permission, pattern=screens.TogglePermission.pattern()),
        CallbackQueryHandler(apply_to_all_channels, pattern=screens.ApplyToAllChannels.pattern()),
        CallbackQueryHandler(save, pattern=screens.Save.pattern()),
        CallbackQueryHandler(finish, pattern=screens.Finish.pattern()),
        CallbackQueryHandler(reject_application, pattern=screens.RejectApplication.pattern()),
        CallbackQueryHandler(back_to_recipient, pattern=screens.BackToRecipient.pattern()),
        MessageHandler(typed, remind_to_use_buttons),
    ]
    return ConversationHandler(
        entry_points=[
            CommandHandler("share", start_from_command, filters=private),
            CallbackQueryHandler(start_from_card, pattern=ShareDevice.pattern()),
            CallbackQueryHandler(start_editing, pattern=EditShare.pattern()),
            CallbackQueryHandler(start_reviewing, pattern=ReviewApplication.pattern()),
            CallbackQueryHandler(start_for_account, pattern=ShareWithAccount.pattern()),
        ],
        states={
            Step.DEVICE: [
                CallbackQueryHandler(pick_device, pattern=PickDevice.pattern()),
                CallbackQueryHandler(turn_devices_page, pattern=DevicesPage.pattern()),
                MessageHandler(typed, remind_to_use_buttons),
            ],
            Step.RECIPIENT: [
                MessageHandler(filters.Text([BACK_BUTTON]), back_to_devices),
                MessageHandler(typed, receive_typed_recipient),
                MessageHandler(filters.CONTACT, receive_contact),
                MessageHandler(filters.StatusUpdate.USERS_SHARED, receive_picked_user),
                MessageHandler(filters.PHOTO | filters.Document.IMAGE, receive_scanned_account),
            ],
            Step.SCREENS: screen_handlers,
        },
        fallbacks=[cancel_fallback()],
        name=WIZARD,
        conversation_timeout=60 * 60,
    )
