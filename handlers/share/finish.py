"""The end of /share: Finish saves through `sharing.shares.shares.share_device` (or accepts the
application under review), which checks every rule again under locks, then tells the recipient."""

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from handlers.common.context import CamShareContext
from handlers.common.formatting import address_label, escape, format_moment
from handlers.common.grants_text import grant_lines
from handlers.common.notify import notify
from handlers.common.refusals import as_alert, describe
from handlers.groups import lines as group_lines
from handlers.manage.invitations import close_prompt, deliver_invitation
from handlers.share import screens
from handlers.share.screens import ShareDraft
from handlers.share.state import on_screen, set_draft, show
from sharing.applications import applications
from sharing.errors import SharingError
from sharing.groups import group_outbox
from sharing.shares import shares
from sharing.views import ApplicationView, MessageRef, ShareChange
from storage.models import ShareState


@on_screen
async def finish(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> int | None:
    assert update.effective_user and draft.recipient is not None
    if draft.application_id is not None:
        return await _accept_application(update, context, query, draft)
    services = context.services
    try:
        async with services.database.write() as session:
            change = await shares.share_device(
                session,
                owner_id=update.effective_user.id,
                device_id=draft.device_id,
                recipient=draft.recipient,
                grants=draft.grants,
                ttl=services.invite_ttl,
                now=services.clock(),
            )
            news = [(draft.device_id, group_lines.share_saved(change))]
            await group_outbox.queue_device_news(session, news, now=services.clock())
    except SharingError as error:
        await query.answer("Not saved", show_alert=False)
        await show(query, screens.summary_screen(draft, problem=describe(error)))
        return None
    await query.answer("Saved")
    set_draft(context, None)
    outcome = await _announce(context, change, update.effective_user.full_name)
    await query.edit_message_text(outcome, parse_mode=ParseMode.HTML)
    return ConversationHandler.END


async def _accept_application(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> int | None:
    assert update.effective_user and draft.application_id is not None
    services = context.services
    try:
        async with services.database.write() as session:
            accepted = await applications.accept_application(
                session,
                owner_id=update.effective_user.id,
                application_id=draft.application_id,
                grants=draft.grants,
                now=services.clock(),
            )
            news = [(accepted.change.share.device.id, group_lines.application_accepted(accepted))]
            await group_outbox.queue_device_news(session, news, now=services.clock())
    except SharingError as error:
        await query.answer("Not saved")
        await show(query, screens.summary_screen(draft, problem=describe(error)))
        return None
    await query.answer("Accepted")
    set_draft(context, None)
    share = accepted.change.share
    device = f"<b>{escape(share.device.name)}</b>"
    outcome = f"✅ You accepted {escape(draft.recipient_label)}'s application for {device}."
    await query.edit_message_text(outcome, parse_mode=ParseMode.HTML)
    await _close_other_messages(context, query, accepted.application, outcome)
    await notify(
        context,
        accepted.application.applicant.id,
        f"✅ {escape(update.effective_user.full_name)} accepted your application for {device}:\n"
        + "\n".join(grant_lines(share.grants)),
    )
    return ConversationHandler.END


@on_screen
async def reject_application(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> int | None:
    assert update.effective_user and draft.application_id is not None
    services = context.services
    try:
        async with services.database.write() as session:
            rejected = await applications.reject_application(
                session,
                owner_id=update.effective_user.id,
                application_id=draft.application_id,
                now=services.clock(),
            )
            line = group_lines.application_rejected(
                rejected, owner_name=update.effective_user.full_name
            )
            await group_outbox.queue_device_news(
                session, [(rejected.device.id, line)], now=services.clock()
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return None
    await query.answer("Rejected")
    set_draft(context, None)
    device = f"<b>{escape(rejected.device.name)}</b>"
    outcome = f"❌ You rejected {escape(draft.recipient_label)}'s application for {device}."
    await query.edit_message_text(outcome, parse_mode=ParseMode.HTML)
    await _close_other_messages(context, query, rejected, outcome)
    await notify(
        context,
        rejected.applicant.id,
        f"❌ {escape(update.effective_user.full_name)} rejected your application for {device}.",
    )
    return ConversationHandler.END


async def _close_other_messages(
    context: CamShareContext, query: CallbackQuery, application: ApplicationView, outcome: str
) -> None:
    """The application's prompt and latest reminder, where the decision was not made, lose their
    Review too: no button is left that leads to a decided application."""
    decided = MessageRef(query.message.chat.id, query.message.message_id) if query.message else None
    for message in {application.prompt, application.reminder} - {None, decided}:
        await close_prompt(context, message, outcome)


async def _announce(context: CamShareContext, change: ShareChange, owner_name: str) -> str:
    """Tell the recipient, and return what the owner should read."""
    share = change.share
    device = f"<b>{escape(share.device.name)}</b>"
    if share.recipient is None:
        assert share.address is not None and share.expires_at is not None
        address = escape(address_label(share.address))
        return (
            f"⏳ Invitation to {device} saved for {address}. Nobody has proved"
            " this address on CamShare yet: the invitation reaches them when they start the bot"
            f" and prove it, until {format_moment(share.expires_at)}."
        )
    name = escape(share.recipient.display_name)
    if share.state == ShareState.ACTIVE:
        await notify(
            context,
            share.recipient.id,
            f"{escape(owner_name)} changed your access to {device}:\n"
            + "\n".join(grant_lines(share.grants)),
        )
        return f"✅ {name}'s access to {device} was updated; they have been told."
    if change.previous is not None:
        await close_prompt(
            context,
            change.previous.prompt,
            f"This invitation to {device} was changed by its owner: see the newer one.",
        )
    assert share.expires_at is not None
    if await deliver_invitation(context, share):
        return (
            f"✅ Invitation to {device} sent to {name}. It expires on"
            f" {format_moment(share.expires_at)}."
        )
    return (
        f"⏳ Invitation to {device} saved, but I could not deliver it to {name} yet: they have"
        f" not started the bot or have blocked it. It stays pending until"
        f" {format_moment(share.expires_at)} and reaches them when they start the bot."
    )


async def announce_share(context: CamShareContext, change: ShareChange, owner_name: str) -> str:
    """Finish's messages for a share saved by another front door (the web portal, through
    bot.app): the recipient's prompt or notice, as Finish sends them; returns the owner's
    outcome (HTML)."""
    return await _announce(context, change, owner_name)
