"""Deep links and QR codes: the device QR code that others scan to apply for a share, the
account QR code that owners scan to share with someone, and photos of either sent to the bot.

A link's payload is a random token (sharing.applications.link_tokens); whatever opens it (the /start
payload, a photo, a button carrying the token) is checked against the database every time.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.common.accounts import current_account
from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, inline
from handlers.common.owed import Close, Delivery, MessageKind, Send, owe, renders, send_owed
from handlers.groups import lines as group_lines
from handlers.qr.images import (
    MAX_PHOTO_BYTES,
    UnreadablePhoto,
    deep_link,
    read_qr_codes,
    render_qr_png,
)
from languages import _, ngettext
from sharing.applications import applications, link_tokens
from sharing.applications.link_tokens import AccountLink, DeviceLink
from sharing.errors import ApplicationNotFound, LinkNotFound, SharingError
from sharing.groups import group_outbox
from sharing.people.person_outbox import Payload
from sharing.views import ApplicationView, MessageRef
from storage.models import ApplicationState
from wording.formatting import escape, format_moment
from wording.refusals import as_alert, describe

log = logging.getLogger(__name__)

PENDING_LINK_KEY = "pending_link"
"""user_data key: a link opened before onboarding finished, opened again once it has."""


@dataclass(frozen=True)
class ShowDeviceQr(CallbackData, prefix="qrd"):
    device_id: int


@dataclass(frozen=True)
class RenewAccountQr(CallbackData, prefix="qra"):
    pass


@dataclass(frozen=True)
class ApplyForShare(CallbackData, prefix="apl"):
    token: str


@dataclass(frozen=True)
class ReviewApplication(CallbackData, prefix="apr"):
    application_id: int


@dataclass(frozen=True)
class ListApplications(CallbackData, prefix="apw"):
    """The applications that wait for the owner's answer (handlers.qr.pending)."""

    device: int
    """The device's id; 0 (which no id is): every device of the owner's, from /shared."""
    offset: int


@dataclass(frozen=True)
class ShareWithAccount(CallbackData, prefix="swa"):
    token: str


def applications_waiting(count: int) -> str:
    """The line a device card or /shared shows while applications wait for the owner."""
    return ngettext(
        "📨 {count} application waits for your answer",
        "📨 {count} applications wait for your answer",
        count,
    ).format(count=count)


def review_keyboard(application_id: int) -> InlineKeyboardMarkup:
    return inline([button(_("🔍 Review"), ReviewApplication(application_id))])


def waiting_application_text(applicant_name: str, device_name: str) -> str:
    """An application's message once it is not new: after a review was left, in a reminder."""
    return _(
        "📨 Sharing application from <b>{applicant}</b> for <b>{device}</b>: it waits for your"
        " answer. Review it to choose what they get, then accept or reject."
    ).format(applicant=escape(applicant_name), device=escape(device_name))


# --- making the codes ----------------------------------------------------------------------------


async def send_device_qr(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user and update.effective_chat
    device_id = ShowDeviceQr.unpack(query.data).device_id
    services = context.services
    try:
        async with services.database.write() as session:
            issued = await link_tokens.issue_device_token(
                session,
                owner_id=update.effective_user.id,
                device_id=device_id,
                ttl=services.invite_ttl,
                now=services.clock(),
            )
            link = await link_tokens.open_link(session, token=issued.token, now=services.clock())
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    assert isinstance(link, DeviceLink) and issued.expires_at is not None
    png = await render_qr_png(deep_link(context.bot.username, issued.token))
    await update.effective_chat.send_photo(
        png,
        caption=_(
            "🔳 QR code for <b>{device}</b>.\n\nWhoever scans it with their phone's camera, or"
            " sends me a photo of it, can apply for access; you then choose the channels and"
            " permissions they get.\n\nValid until {moment}. A new code stops this one."
        ).format(device=escape(link.device.name), moment=format_moment(issued.expires_at)),
        parse_mode=ParseMode.HTML,
        reply_markup=inline([button(_("🔄 New code"), ShowDeviceQr(device_id))]),
    )


async def send_account_qr(update: Update, context: CamShareContext) -> None:
    account = await current_account(update, context)
    if account is None:
        return
    if update.callback_query:
        await update.callback_query.answer()
    services = context.services
    async with services.database.write() as session:
        issued = await link_tokens.issue_account_token(
            session, account_id=account.id, now=services.clock()
        )
    png = await render_qr_png(deep_link(context.bot.username, issued.token))
    assert update.effective_chat
    await update.effective_chat.send_photo(
        png,
        caption=_(
            "🔳 Your CamShare code. Show it to a device owner: when they scan it, or send me a"
            " photo of it, they can share a device with you.\n\nA new code stops this one."
        ),
        reply_markup=inline([button(_("🔄 New code"), RenewAccountQr())]),
    )


# --- opening them --------------------------------------------------------------------------------


async def open_link(update: Update, context: CamShareContext, token: str) -> None:
    """What a deep link or a photographed code opens, as a question with one button."""
    message = update.effective_message
    assert message and update.effective_user
    services = context.services
    try:
        async with services.database.read() as session:
            link = await link_tokens.open_link(session, token=token, now=services.clock())
    except SharingError as error:
        await message.reply_html(describe(error))
        return
    text, keyboard = _link_question(link, viewer_id=update.effective_user.id)
    await message.reply_html(text, reply_markup=keyboard)


def _link_question(
    link: DeviceLink | AccountLink, *, viewer_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    if isinstance(link, DeviceLink):
        device = escape(link.device.name)
        if link.owner.id == viewer_id:
            own = _(
                "This is the QR code of your own device <b>{device}</b>: show it to whoever"
                " applies."
            ).format(device=device)
            return own, None
        return (
            _(
                "📷 <b>{device}</b>, shared by <b>{owner}</b>.\n\nApply for sharing? The owner"
                " chooses which channels and permissions you get."
            ).format(device=device, owner=escape(link.owner.display_name)),
            inline([button(_("📨 Apply for sharing"), ApplyForShare(link.token))]),
        )
    if link.account.id == viewer_id:
        own = _("This is your own CamShare code: show it to an owner who will share with you.")
        return own, None
    return (
        _("Share a device with <b>{person}</b>?").format(person=escape(link.account.display_name)),
        inline([button(_("📤 Choose a device"), ShareWithAccount(link.token))]),
    )


async def receive_photo(update: Update, context: CamShareContext) -> None:
    """A photo of a QR code (ours, someone else's, or none)."""
    message = update.effective_message
    assert message
    if await current_account(update, context) is None:
        return
    payload = await photographed_payload(message, context)
    if payload is not None:
        await open_link(update, context, payload)


async def photographed_payload(message: Message, context: CamShareContext) -> str | None:
    """The one CamShare payload in the photo; otherwise say what is wrong and return None."""
    photo = message.photo[-1] if message.photo else message.document
    assert photo is not None
    try:
        if photo.file_size and photo.file_size > MAX_PHOTO_BYTES:
            raise UnreadablePhoto("file too large")
        file = await photo.get_file()
        found = await read_qr_codes(
            bytes(await file.download_as_bytearray()), bot_username=context.bot.username
        )
    except UnreadablePhoto:
        await message.reply_text(
            _(
                "I can't read this image: send a photo (JPEG or PNG) of at most {megabytes} MB."
            ).format(megabytes=MAX_PHOTO_BYTES // 2**20)
        )
        return None
    payloads = set(found.payloads)
    if len(payloads) == 1:
        return found.payloads[0]
    if len(payloads) > 1:
        await message.reply_text(_("I see several CamShare codes here: send a photo of just one."))
    elif found.others:
        await message.reply_text(_("This QR code is not a CamShare code."))
    else:
        await message.reply_text(
            _(
                "I couldn't find a QR code in this photo. Take it again closer, with the whole"
                " code in view, sharp and well lit."
            )
        )
    return None


async def apply_for_share(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    applicant = update.effective_user
    services = context.services
    try:
        async with services.database.write() as session:
            link = await link_tokens.open_link(
                session, token=ApplyForShare.unpack(query.data).token, now=services.clock()
            )
            if not isinstance(link, DeviceLink):
                raise LinkNotFound()
            application, is_new = await applications.apply_for_share(
                session,
                applicant_id=applicant.id,
                device_id=link.device.id,
                ttl=services.invite_ttl,
                now=services.clock(),
            )
            owed = []
            if is_new:
                news = [(application.device.id, partial(group_lines.application_sent, application))]
                await group_outbox.queue_device_news(session, news, now=services.clock())
                payload = {
                    "application": application.id,
                    "owner": application.owner_id,
                    "applicant": applicant.full_name,
                }
                owed.append(
                    await owe(
                        context, session, application.owner_id, MessageKind.APPLICATION_NEW, payload
                    )
                )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    if not is_new:
        await _still_waiting(update, context, application, owner_name=link.owner.display_name)
        return
    await query.answer(_("Application sent"))
    device = escape(application.device.name)
    await query.edit_message_text(
        _(
            "📨 Your application for <b>{device}</b> was sent to {owner}. You'll hear back here;"
            " it expires on {moment}."
        ).format(
            device=device,
            owner=escape(link.owner.display_name),
            moment=format_moment(application.expires_at),
        ),
        parse_mode=ParseMode.HTML,
    )
    await send_owed(context, owed)


@renders(MessageKind.APPLICATION_NEW)
async def _new_application(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    """The owner's message with Review, while the application waits (nothing once decided or
    expired: there is nothing left to review)."""
    application_id = payload["application"]
    async with context.services.database.read() as session:
        try:
            application = await applications.get_application(
                session, application_id=application_id, account_id=payload["owner"]
            )
        except ApplicationNotFound:
            return ()
    if application.state != ApplicationState.PENDING:
        return ()
    text = _(
        "📨 New sharing application from <b>{applicant}</b> for <b>{device}</b>. Review it to"
        " choose what they get, then accept or reject."
    ).format(applicant=escape(payload["applicant"]), device=escape(application.device.name))
    recorded = partial(_record_application_prompt, application_id)
    return (Send(text, review_keyboard(application_id), recorded=recorded),)


async def _record_application_prompt(
    application_id: int, session: AsyncSession, prompt: MessageRef
) -> None:
    await applications.set_application_prompt(session, application_id=application_id, prompt=prompt)


async def _still_waiting(
    update: Update, context: CamShareContext, application: ApplicationView, *, owner_name: str
) -> None:
    """The applicant applied again while their application waits: the owner is reminded, at
    most once an hour (`applications.claim_reminder`), and the applicant told which."""
    query = update.callback_query
    assert query
    services = context.services
    async with services.database.write() as session:
        remind = await applications.claim_reminder(
            session, application_id=application.id, now=services.clock()
        )
        if remind:
            owner_id = application.owner_id
            payload: dict[str, object] = {"application": application.id, "owner": owner_id}
            previous = application.reminder
            if previous is not None and previous != application.prompt:
                payload["previous"] = [previous.chat_id, previous.message_id]
            owed = await owe(context, session, owner_id, MessageKind.APPLICATION_REMINDER, payload)
    reminded = remind and (await send_owed(context, [owed]))[owed.id]
    await query.answer(_("Still waiting"))
    if reminded:
        text = _(
            "⏳ Your application for <b>{device}</b> from {sent} still waits for {owner}'s answer;"
            " they have been reminded. It expires on {expires}."
        )
    elif remind:
        text = _(
            "⏳ Your application for <b>{device}</b> from {sent} still waits for {owner}'s answer;"
            " I could not remind them: they have blocked the bot or left Telegram. It expires on"
            " {expires}."
        )
    else:
        text = _(
            "⏳ Your application for <b>{device}</b> from {sent} still waits for {owner}'s answer;"
            " they heard about it within the last hour, so I did not remind them again. It"
            " expires on {expires}."
        )
    await query.edit_message_text(
        text.format(
            device=escape(application.device.name),
            sent=format_moment(application.created_at),
            owner=escape(owner_name),
            expires=format_moment(application.expires_at),
        ),
        parse_mode=ParseMode.HTML,
    )


@renders(MessageKind.APPLICATION_REMINDER)
async def _reminder(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    """A reminder with Review, recorded so that a decision or the expiry takes its button away;
    the previous reminder loses its button, unless the owner reviews in it. Nothing once the
    application is decided or expired."""
    async with context.services.database.read() as session:
        try:
            application = await applications.get_application(
                session, application_id=payload["application"], account_id=payload["owner"]
            )
        except ApplicationNotFound:
            return ()
    if application.state != ApplicationState.PENDING:
        return ()
    reminder = _("⏰ Reminder: {application}").format(
        application=waiting_application_text(
            application.applicant.display_name, application.device.name
        )
    )
    recorded = partial(_record_reminder, application.id)
    deliveries: list[Delivery] = [
        Send(reminder, review_keyboard(application.id), recorded=recorded)
    ]
    if "previous" in payload:
        replaced = _(
            "⏰ Reminder about {applicant}'s application for {device}: see the newer one below."
        ).format(
            applicant=escape(application.applicant.display_name),
            device=escape(application.device.name),
        )
        deliveries.append(Close(MessageRef(*payload["previous"]), replaced))
    return deliveries


async def _record_reminder(
    application_id: int, session: AsyncSession, reminder: MessageRef
) -> None:
    await applications.set_application_reminder(
        session, application_id=application_id, reminder=reminder
    )


def build_handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("myqr", send_account_qr, filters=private),
        CallbackQueryHandler(send_account_qr, pattern=RenewAccountQr.pattern()),
        CallbackQueryHandler(send_device_qr, pattern=ShowDeviceQr.pattern()),
        CallbackQueryHandler(apply_for_share, pattern=ApplyForShare.pattern()),
        MessageHandler(private & (filters.PHOTO | filters.Document.IMAGE), receive_photo),
    ]
