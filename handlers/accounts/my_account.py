"""`/myaccount`: who I am to CamShare, with buttons to change the region and the time zone and to
share the phone. The time zone is typed (a city, a zone name or an offset from UTC) in a small
wizard; sharing.people.time_zones reads it."""

from dataclasses import dataclass
from enum import IntEnum, auto

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.accounts.onboarding import SearchRegion
from handlers.common.accounts import current_account
from handlers.common.callback_data import CallbackData
from handlers.common.cancel import cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, inline, share_phone_keyboard
from handlers.common.wizards import Wizard
from languages import N_, _, time_zone_name
from sharing.devices import devices
from sharing.errors import SharingError
from sharing.people import accounts, time_zones
from sharing.people.accounts import AccountView
from wording.formatting import escape, region_label
from wording.refusals import describe

TIME_ZONE_WIZARD = "time_zone"


@dataclass(frozen=True)
class OfferPhone(CallbackData, prefix="acp"):
    pass


@dataclass(frozen=True)
class ChangeTimeZone(CallbackData, prefix="acz"):
    pass


class TimeZoneStep(IntEnum):
    ZONE = auto()


async def show_account(update: Update, context: CamShareContext) -> None:
    account = await current_account(update, context)
    if account is None:
        return
    assert update.effective_message
    await _send_account(update.effective_message, context, account)


async def _send_account(message: Message, context: CamShareContext, account: AccountView) -> None:
    async with context.services.database.read() as session:
        device_count = await devices.count_devices(session, owner_id=account.id)
    text, keyboard = _account_screen(account, device_count)
    await message.reply_html(text, reply_markup=keyboard)


def _account_screen(account: AccountView, device_count: int) -> tuple[str, InlineKeyboardMarkup]:
    username = f" (@{escape(account.username)})" if account.username else ""
    lines = [
        f"👤 <b>{escape(account.display_name)}</b>{username}",
        _("Region: {region}").format(region=region_label(account.region)),
        _("Time zone: {zone}").format(zone=time_zone_label(account.time_zone)),
        _("Phone: {phone} ✅").format(phone=account.phone)
        if account.phone
        else _("Phone: not shared"),
        _("Email: {email} ✅").format(email=escape(account.email))
        if account.email
        else _("Email: not verified"),
        _("Devices: {count}").format(count=device_count),
    ]
    phone_button = [] if account.phone else [button(_("📱 Share phone number"), OfferPhone())]
    keyboard = inline(
        [button(_("🌍 Change region"), SearchRegion())],
        [button(_("🕒 Time zone"), ChangeTimeZone())],
        phone_button,
    )
    return "\n".join(lines), keyboard


def time_zone_label(zone: str) -> str:
    return escape(time_zone_name(zone))


async def offer_phone(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_chat
    await query.answer()
    await update.effective_chat.send_message(
        _("Tap “📱 Share my phone number” below: Telegram then sends me your own number."),
        reply_markup=share_phone_keyboard(),
    )


async def ask_time_zone(update: Update, context: CamShareContext) -> TimeZoneStep | int:
    query = update.callback_query
    assert query and update.effective_chat
    if await current_account(update, context) is None:
        return ConversationHandler.END
    await query.answer()
    await update.effective_chat.send_message(
        _(
            "Type your time zone: your city, like <code>Berlin</code> or <code>New York</code>,"
            " a zone name like <code>Europe/Berlin</code>, or an offset from UTC like"
            " <code>UTC+3</code>."
        )
        + "\n"
        + _("Send /cancel to stop."),
        parse_mode=ParseMode.HTML,
    )
    return TimeZoneStep.ZONE


async def receive_time_zone(update: Update, context: CamShareContext) -> TimeZoneStep | int:
    message = update.effective_message
    assert message and message.text is not None
    account = await current_account(update, context)
    if account is None:
        return ConversationHandler.END
    try:
        zone = time_zones.find_time_zone(message.text)
        async with context.services.database.write() as session:
            account = await accounts.set_time_zone(session, account_id=account.id, time_zone=zone)
        context.services.readers.forget(account.id)
    except SharingError as error:
        await message.reply_html(describe(error) + "\n" + _("Send /cancel to stop."))
        return TimeZoneStep.ZONE
    await _send_account(message, context, account)
    return ConversationHandler.END


def build_handlers() -> list[Handler]:
    time_zone = Wizard(
        title=N_("setting your time zone"),
        waiting_for={TimeZoneStep.ZONE: N_("your city or time zone, like Berlin or UTC+3")},
        entry_points=[CallbackQueryHandler(ask_time_zone, pattern=ChangeTimeZone.pattern())],
        states={
            TimeZoneStep.ZONE: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_time_zone)]
        },
        fallbacks=[cancel_fallback()],
        name=TIME_ZONE_WIZARD,
        conversation_timeout=15 * 60,
    )
    return [
        CommandHandler("myaccount", show_account, filters=filters.ChatType.PRIVATE),
        time_zone,
        CallbackQueryHandler(offer_phone, pattern=OfferPhone.pattern()),
    ]
