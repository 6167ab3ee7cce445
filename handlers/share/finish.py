"""The end of /share: Finish saves through `sharing.shares.shares.share_device` (or accepts the
application under review), which checks every rule again under locks, then tells the recipient.

What the recipient (or the applicant) is sent is made in their language, not the owner's
(`speaking_to`): a Chinese-speaking owner's invitation reaches a Russian-speaking recipient in
Russian."""

from collections.abc import Sequence
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from handlers.common.context import CamShareContext
from handlers.common.grants_text import grant_lines
from handlers.common.owed import Delivery, MessageKind, Send, owe, renders, send_owed
from handlers.groups import lines as group_lines
from handlers.manage.invitations import (
    ClosedBecause,
    close_prompt,
    owe_invitation,
    owe_prompt_closed,
)
from handlers.share import screens
from handlers.share.screens import ShareDraft
from handlers.share.state import on_screen, set_draft, show
from languages import _
from sharing.applications import applications
from sharing.errors import ShareNotFound, SharingError
from sharing.groups import group_outbox
from sharing.people.person_outbox import Owed, Payload
from sharing.shares import shares
from sharing.shares.share_queries import load_share
from sharing.views import ApplicationView, MessageRef, ShareChange
from storage.models import ShareState
from wording.formatting import address_label, escape, format_moment
from wording.refusals import as_alert, describe


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
            news = [(draft.device_id, partial(group_lines.share_saved, change))]
            await group_outbox.queue_device_news(session, news, now=services.clock())
            owed = await owe_recipient(context, session, change, update.effective_user.full_name)
    except SharingError as error:
        await query.answer(_("Not saved"), show_alert=False)
        await show(query, screens.summary_screen(draft, problem=describe(error)))
        return None
    await query.answer(_("Saved"))
    set_draft(context, None)
    told = await send_owed(context, owed)
    outcome = share_outcome(change, told=bool(owed) and told[owed[-1].id])
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
            news = [
                (
                    accepted.change.share.device.id,
                    partial(group_lines.application_accepted, accepted),
                )
            ]
            await group_outbox.queue_device_news(session, news, now=services.clock())
            share = accepted.change.share
            payload = {
                "accepted": True,
                "owner": update.effective_user.full_name,
                "device": share.device.name,
                "share": share.id,
                "version": share.version,
            }
            applicant_id = accepted.application.applicant.id
            owed = await owe(
                context, session, applicant_id, MessageKind.APPLICATION_DECIDED, payload
            )
    except SharingError as error:
        await query.answer(_("Not saved"))
        await show(query, screens.summary_screen(draft, problem=describe(error)))
        return None
    await query.answer(_("Accepted"))
    set_draft(context, None)
    share = accepted.change.share
    names = {
        "owner": escape(update.effective_user.full_name),
        "applicant": escape(draft.recipient_label),
        "device": escape(share.device.name),
    }
    outcome = _("✅ You accepted {applicant}'s application for <b>{device}</b>.").format(**names)
    await query.edit_message_text(outcome, parse_mode=ParseMode.HTML)
    await _close_other_messages(context, query, accepted.application, outcome)
    await send_owed(context, [owed])
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
            line = partial(
                group_lines.application_rejected,
                rejected,
                owner_name=update.effective_user.full_name,
            )
            await group_outbox.queue_device_news(
                session, [(rejected.device.id, line)], now=services.clock()
            )
            payload = {
                "accepted": False,
                "owner": update.effective_user.full_name,
                "device": rejected.device.name,
            }
            owed = await owe(
                context, session, rejected.applicant.id, MessageKind.APPLICATION_DECIDED, payload
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return None
    await query.answer(_("Rejected"))
    set_draft(context, None)
    names = {
        "owner": escape(update.effective_user.full_name),
        "applicant": escape(draft.recipient_label),
        "device": escape(rejected.device.name),
    }
    outcome = _("❌ You rejected {applicant}'s application for <b>{device}</b>.").format(**names)
    await query.edit_message_text(outcome, parse_mode=ParseMode.HTML)
    await _close_other_messages(context, query, rejected, outcome)
    await send_owed(context, [owed])
    return ConversationHandler.END


@renders(MessageKind.APPLICATION_DECIDED)
async def _application_decided(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    """For the applicant; an accepted one with the share's channels as they are now (nothing
    if it ended meanwhile: its end was told)."""
    names = {"owner": escape(payload["owner"]), "device": escape(payload["device"])}
    if not payload["accepted"]:
        return (
            Send(_("❌ {owner} rejected your application for <b>{device}</b>.").format(**names)),
        )
    async with context.services.database.read() as session:
        try:
            share = await load_share(session, payload["share"])
        except ShareNotFound:
            return ()
    if share.state != ShareState.ACTIVE:
        return ()
    accepted = _("✅ {owner} accepted your application for <b>{device}</b>:").format(**names)
    return (Send("\n".join([accepted, *grant_lines(share.grants)])),)


async def _close_other_messages(
    context: CamShareContext, query: CallbackQuery, application: ApplicationView, outcome: str
) -> None:
    """The application's prompt and latest reminder, where the decision was not made, lose their
    Review too: no button is left that leads to a decided application."""
    decided = MessageRef(query.message.chat.id, query.message.message_id) if query.message else None
    for message in {application.prompt, application.reminder} - {None, decided}:
        await close_prompt(context, message, outcome)


async def owe_recipient(
    context: CamShareContext, session: AsyncSession, change: ShareChange, owner_name: str
) -> list[Owed]:
    """In the share's transaction: the recipient's notice of a changed share, or their
    invitation (its older prompt closed), the last of those returned being that notice or
    prompt. Nothing for an invitation nobody has claimed yet."""
    share = change.share
    if share.recipient is None:
        return []
    if share.state == ShareState.ACTIVE:
        payload = {"share": share.id, "version": share.version, "owner": owner_name}
        return [await owe(context, session, share.recipient.id, MessageKind.SHARE_CHANGED, payload)]
    owed = []
    if change.previous is not None and change.previous.prompt is not None:
        facts = {"device": share.device.name}
        why = ClosedBecause.INVITATION_CHANGED
        owed.append(await owe_prompt_closed(context, session, change.previous.prompt, why, facts))
    invitation = await owe_invitation(context, session, share)
    assert invitation is not None
    return [*owed, invitation]


@renders(MessageKind.SHARE_CHANGED)
async def _share_changed(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    """The share's channels as they are now; nothing if it ended or changed again meanwhile
    (the newer change has its own notice)."""
    async with context.services.database.read() as session:
        try:
            share = await load_share(session, payload["share"])
        except ShareNotFound:
            return ()
    if share.state != ShareState.ACTIVE or share.version != payload["version"]:
        return ()
    changed = _("{owner} changed your access to <b>{device}</b>:").format(
        owner=escape(payload["owner"]), device=escape(share.device.name)
    )
    return (Send("\n".join([changed, *grant_lines(share.grants)])),)


def share_outcome(change: ShareChange, *, told: bool) -> str:
    """What the owner should read, once the recipient was told (or not)."""
    share = change.share
    device = escape(share.device.name)
    if share.recipient is None:
        assert share.address is not None and share.expires_at is not None
        return _(
            "⏳ Invitation to <b>{device}</b> saved for {address}. Nobody has proved this address"
            " on CamShare yet: the invitation reaches them when they start the bot and prove it,"
            " until {moment}."
        ).format(
            device=device,
            address=escape(address_label(share.address)),
            moment=format_moment(share.expires_at),
        )
    name = escape(share.recipient.display_name)
    if share.state == ShareState.ACTIVE:
        return _(
            "✅ {recipient}'s access to <b>{device}</b> was updated; they have been told."
        ).format(recipient=name, device=device)
    assert share.expires_at is not None
    if told:
        sent = _("✅ Invitation to <b>{device}</b> sent to {recipient}. It expires on {moment}.")
    else:
        sent = _(
            "⏳ Invitation to <b>{device}</b> saved, but I could not deliver it to {recipient} yet:"
            " they have not started the bot or have blocked it. It stays pending until {moment}"
            " and reaches them when they start the bot."
        )
    return sent.format(device=device, recipient=name, moment=format_moment(share.expires_at))
