"""Who reads what the bot is about to say, so that it is said in their language.

The sender of an update reads the answers to it: `note_reader` runs first for every update
(bot.app) and sets the language for the rest of the update's task. Anything sent to someone
else is made inside `speaking_to` (a person), or in `languages.speaking` with a group's
language (read with the group, where the handler reads it anyway): the texts, buttons and
times made inside are theirs.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Chat, Update
from telegram.ext import TypeHandler

from handlers.common.context import CamShareContext
from languages import set_reader, speaking
from sharing.groups import installer_groups


async def note_reader(update: Update, context: CamShareContext) -> None:
    """The update's sender (or its group) reads the answers: their account's language and time
    zone; before they have an account, the language Telegram gives for them."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        async with context.services.database.read() as session:
            group = await installer_groups.find_group(session, chat_id=chat.id)
        set_reader(group.language if group else user.language_code if user else None)
    elif user is not None:
        reader = await _reader_of(context, user.id)
        set_reader(*(reader or (user.language_code, None)))


def reader_handler() -> TypeHandler[Update, CamShareContext, None]:
    return TypeHandler(Update, note_reader)


@asynccontextmanager
async def speaking_to(context: CamShareContext, account_id: int) -> AsyncIterator[None]:
    """Texts made inside are for the account (its language and time zone)."""
    with speaking(*(await _reader_of(context, account_id) or (None, None))):
        yield


async def _reader_of(context: CamShareContext, account_id: int) -> tuple[str, str] | None:
    services = context.services
    return await services.readers.reader_of(services.database, account_id, now=services.clock())
