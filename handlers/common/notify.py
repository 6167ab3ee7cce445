"""Messages the bot sends on its own (not as a reply): a recipient who blocked the bot or never
started it must not break the flow that tried to tell them; the failure is recorded instead."""

import logging
import re

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from handlers.common.context import CamShareContext
from sharing.people import accounts

log = logging.getLogger(__name__)

CHAT_NOT_FOUND = re.compile("chat not found", re.IGNORECASE)
"""Telegram's words for a chat the bot cannot write to (never started, or gone)."""


async def send_notice(
    context: CamShareContext,
    account_id: int,
    html_text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send `html_text` (and buttons) to the account's private chat; returns the message sent,
    to be edited later, or None when Telegram refused it (the account is then marked
    unreachable)."""
    try:
        sent = await context.bot.send_message(
            account_id, html_text, parse_mode=ParseMode.HTML, reply_markup=reply_markup
        )
    except (Forbidden, BadRequest) as error:
        if isinstance(error, BadRequest) and not CHAT_NOT_FOUND.search(error.message):
            raise
        log.info("account %s is unreachable: %s", account_id, error.message)
        services = context.services
        async with services.database.write() as session:
            await accounts.mark_unreachable(session, account_id=account_id, now=services.clock())
        return None
    return sent
