"""Small builders for keyboards used on several screens, and redrawing a tapped screen."""

import html
import re
from collections.abc import Sequence

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from telegram.constants import ParseMode

from handlers.common.callback_data import CallbackData
from languages import LANGUAGES, N_, _, speaking

SHARE_PHONE_BUTTON = N_("📱 Share my phone number")
NOT_NOW_BUTTON = N_("Not now")
"""In English; the keyboard shows them in the reader's language."""
_TAG = re.compile(r"<[^>]*>")


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def inline(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows, leaving out empty rows."""
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def share_phone_keyboard() -> ReplyKeyboardMarkup:
    """Telegram sends the user's own contact when they tap the first button (R10 proof)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_(SHARE_PHONE_BUTTON), request_contact=True)], [_(NOT_NOW_BUTTON)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def in_every_language(label: str) -> list[str]:
    """A reply button's label (English, marked with N_) as each language shows it: what a
    tap on it may send back, for the handler's text filter."""
    labels = []
    for language in LANGUAGES:
        with speaking(language):
            labels.append(_(label))
    return sorted(set(labels))


async def edit_screen(
    query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Redraw the tapped message: its HTML text and its inline keyboard (None removes it).

    A repeated tap often draws the very screen already shown, which Telegram refuses ("message
    is not modified"): that edit is not sent. The text is compared as the user reads it, tags
    left out, so a change of formatting alone would not be drawn; our screens never make one.
    """
    message = query.message
    if (
        isinstance(message, Message)
        and message.text == plain_text(text)
        and message.reply_markup == keyboard
    ):
        return
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the inline keyboard off the tapped message, if it still has one."""
    message = query.message
    if isinstance(message, Message) and message.reply_markup is None:
        return
    await query.edit_message_reply_markup(reply_markup=None)


def plain_text(html_text: str) -> str:
    """HTML as Telegram shows it: tags gone, entities decoded."""
    return html.unescape(_TAG.sub("", html_text))
