"""`/myaccount`: who I am to CamShare, with buttons to change the region and share the phone."""

from dataclasses import dataclass

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.accounts.onboarding import SearchRegion
from handlers.common.accounts import current_account
from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.formatting import escape, region_label
from handlers.common.keyboards import button, inline, share_phone_keyboard
from sharing.devices import devices


@dataclass(frozen=True)
class OfferPhone(CallbackData, prefix="acp"):
    pass


async def show_account(update: Update, context: CamShareContext) -> None:
    account = await current_account(update, context)
    if account is None:
        return
    async with context.services.database.read() as session:
        device_count = await devices.count_devices(session, owner_id=account.id)
    username = f" (@{escape(account.username)})" if account.username else ""
    lines = [
        f"👤 <b>{escape(account.display_name)}</b>{username}",
        f"Region: {region_label(account.region)}",
        f"Phone: {account.phone} ✅" if account.phone else "Phone: not shared",
        f"Email: {escape(account.email)} ✅" if account.email else "Email: not verified",
        f"Devices: {device_count}",
    ]
    phone_button = [] if account.phone else [button("📱 Share phone number", OfferPhone())]
    assert update.effective_message
    await update.effective_message.reply_html(
        "\n".join(lines),
        reply_markup=inline([button("🌍 Change region", SearchRegion())], phone_button),
    )


async def offer_phone(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_chat
    await query.answer()
    await update.effective_chat.send_message(
        "Tap “📱 Share my phone number” below: Telegram then sends me your own number.",
        reply_markup=share_phone_keyboard(),
    )


def build_handlers() -> list[Handler]:
    return [
        CommandHandler("myaccount", show_account, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(offer_phone, pattern=OfferPhone.pattern()),
    ]
