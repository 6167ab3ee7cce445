"""Small builders for keyboards used on several screens, and redrawing a tapped screen."""

from collections.abc import Sequence

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.constants import ParseMode

from handlers.common.callback_data import CallbackData

SHARE_PHONE_BUTTON = "📱 Share my phone number"
NOT_NOW_BUTTON = "Not now"


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def inline(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows, leaving out empty rows."""
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def share_phone_keyboard() -> ReplyKeyboardMarkup:
    """Telegram sends the user's own contact when they tap the first button (R10 proof)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(SHARE_PHONE_BUTTON, request_contact=True)], [NOT_NOW_BUTTON]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def edit_screen(
    query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Redraw the tapped message: its HTML text and its inline keyboard (None removes it)."""
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
