"""`/language`: the language the bot speaks to a person, one button per language in its own name.

The confirmation is made in the language just chosen (and the person's time zone), so the
person sees at once that it took.
"""

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.common.accounts import current_account
from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline
from languages import LANGUAGE_NAMES, LANGUAGES, _, speaking
from sharing.errors import UnknownLanguage
from sharing.people import accounts
from wording.refusals import as_alert


@dataclass(frozen=True)
class PickLanguage(CallbackData, prefix="lng"):
    language: str


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    """One row per language, in its own name, the current one marked."""
    return inline(
        *([button(_label(language, current), PickLanguage(language))] for language in LANGUAGES)
    )


def _label(language: str, current: str) -> str:
    name = LANGUAGE_NAMES[language]
    return f"✅ {name}" if language == current else name


async def choose_language(update: Update, context: CamShareContext) -> None:
    account = await current_account(update, context)
    if account is None:
        return
    assert update.effective_message
    await update.effective_message.reply_html(
        _("Choose your language"), reply_markup=language_keyboard(account.language)
    )


async def pick_language(update: Update, context: CamShareContext) -> None:
    """Store the language tapped: the account is checked again, and the code comes from the
    client, so the service refuses one we do not speak."""
    query = update.callback_query
    assert query
    account = await current_account(update, context)
    if account is None:
        return
    language = PickLanguage.unpack(query.data).language
    try:
        async with context.services.database.write() as session:
            account = await accounts.set_language(session, account_id=account.id, language=language)
        context.services.readers.forget(account.id)
    except UnknownLanguage as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    with speaking(account.language, account.time_zone):
        await query.answer()
        await edit_screen(
            query,
            _("✅ I will speak {language} with you from now on.").format(
                language=LANGUAGE_NAMES[account.language]
            ),
        )


def build_handlers() -> list[Handler]:
    return [
        CommandHandler("language", choose_language, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(pick_language, pattern=PickLanguage.pattern()),
    ]
