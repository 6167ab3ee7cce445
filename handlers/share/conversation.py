"""`/share` (or Share on a device card): device, recipient, channels, permissions, summary,
Finish. This module wires the conversation; its steps live in entries, recipient,
editing and finish. See conversation.mmd for the diagram.

The recipient step takes a phone number, an email address or an @username typed by the owner,
a user picked with Telegram's user picker, or a contact (shared or forwarded). The later steps
edit one message in place. Each step refuses what its rule forbids as soon as it can tell
(`sharing.shares.preview`); Finish saves through `sharing.shares.shares.share_device`, which checks
every rule again under locks, and then sends the recipient their prompt.
"""

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import in_every_language
from handlers.common.wizards import Wizard
from handlers.devices.device_card import ShareDevice
from handlers.qr.links import ReviewApplication, ShareWithAccount
from handlers.share import editing, entries, recipient, reviews, screens
from handlers.share import finish as ending
from handlers.share.state import PRESET_RECIPIENT, WIZARD, Step, current_draft
from languages import N_, _


async def remind_to_use_buttons(update: Update, context: CamShareContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_text(
        _("Use the buttons of the message above, or send /cancel to stop sharing.")
    )


def _reviewing(context: CamShareContext) -> str | None:
    """How the wizard is called when it reviews an application."""
    draft = current_draft(context)
    if draft is None or draft.application_id is None:
        return None
    return _("the review of {applicant}'s application").format(applicant=draft.recipient_label)


def build_handler() -> Handler:
    private = filters.ChatType.PRIVATE
    typed = filters.TEXT & ~filters.COMMAND
    screen_handlers: list[Handler] = [
        CallbackQueryHandler(editing.toggle_channel, pattern=screens.ToggleChannel.pattern()),
        CallbackQueryHandler(
            editing.select_all_channels, pattern=screens.SelectAllChannels.pattern()
        ),
        CallbackQueryHandler(
            editing.select_no_channels, pattern=screens.SelectNoChannels.pattern()
        ),
        CallbackQueryHandler(editing.turn_page, pattern=screens.TurnPage.pattern()),
        CallbackQueryHandler(editing.show_channels, pattern=screens.ShowChannels.pattern()),
        CallbackQueryHandler(editing.show_permissions, pattern=screens.ShowPermissions.pattern()),
        CallbackQueryHandler(editing.edit_channel, pattern=screens.EditChannel.pattern()),
        CallbackQueryHandler(editing.toggle_permission, pattern=screens.TogglePermission.pattern()),
        CallbackQueryHandler(
            editing.apply_to_all_channels, pattern=screens.ApplyToAllChannels.pattern()
        ),
        CallbackQueryHandler(editing.save, pattern=screens.Save.pattern()),
        CallbackQueryHandler(ending.finish, pattern=screens.Finish.pattern()),
        CallbackQueryHandler(
            ending.reject_application, pattern=screens.RejectApplication.pattern()
        ),
        CallbackQueryHandler(editing.back_to_recipient, pattern=screens.BackToRecipient.pattern()),
        MessageHandler(typed, remind_to_use_buttons),
    ]
    return Wizard(
        title="/share",
        waiting_for={
            Step.DEVICE: N_("you to tap a device above"),
            Step.RECIPIENT: N_(
                "the recipient: a phone number, an email address, an @username, or someone"
                " chosen with the button below"
            ),
            Step.SCREENS: N_("a tap on the buttons of the message above"),
        },
        drafts=(WIZARD, PRESET_RECIPIENT),
        draft_title=_reviewing,
        on_leave=reviews.restore_application,
        entry_points=[
            CommandHandler("share", entries.start_from_command, filters=private),
            CallbackQueryHandler(entries.start_from_card, pattern=ShareDevice.pattern()),
            CallbackQueryHandler(entries.start_editing, pattern=entries.EditShare.pattern()),
            CallbackQueryHandler(entries.start_reviewing, pattern=ReviewApplication.pattern()),
            CallbackQueryHandler(entries.start_for_account, pattern=ShareWithAccount.pattern()),
        ],
        states={
            Step.DEVICE: [
                CallbackQueryHandler(entries.pick_device, pattern=entries.PickDevice.pattern()),
                CallbackQueryHandler(
                    entries.turn_devices_page, pattern=entries.DevicesPage.pattern()
                ),
                MessageHandler(typed, remind_to_use_buttons),
            ],
            Step.RECIPIENT: [
                MessageHandler(
                    filters.Text(in_every_language(recipient.BACK_BUTTON)), entries.back_to_devices
                ),
                MessageHandler(typed, recipient.receive_typed_recipient),
                MessageHandler(filters.CONTACT, recipient.receive_contact),
                MessageHandler(filters.StatusUpdate.USERS_SHARED, recipient.receive_picked_user),
                MessageHandler(
                    filters.PHOTO | filters.Document.IMAGE, recipient.receive_scanned_account
                ),
            ],
            Step.SCREENS: screen_handlers,
            ConversationHandler.TIMEOUT: [TypeHandler(Update, reviews.time_out)],
        },
        fallbacks=[reviews.cancel_fallback()],
        name=WIZARD,
        conversation_timeout=60 * 60,
    )
