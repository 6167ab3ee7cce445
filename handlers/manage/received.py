"""`/received`: invitations waiting for my answer, then the devices shared with me; each
device's channels, permissions and owner; my own name for it (Rename); Delete. See
received.mmd for the screens and the one typed step.

Accept and Decline here answer through `handlers.manage.invitations.answer_invitation`, the same
path as the prompt's buttons, then redraw this list; the prompt, wherever it is in the chat, is
closed as if it had been tapped. Every tap is checked again as the recipient's (`get_received_share`
and the service's own checks): a forged id for someone else's share reveals nothing and changes
nothing. Deleting a device tells its owner (R12).
"""

from collections.abc import Sequence
from enum import IntEnum, auto
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.common.accounts import current_account
from handlers.common.cancel import DRAFTS_KEY, cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import edit_screen
from handlers.common.listing import last_page_offset
from handlers.common.owed import Delivery, MessageKind, Send, owe, renders, send_owed
from handlers.common.portal_button import with_portal_button
from handlers.common.wizards import Wizard
from handlers.devices.device_card import read_mute
from handlers.groups import lines as group_lines
from handlers.manage.invitations import answer_invitation, close_prompt, render_answered
from handlers.manage.received_screens import (
    ITEMS_PER_PAGE,
    AcceptFromList,
    AskToRemoveReceived,
    DeclineFromList,
    ListReceived,
    OpenReceived,
    RemoveReceived,
    RenameReceived,
    Screen,
    UseOwnersName,
    ask_alias_keyboard,
    ask_alias_text,
    confirm_remove_screen,
    my_name_for,
    received_screen,
    received_share_screen,
)
from languages import N_, _
from sharing.devices import status
from sharing.errors import InvalidDeviceField, ShareNotFound, SharingError
from sharing.groups import group_outbox
from sharing.people.person_outbox import Owed, Payload
from sharing.shares import share_queries, shares
from sharing.views import ShareView
from wording.formatting import escape
from wording.refusals import as_alert, describe

RENAME_WIZARD = "rename_received"


class AliasStep(IntEnum):
    NAME = auto()


async def show_received(update: Update, context: CamShareContext) -> None:
    account = await current_account(update, context)
    if account is None:
        return
    text, keyboard = await _list_screen(context, recipient_id=account.id, offset=0)
    assert update.effective_message
    await update.effective_message.reply_html(
        text, reply_markup=with_portal_button(context, keyboard, "received")
    )


async def turn_received_page(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    await query.answer()
    offset = max(ListReceived.unpack(query.data).offset, 0)
    await _edit(
        query, await _list_screen(context, recipient_id=update.effective_user.id, offset=offset)
    )


async def accept_from_list(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    data = AcceptFromList.unpack(query.data)
    await _answer_from_list(update, context, data.share_id, data.version, data.offset, accept=True)


async def decline_from_list(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    data = DeclineFromList.unpack(query.data)
    await _answer_from_list(update, context, data.share_id, data.version, data.offset, accept=False)


async def _answer_from_list(
    update: Update,
    context: CamShareContext,
    share_id: int,
    version: int,
    offset: int,
    *,
    accept: bool,
) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query and user
    try:
        share = await answer_invitation(
            context, share_id=share_id, version=version, recipient=user, accept=accept
        )
    except SharingError as error:
        await _refuse(query, context, error, offset=offset)
        return
    await query.answer(_("Accepted") if accept else _("Declined"))
    await close_prompt(context, share.prompt, render_answered(share))
    notice = (
        _("✅ You accepted <b>{device}</b> from <b>{owner}</b>: it is in your list below.")
        if accept
        else _("You declined <b>{device}</b> from <b>{owner}</b>.")
    ).format(device=escape(share.device.name), owner=escape(share.owner.display_name))
    await _edit(
        query, await _list_screen(context, recipient_id=user.id, offset=offset, notice=notice)
    )


async def open_received(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    share = await _received_share(update, context, OpenReceived.unpack(query.data).share_id)
    if share is None:
        return
    await query.answer()
    await _edit(query, await _share_screen(context, share))


async def ask_to_remove_received(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    share = await _received_share(update, context, AskToRemoveReceived.unpack(query.data).share_id)
    if share is None:
        return
    await query.answer()
    await _edit(query, confirm_remove_screen(share))


async def remove_received(update: Update, context: CamShareContext) -> None:
    """R12: the owner is told; the device leaves my list with this commit."""
    query = update.callback_query
    user = update.effective_user
    assert query and user
    services = context.services
    try:
        async with services.database.write() as session:
            share = await shares.remove_share(
                session,
                share_id=RemoveReceived.unpack(query.data).share_id,
                recipient_id=user.id,
                now=services.clock(),
            )
            news = [(share.device.id, partial(group_lines.share_deleted_by_recipient, share))]
            await group_outbox.queue_device_news(session, news, now=services.clock())
            owed = await owe_share_left(context, session, share, recipient_name=user.full_name)
    except SharingError as error:
        await _refuse(query, context, error, offset=0)
        return
    await query.answer(_("Deleted"))
    await send_owed(context, owed)
    notice = _("🗑 <b>{device}</b> was deleted from your list; {owner} has been told.").format(
        device=escape(my_name_for(share)), owner=escape(share.owner.display_name)
    )
    await _edit(query, await _list_screen(context, recipient_id=user.id, offset=0, notice=notice))


@renders(MessageKind.SHARE_LEFT)
async def _share_left(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    deleted = _("🗑 {person} deleted <b>{device}</b> from their list.")
    return (
        Send(deleted.format(person=escape(payload["person"]), device=escape(payload["device"]))),
    )


# --- Rename: my own name for a device shared with me (one typed step) ----------------------------


async def ask_new_alias(update: Update, context: CamShareContext) -> AliasStep | int:
    query = update.callback_query
    assert query and update.effective_chat and context.user_data is not None
    share = await _received_share(update, context, RenameReceived.unpack(query.data).share_id)
    if share is None:
        return ConversationHandler.END
    await query.answer()
    context.user_data.setdefault(DRAFTS_KEY, {})[RENAME_WIZARD] = share.id
    await update.effective_chat.send_message(
        ask_alias_text(share), parse_mode=ParseMode.HTML, reply_markup=ask_alias_keyboard(share)
    )
    return AliasStep.NAME


async def receive_alias(update: Update, context: CamShareContext) -> AliasStep | int:
    message = update.effective_message
    assert message and message.text is not None and context.user_data is not None
    share_id = context.user_data.get(DRAFTS_KEY, {}).get(RENAME_WIZARD)
    if share_id is None:
        return ConversationHandler.END
    outcome = await _rename(update, context, share_id, message.text)
    if isinstance(outcome, InvalidDeviceField):
        await message.reply_html(describe(outcome))
        return AliasStep.NAME
    if isinstance(outcome, SharingError):
        await message.reply_html(describe(outcome))
        return ConversationHandler.END
    share = outcome
    await message.reply_html(
        _("✅ Renamed to <b>{name}</b>. Only you see this name.").format(
            name=escape(my_name_for(share))
        )
    )
    text, keyboard = await _share_screen(context, share)
    await message.reply_html(text, reply_markup=keyboard)
    return ConversationHandler.END


async def use_owners_name(update: Update, context: CamShareContext) -> AliasStep | int:
    query = update.callback_query
    assert query and update.effective_chat
    # The id on the button, not the draft's: an older prompt may be tapped after Rename was
    # started again for another device.
    outcome = await _rename(update, context, UseOwnersName.unpack(query.data).share_id, None)
    if isinstance(outcome, SharingError):
        await query.answer(as_alert(outcome), show_alert=True)
        return _still_renaming(context)
    share = outcome
    await query.answer(_("Done"))
    await query.edit_message_text(
        _("✅ Back to the owner's name: <b>{device}</b>.").format(device=escape(share.device.name)),
        parse_mode=ParseMode.HTML,
    )
    text, keyboard = await _share_screen(context, share)
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    return _still_renaming(context)


async def _rename(
    update: Update, context: CamShareContext, share_id: int, alias: str | None
) -> ShareView | SharingError:
    """Set my alias of the share (None: back to the owner's name). A refusal is returned, not
    raised, so each step words it its own way; the wizard's draft is dropped unless the name
    can still be corrected (InvalidDeviceField)."""
    assert update.effective_user and context.user_data is not None
    services = context.services
    try:
        async with services.database.write() as session:
            share = await shares.rename_share(
                session,
                share_id=share_id,
                recipient_id=update.effective_user.id,
                alias=alias,
                now=services.clock(),
            )
    except InvalidDeviceField as error:
        return error
    except SharingError as error:
        _end_draft(context, share_id)
        return error
    _end_draft(context, share_id)
    return share


def _end_draft(context: CamShareContext, share_id: int) -> None:
    """The wizard is done with this share; one started since for another share goes on."""
    assert context.user_data is not None
    drafts = context.user_data.get(DRAFTS_KEY, {})
    if drafts.get(RENAME_WIZARD) == share_id:
        del drafts[RENAME_WIZARD]


def _still_renaming(context: CamShareContext) -> AliasStep | int:
    assert context.user_data is not None
    waiting = RENAME_WIZARD in context.user_data.get(DRAFTS_KEY, {})
    return AliasStep.NAME if waiting else ConversationHandler.END


# --- shared pieces --------------------------------------------------------------------------------


async def _share_screen(context: CamShareContext, share: ShareView) -> Screen:
    async with context.services.database.read() as session:
        seen = await status.seen_status(session, device_id=share.device.id)
    assert share.recipient is not None, "a received share has its recipient"
    muted = await read_mute(context, account_id=share.recipient.id, device_id=share.device.id)
    return received_share_screen(share, seen, muted)


async def _received_share(
    update: Update, context: CamShareContext, share_id: int
) -> ShareView | None:
    """The share if it is the tapping user's and active; otherwise the tap is answered (and the
    list redrawn when it was theirs but ended) and None returned."""
    query = update.callback_query
    assert query and update.effective_user
    try:
        async with context.services.database.read() as session:
            return await share_queries.get_received_share(
                session, share_id=share_id, recipient_id=update.effective_user.id
            )
    except SharingError as error:
        await _refuse(query, context, error, offset=0)
        return None


async def _refuse(
    query: CallbackQuery, context: CamShareContext, error: SharingError, *, offset: int
) -> None:
    """Say why, then show the list as it is now: the screen was drawn before the owner deleted
    the share, edited the invitation or let it expire. A share that is not the user's leaves
    their screen as it was."""
    await query.answer(as_alert(error), show_alert=True)
    if isinstance(error, ShareNotFound):
        return
    assert query.from_user
    await _edit(query, await _list_screen(context, recipient_id=query.from_user.id, offset=offset))


async def _list_screen(
    context: CamShareContext, *, recipient_id: int, offset: int, notice: str = ""
) -> Screen:
    services = context.services
    async with services.database.read() as session:
        page = await share_queries.list_received_page(
            session,
            recipient_id=recipient_id,
            now=services.clock(),
            offset=offset,
            limit=ITEMS_PER_PAGE,
        )
        if page.total and offset >= page.total:
            page = await share_queries.list_received_page(
                session,
                recipient_id=recipient_id,
                now=services.clock(),
                offset=last_page_offset(page.total, ITEMS_PER_PAGE),
                limit=ITEMS_PER_PAGE,
            )
    return received_screen(page, notice=notice)


async def _edit(query: CallbackQuery, screen: Screen) -> None:
    await edit_screen(query, *screen)


def build_rename_handler() -> Handler:
    """Registered with the other conversations, ahead of the plain handlers: while it waits
    for a name, the text typed is the name."""
    return Wizard(
        title=N_("renaming a shared device"),
        waiting_for={AliasStep.NAME: N_("your name for the device")},
        entry_points=[CallbackQueryHandler(ask_new_alias, pattern=RenameReceived.pattern())],
        states={
            AliasStep.NAME: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, receive_alias),
                CallbackQueryHandler(use_owners_name, pattern=UseOwnersName.pattern()),
            ]
        },
        fallbacks=[cancel_fallback()],
        name=RENAME_WIZARD,
        # Rename on another device while a name is awaited starts over for that device.
        allow_reentry=True,
        conversation_timeout=15 * 60,
    )


def build_handlers() -> list[Handler]:
    return [
        CommandHandler("received", show_received, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(turn_received_page, pattern=ListReceived.pattern()),
        CallbackQueryHandler(accept_from_list, pattern=AcceptFromList.pattern()),
        CallbackQueryHandler(decline_from_list, pattern=DeclineFromList.pattern()),
        CallbackQueryHandler(open_received, pattern=OpenReceived.pattern()),
        CallbackQueryHandler(ask_to_remove_received, pattern=AskToRemoveReceived.pattern()),
        CallbackQueryHandler(remove_received, pattern=RemoveReceived.pattern()),
    ]


async def owe_share_left(
    context: CamShareContext, session: AsyncSession, share: ShareView, *, recipient_name: str
) -> list[Owed]:
    """In the removal's transaction: the owner of a share its recipient deleted from their list
    is owed the news (R12). From the chat (`remove_received`) and the portal."""
    payload = {"person": recipient_name, "device": share.device.name}
    return [await owe(context, session, share.owner.id, MessageKind.SHARE_LEFT, payload)]
