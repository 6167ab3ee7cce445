"""Step 2 of /share: who receives the device. A phone number, an email address or an @username
typed by the owner, Telegram's user picker, a contact (shared or forwarded), or a photo of the
recipient's account QR code. Rules that can be told now refuse here (`sharing.shares.preview`)."""

from telegram import (
    KeyboardButton,
    KeyboardButtonRequestUsers,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ConversationHandler

from handlers.common.accounts import current_account
from handlers.common.context import CamShareContext
from handlers.qr.links import photographed_payload
from handlers.share import screens
from handlers.share.screens import ShareDraft
from handlers.share.state import Step, current_draft
from languages import N_, _
from sharing.applications import link_tokens
from sharing.applications.link_tokens import AccountLink
from sharing.errors import InvalidPhone, SharingError
from sharing.people.accounts import normalise_phone
from sharing.people.recipients import parse_recipient, user_address
from sharing.shares import preview
from sharing.views import Address
from storage.models import AddressKind
from wording.formatting import address_label, escape
from wording.refusals import describe

PICK_USER_BUTTON = N_("👤 Choose a Telegram user")
BACK_BUTTON = N_("« Back to devices")
PICK_USER_REQUEST_ID = 1


def sharing_device(device_name: str) -> str:
    """What the device list's message reads once a device is chosen."""
    return _("📤 Share <b>{device}</b>.").format(device=escape(device_name))


def _recipient_keyboard() -> ReplyKeyboardMarkup:
    picker = KeyboardButtonRequestUsers(
        request_id=PICK_USER_REQUEST_ID,
        user_is_bot=False,
        max_quantity=1,
        request_name=True,
        request_username=True,
    )
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_(PICK_USER_BUTTON), request_users=picker)], [_(BACK_BUTTON)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def ask_recipient(message: object, draft: ShareDraft) -> None:
    assert isinstance(message, Message)
    await message.reply_html(
        _(
            "Who should receive <b>{device}</b>? Send their phone number (like +44 7700 900123),"
            " email address or @username, pick them with the button below, or forward me their"
            " contact. Send /cancel to stop."
        ).format(device=escape(draft.device_name)),
        reply_markup=_recipient_keyboard(),
    )


async def receive_typed_recipient(update: Update, context: CamShareContext) -> Step | int:
    """A typed phone number is read in the owner's region, read afresh: they may have changed
    it since /share (a refusal for R3 names it), and the preview then compares with it."""
    message = update.effective_message
    assert message and message.text is not None
    account = await current_account(update, context)
    if account is None:
        return ConversationHandler.END
    try:
        address = parse_recipient(message.text, region=account.region)
    except SharingError as error:
        await message.reply_html(describe(error))
        return Step.RECIPIENT
    return await choose_recipient(
        update, context, address, address_label(address), owner_region=account.region
    )


async def receive_contact(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message and message.contact
    contact = message.contact
    label = " ".join(filter(None, [contact.first_name, contact.last_name])) or contact.phone_number
    if contact.user_id:
        return await choose_recipient(update, context, user_address(contact.user_id), label)
    try:
        address = Address(AddressKind.PHONE, normalise_phone(contact.phone_number))
    except InvalidPhone as error:
        await message.reply_html(describe(error))
        return Step.RECIPIENT
    return await choose_recipient(update, context, address, label)


async def receive_picked_user(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message and message.users_shared
    picked = message.users_shared.users[0]
    label = " ".join(filter(None, [picked.first_name, picked.last_name])) or (
        f"@{picked.username}"
        if picked.username
        else _("user {user_id}").format(user_id=picked.user_id)
    )
    return await choose_recipient(update, context, user_address(picked.user_id), label)


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
            _(
                "That is a device's QR code. To choose a recipient, send a photo of their account"
                " code (they get it with /myqr)."
            )
        )
        return Step.RECIPIENT
    return await choose_recipient(
        update, context, user_address(link.account.id), link.account.display_name
    )


async def choose_recipient(
    update: Update,
    context: CamShareContext,
    address: Address,
    label: str,
    *,
    owner_region: str | None = None,
) -> Step | int:
    message = update.effective_message
    draft = current_draft(context)
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
                owner_region=owner_region,
            )
    except SharingError as error:
        await message.reply_html(
            f"{describe(error)}\n\n" + _("Send another recipient, or /cancel.")
        )
        return Step.RECIPIENT
    draft.recipient = address
    draft.recipient_label = seen.account.display_name if seen.account else label
    draft.grants = {}
    draft.editing = seen.existing is not None
    if seen.existing:
        draft.grants = {g.channel_number: g.permissions for g in seen.existing.grants}
        note = _("{recipient} already has this device: you are editing that share.")
    else:
        draft.select_all()
        note = (
            _("Recipient: <b>{recipient}</b>.")
            if seen.account is not None
            else _(
                "Recipient: <b>{recipient}</b>. They have not proved this address on CamShare"
                " yet; the invitation waits for them."
            )
        )
    note = note.format(recipient=escape(draft.recipient_label))
    draft.page, draft.on_permissions = 0, False
    await message.reply_html(note, reply_markup=ReplyKeyboardRemove())
    text, keyboard = screens.channels_screen(draft)
    screen = await message.reply_html(text, reply_markup=keyboard)
    draft.screen_message_id = screen.message_id
    return Step.SCREENS
