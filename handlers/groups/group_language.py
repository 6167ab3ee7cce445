"""`/language` in an installer group: what the bot speaks there, chosen by an administrator.

Each language is offered in its own name, which whoever reads the list finds whatever the
group speaks now. Telegram says who administers the group, asked at the command and again at
the tap (callback data can be forged, and an administrator may have been demoted meanwhile).
A group starts in the language of whoever added the bot (handlers.groups.chats).
"""

from dataclasses import dataclass

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline
from handlers.groups.members import administers, is_administrator
from languages import LANGUAGE_NAMES, LANGUAGES, N_, _, speaking
from sharing.errors import NotGroupAdministrator, SharingError
from sharing.groups import installer_groups
from wording.refusals import as_alert

NOT_AN_ADMINISTRATOR = N_(
    "Only an administrator of this group can choose the language I speak here."
)


@dataclass(frozen=True)
class SpeakInGroup(CallbackData, prefix="glg"):
    language: str


async def ask_group_language(update: Update, context: CamShareContext) -> None:
    message = update.effective_message
    assert message is not None
    if not await is_administrator(context, message):
        await message.reply_html(_(NOT_AN_ADMINISTRATOR))
        return
    async with context.services.database.read() as session:
        group = await installer_groups.find_group(session, chat_id=message.chat.id)
    current = group.language if group else None
    rows = [[button(_marked(language, current), SpeakInGroup(language))] for language in LANGUAGES]
    await message.reply_html(
        _("🌐 Which language should I speak in this group?"), reply_markup=inline(*rows)
    )


async def speak_in_group(update: Update, context: CamShareContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    language = SpeakInGroup.unpack(query.data).language
    services = context.services
    is_admin = await administers(context, chat_id=chat.id, user_id=user.id)
    try:
        async with services.database.write() as session:
            group = await installer_groups.set_group_language(
                session,
                chat_id=chat.id,
                title=chat.title or "",
                is_admin=is_admin,
                language=language,
                now=services.clock(),
            )
    except NotGroupAdministrator:
        await query.answer(_(NOT_AN_ADMINISTRATOR), show_alert=True)
        return
    except SharingError as error:  # a language we do not speak: forged data
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    with speaking(group.language):
        done = _("✅ I speak {language} in this group now.")
    await edit_screen(query, done.format(language=LANGUAGE_NAMES[group.language]))


def _marked(language: str, current: str | None) -> str:
    name = LANGUAGE_NAMES[language]
    return f"✅ {name}" if language == current else name


def build_handlers() -> list[Handler]:
    return [
        CommandHandler("language", ask_group_language, filters=filters.ChatType.GROUPS),
        CallbackQueryHandler(speak_in_group, pattern=SpeakInGroup.pattern()),
    ]
