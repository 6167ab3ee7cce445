"""A review of an application left before its decision (/cancel, another command or wizard, the
conversation's timeout): its message, which showed the share screens, shows the application
again with a live 🔍 Review, so nothing is left with buttons that no longer answer."""

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import CommandHandler, ConversationHandler

from handlers.common.cancel import cancel_wizard
from handlers.common.context import CamShareContext, Handler
from handlers.common.readers import speaking_to
from handlers.qr.links import review_keyboard, waiting_application_text
from handlers.share.state import PRESET_RECIPIENT, WIZARD, current_draft, drafts

log = logging.getLogger(__name__)


async def restore_application(update: Update, context: CamShareContext) -> None:
    """If the share wizard reviews an application, put its message back as it was."""
    draft = current_draft(context)
    chat = update.effective_chat
    if draft is None or draft.application_id is None or draft.screen_message_id is None:
        return
    assert chat is not None
    try:
        await context.bot.edit_message_text(
            waiting_application_text(draft.recipient_label, draft.device_name),
            chat_id=chat.id,
            message_id=draft.screen_message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=review_keyboard(draft.application_id),
        )
    except (BadRequest, Forbidden) as error:  # deleted by the user meanwhile: nothing to restore
        log.info("could not restore application %s: %s", draft.application_id, error.message)


async def cancel(update: Update, context: CamShareContext) -> int:
    await restore_application(update, context)
    return await cancel_wizard(update, context)


async def time_out(update: Update, context: CamShareContext) -> int:
    """The hour-long timeout: as leaving, and the drafts go too, as /cancel drops them. It runs
    in a job, where nobody is the reader: the owner's message is put back in their language."""
    assert update.effective_user is not None
    async with speaking_to(context, update.effective_user.id):
        await restore_application(update, context)
    for key in (WIZARD, PRESET_RECIPIENT):
        drafts(context).pop(key, None)
    return ConversationHandler.END


def cancel_fallback() -> Handler:
    """/cancel of the share wizard: as every wizard's, and a review's message is restored."""
    return CommandHandler("cancel", cancel)
