"""`/cancel` leaves any wizard, and says so when there is none."""

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler, ConversationHandler

from handlers.common.context import CamShareContext, Handler
from languages import _

DRAFTS_KEY = "drafts"
"""user_data key under which wizards keep what the user typed so far, by wizard name."""


async def cancel_wizard(update: Update, context: CamShareContext) -> int:
    """Fallback of every conversation: drop the draft, store nothing."""
    if context.user_data is not None:
        context.user_data.pop(DRAFTS_KEY, None)
    assert update.effective_message
    await update.effective_message.reply_text(
        _("Cancelled. Nothing was saved. Send /help to see what I can do."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return ConversationHandler.END


async def nothing_to_cancel(update: Update, context: CamShareContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(
        _("There is nothing to cancel right now. Send /help to see what I can do."),
        reply_markup=ReplyKeyboardRemove(),
    )


def cancel_fallback() -> Handler:
    return CommandHandler("cancel", cancel_wizard)
