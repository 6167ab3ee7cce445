"""The last handlers: whatever no step expected still gets an answer that says what to do."""

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.common.cancel import nothing_to_cancel
from handlers.common.context import CamShareContext, Handler
from languages import _


async def unknown_command(update: Update, context: CamShareContext) -> None:
    message = update.effective_message
    assert message and message.text
    command = message.text.split()[0].split("@")[0]
    await message.reply_text(
        _("I don't know the command {command}. Send /help to see mine.").format(command=command)
    )


async def unexpected_message(update: Update, context: CamShareContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(
        _(
            "I'm not waiting for a message right now. Send /help to see what I can do,"
            " or /devices to see your devices."
        )
    )


async def stale_button(update: Update, context: CamShareContext) -> None:
    """A button from a finished wizard or an old message: answer it, never leave it spinning."""
    query = update.callback_query
    assert query
    await query.answer(
        _("This button is no longer active. Send /help to start again."), show_alert=True
    )


def build_handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("cancel", nothing_to_cancel, filters=private),
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & ~filters.StatusUpdate.ALL, unexpected_message),
        CallbackQueryHandler(stale_button),
    ]
