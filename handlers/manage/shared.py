"""`/shared`: the devices I share, who has each and with what; edit a share, delete it, or
cancel an invitation nobody answered yet (each asks for a second tap).

Every tap carries ids only and is checked again as the owner's (`get_owned_share`,
`get_owned_device`, and the service's own checks when something changes): a forged id for
another owner's share reveals nothing and changes nothing. Deleting an active share tells the
recipient (R12); cancelling an invitation closes the recipient's prompt.
"""

from collections.abc import Sequence
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.common.accounts import current_account
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import edit_screen
from handlers.common.listing import last_page_offset
from handlers.common.owed import Delivery, MessageKind, Send, owe, renders, send_owed
from handlers.common.portal_button import with_portal_button
from handlers.groups import lines as group_lines
from handlers.manage.invitations import ClosedBecause, invitation_facts, owe_prompt_closed
from handlers.manage.shared_screens import (
    DEVICES_PER_PAGE,
    SHARES_PER_PAGE,
    AskToCancelInvitation,
    AskToRevokeShare,
    CancelInvitation,
    ListSharedDevices,
    OpenOwnedShare,
    OpenSharedDevice,
    RevokeShare,
    Screen,
    confirm_cancel_screen,
    confirm_revoke_screen,
    owned_share_screen,
    shared_device_screen,
    shared_devices_screen,
    shared_with,
)
from languages import _
from sharing.applications import applications
from sharing.devices import devices
from sharing.errors import InvitationExpired, ShareNotActive, ShareNotPending, SharingError
from sharing.groups import group_outbox
from sharing.people.person_outbox import Owed, Payload
from sharing.shares import share_queries, shares
from sharing.views import DeviceRef, ShareView
from storage.models import LIVE_SHARE_STATES, ShareState
from wording.formatting import escape
from wording.refusals import as_alert


async def show_shared(update: Update, context: CamShareContext) -> None:
    account = await current_account(update, context)
    if account is None:
        return
    text, keyboard = await _devices_screen(context, owner_id=account.id, offset=0)
    assert update.effective_message
    await update.effective_message.reply_html(
        text, reply_markup=with_portal_button(context, keyboard, "shared")
    )


async def turn_shared_page(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    await query.answer()
    offset = max(ListSharedDevices.unpack(query.data).offset, 0)
    await _edit(
        query, await _devices_screen(context, owner_id=update.effective_user.id, offset=offset)
    )


async def open_shared_device(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    data = OpenSharedDevice.unpack(query.data)
    try:
        screen = await _device_screen(
            context,
            owner_id=update.effective_user.id,
            device_id=data.device_id,
            offset=max(data.offset, 0),
        )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    await _edit(query, screen)


async def open_owned_share(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    share = await _owned_share(update, OpenOwnedShare.unpack(query.data).share_id, context)
    if share is None:
        return
    await query.answer()
    await _edit(query, owned_share_screen(share))


async def ask_to_revoke_share(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    share = await _owned_share(update, AskToRevokeShare.unpack(query.data).share_id, context)
    if share is None:
        return
    if share.state != ShareState.ACTIVE:
        await _refuse_and_redraw(query, context, share, ShareNotActive(share.id, share.state))
        return
    await query.answer()
    await _edit(query, confirm_revoke_screen(share))


async def revoke_share(update: Update, context: CamShareContext) -> None:
    """R12: the device leaves the recipient's list with this commit, and they are told."""
    query = update.callback_query
    assert query and update.effective_user
    owner = update.effective_user
    share_id = RevokeShare.unpack(query.data).share_id
    services = context.services
    try:
        async with services.database.write() as session:
            share = await shares.revoke_share(
                session, share_id=share_id, owner_id=owner.id, now=services.clock()
            )
            news = [(share.device.id, partial(group_lines.share_deleted_by_owner, share))]
            await group_outbox.queue_device_news(session, news, now=services.clock())
            owed = await owe_share_stopped(context, session, share, owner_name=owner.full_name)
    except SharingError as error:
        await _refuse(query, context, share_id, as_alert(error))
        return
    await query.answer(_("Deleted"))
    told = (await send_owed(context, owed))[owed[-1].id]
    notice = (
        _("🗑 You stopped sharing <b>{device}</b> with <b>{person}</b>; they have been told.")
        if told
        else _(
            "🗑 You stopped sharing <b>{device}</b> with <b>{person}</b>; I could not tell them:"
            " they have blocked the bot."
        )
    ).format(device=escape(share.device.name), person=escape(shared_with(share)))
    await _edit(
        query,
        await _device_screen(
            context, owner_id=owner.id, device_id=share.device.id, offset=0, notice=notice
        ),
    )


@renders(MessageKind.SHARE_STOPPED)
async def _share_stopped(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    """For the recipient of a share its owner deleted, who may know the device by their alias."""
    owner, device, alias = (escape(payload[name] or "") for name in ("owner", "device", "alias"))
    if alias:
        stopped = _("🗑 {owner} stopped sharing <b>{device}</b> (your “{alias}”) with you.")
    else:
        stopped = _("🗑 {owner} stopped sharing <b>{device}</b> with you.")
    return (Send(stopped.format(owner=owner, device=device, alias=alias)),)


async def ask_to_cancel_invitation(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    share = await _owned_share(update, AskToCancelInvitation.unpack(query.data).share_id, context)
    if share is None:
        return
    if share.state != ShareState.PENDING:
        await _refuse_and_redraw(query, context, share, ShareNotPending(share.id, share.state))
        return
    await query.answer()
    await _edit(query, confirm_cancel_screen(share))


async def cancel_invitation(update: Update, context: CamShareContext) -> None:
    """The recipient's prompt, if it was delivered, loses its buttons and says why."""
    query = update.callback_query
    assert query and update.effective_user
    owner_id = update.effective_user.id
    share_id = CancelInvitation.unpack(query.data).share_id
    services = context.services
    try:
        async with services.database.write() as session:
            share = await shares.cancel_invitation(
                session, share_id=share_id, owner_id=owner_id, now=services.clock()
            )
            news = [(share.device.id, partial(group_lines.share_deleted_by_owner, share))]
            await group_outbox.queue_device_news(session, news, now=services.clock())
            owed = await owe_cancelled_prompt_closed(context, session, share)
    except SharingError as error:
        expired = isinstance(error, InvitationExpired)
        await _refuse(query, context, share_id, _expired_already() if expired else as_alert(error))
        return
    await query.answer(_("Cancelled"))
    await send_owed(context, owed)
    notice = _("✖️ The invitation to <b>{person}</b> for <b>{device}</b> was cancelled.").format(
        person=escape(shared_with(share)), device=escape(share.device.name)
    )
    await _edit(
        query,
        await _device_screen(
            context, owner_id=owner_id, device_id=share.device.id, offset=0, notice=notice
        ),
    )


def _expired_already() -> str:
    return _("This invitation has already expired: there is nothing to cancel.")


async def _owned_share(update: Update, share_id: int, context: CamShareContext) -> ShareView | None:
    """The share if the tapping user owns it; otherwise the tap is answered and None returned."""
    query = update.callback_query
    assert query and update.effective_user
    try:
        async with context.services.database.read() as session:
            return await share_queries.get_owned_share(
                session, share_id=share_id, owner_id=update.effective_user.id
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return None


async def _refuse(
    query: CallbackQuery, context: CamShareContext, share_id: int, reason: str
) -> None:
    """A second tap came too late: the share changed since the screen was drawn (answered,
    deleted, expired, or deleted by this very tap a moment ago). Say so, and show what is true
    now. A share that is not the user's stays invisible: the answer alone, nothing redrawn."""
    await query.answer(reason, show_alert=True)
    assert query.from_user
    try:
        async with context.services.database.read() as session:
            share = await share_queries.get_owned_share(
                session, share_id=share_id, owner_id=query.from_user.id
            )
    except SharingError:
        return
    await _redraw(query, context, share)


async def _refuse_and_redraw(
    query: CallbackQuery, context: CamShareContext, share: ShareView, error: SharingError
) -> None:
    await query.answer(as_alert(error), show_alert=True)
    await _redraw(query, context, share)


async def _redraw(query: CallbackQuery, context: CamShareContext, share: ShareView) -> None:
    """The share's own screen while it lasts, else its device's."""
    if share.state in LIVE_SHARE_STATES:
        await _edit(query, owned_share_screen(share))
        return
    try:
        screen = await _device_screen(
            context, owner_id=share.owner.id, device_id=share.device.id, offset=0
        )
    except SharingError:  # the device was removed meanwhile
        screen = await _devices_screen(context, owner_id=share.owner.id, offset=0)
    await _edit(query, screen)


async def _devices_screen(context: CamShareContext, *, owner_id: int, offset: int) -> Screen:
    async with context.services.database.read() as session:
        page = await share_queries.list_shared_devices(
            session, owner_id=owner_id, offset=offset, limit=DEVICES_PER_PAGE
        )
        if not page.items and offset > 0:
            page = await share_queries.list_shared_devices(
                session,
                owner_id=owner_id,
                offset=last_page_offset(page.total, DEVICES_PER_PAGE),
                limit=DEVICES_PER_PAGE,
            )
        waiting = await applications.count_pending_applications(
            session, owner_id=owner_id, now=context.services.clock()
        )
    return shared_devices_screen(page, applications=waiting)


async def _device_screen(
    context: CamShareContext, *, owner_id: int, device_id: int, offset: int, notice: str = ""
) -> Screen:
    """One of my devices and its shares; DeviceNotFound if it is not mine (R2)."""
    async with context.services.database.read() as session:
        device = await devices.get_owned_device(session, owner_id=owner_id, device_id=device_id)
        page = await share_queries.list_owned_shares(
            session, owner_id=owner_id, device_id=device_id, offset=offset, limit=SHARES_PER_PAGE
        )
        if not page.items and offset > 0:
            page = await share_queries.list_owned_shares(
                session,
                owner_id=owner_id,
                device_id=device_id,
                offset=last_page_offset(page.total, SHARES_PER_PAGE),
                limit=SHARES_PER_PAGE,
            )
    ref = DeviceRef(id=device.id, name=device.name, type=device.type)
    return shared_device_screen(ref, page, notice=notice)


async def _edit(query: CallbackQuery, screen: Screen) -> None:
    await edit_screen(query, *screen)


def build_handlers() -> list[Handler]:
    return [
        CommandHandler("shared", show_shared, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(turn_shared_page, pattern=ListSharedDevices.pattern()),
        CallbackQueryHandler(open_shared_device, pattern=OpenSharedDevice.pattern()),
        CallbackQueryHandler(open_owned_share, pattern=OpenOwnedShare.pattern()),
        CallbackQueryHandler(ask_to_revoke_share, pattern=AskToRevokeShare.pattern()),
        CallbackQueryHandler(revoke_share, pattern=RevokeShare.pattern()),
        CallbackQueryHandler(ask_to_cancel_invitation, pattern=AskToCancelInvitation.pattern()),
        CallbackQueryHandler(cancel_invitation, pattern=CancelInvitation.pattern()),
    ]


async def owe_share_stopped(
    context: CamShareContext, session: AsyncSession, share: ShareView, *, owner_name: str
) -> list[Owed]:
    """In the revoke's transaction: the recipient of a share its owner deleted is owed the news
    (R12). From the chat (`revoke_share`) and the portal."""
    assert share.recipient is not None, "an active share has an account"
    payload = {"owner": owner_name, "device": share.device.name, "alias": share.alias}
    return [await owe(context, session, share.recipient.id, MessageKind.SHARE_STOPPED, payload)]


async def owe_cancelled_prompt_closed(
    context: CamShareContext, session: AsyncSession, share: ShareView
) -> list[Owed]:
    """In the cancel's transaction: a cancelled invitation's prompt, if it was delivered, is
    owed its closing (no buttons, and why). From the chat (`cancel_invitation`) and the portal."""
    if share.prompt is None:
        return []
    facts = invitation_facts(owner=share.owner.display_name, device=share.device.name)
    why = ClosedBecause.INVITATION_CANCELLED
    return [await owe_prompt_closed(context, session, share.prompt, why, facts)]
