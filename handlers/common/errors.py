"""The global error handler: log, and tell the user something useful instead of nothing."""

import logging
import re

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from handlers.common.context import CamShareContext
from languages import N_, _

log = logging.getLogger(__name__)

_NOT_MODIFIED = re.compile("message is not modified", re.IGNORECASE)
"""Telegram's words for an edit that changes nothing."""

SORRY = N_(
    "Sorry, something went wrong on my side. Please try again, or send /cancel and start over."
)


async def handle_error(update: object, context: CamShareContext) -> None:
    error = context.error
    if isinstance(error, BadRequest) and _NOT_MODIFIED.search(error.message):
        return  # a double tap re-rendered the same screen: harmless
    if isinstance(error, Forbidden):
        log.info("Telegram refused a message: %s", error.message)
        return
    # Never the update itself: its text may be what a person typed at a password step (R14).
    log.error("error while handling %s", _described(update), exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(_(SORRY), show_alert=True)
        elif update.effective_message and update.effective_chat:
            await update.effective_message.reply_text(_(SORRY))
    except TelegramError:
        log.warning("could not tell the user about the error", exc_info=True)


def _described(update: object) -> str:
    """Which update failed, without what it says: its id and kind."""
    if not isinstance(update, Update):
        return type(update).__name__
    kinds = [
        name for name in ("message", "callback_query", "my_chat_member") if getattr(update, name)
    ]
    return f"{type(update).__name__} {update.update_id} ({', '.join(kinds) or 'other'})"
