"""The recipient's side of an invitation: the prompt with Accept and Decline, and its end.

A prompt carries the share id and version in its buttons (they may be tapped days later, after a
restart); every tap is checked again by the sharing service, which answers for the current
state: accepted, declined, cancelled, expired, or edited since this prompt was sent.
"""

import logging
from dataclasses import dataclass
from functools import partial

from telegram import CallbackQuery, InlineKeyboardMarkup, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler

from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.grants_text import grant_lines
from handlers.common.keyboards import button, inline, remove_buttons
from handlers.common.notify import notify, send_notice
from handlers.common.readers import speaking_to
from handlers.groups import lines as group_lines
from languages import _, ngettext
from sharing.errors import InvitationExpired, ShareNotFound, ShareNotPending, SharingError
from sharing.groups import group_outbox
from sharing.people import claims
from sharing.shares import shares
from sharing.views import ClaimedInvitations, MessageRef, ShareView
from storage.models import ShareState
from wording.formatting import escape, format_moment
from wording.refusals import as_alert, describe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AcceptInvitation(CallbackData, prefix="iva"):
    share_id: int
    version: int


@dataclass(frozen=True)
class DeclineInvitation(CallbackData, prefix="ivd"):
    share_id: int
    version: int


def render_invitation(share: ShareView) -> str:
    channels = len(share.grants)
    head = ngettext(
        "📨 <b>{owner}</b> wants to share <b>{device}</b> with you ({count} channel):",
        "📨 <b>{owner}</b> wants to share <b>{device}</b> with you ({count} channels):",
        channels,
    ).format(
        owner=escape(share.owner.display_name), device=escape(share.device.name), count=channels
    )
    expires = (
        "\n\n"
        + _("This invitation expires on {moment}.").format(moment=format_moment(share.expires_at))
        if share.expires_at
        else ""
    )
    return head + "\n" + "\n".join(grant_lines(share.grants)) + expires


def invitation_keyboard(share: ShareView) -> InlineKeyboardMarkup:
    return inline(
        [
            button(_("✅ Accept"), AcceptInvitation(share.id, share.version)),
            button(_("❌ Decline"), DeclineInvitation(share.id, share.version)),
        ]
    )


async def deliver_invitation(context: CamShareContext, share: ShareView) -> bool:
    """Send the prompt to the recipient and remember where it is. False if Telegram refused
    (the recipient blocked the bot or never started it): the share stays pending."""
    if share.recipient is None:
        return False
    async with speaking_to(context, share.recipient.id):
        text, keyboard = render_invitation(share), invitation_keyboard(share)
    message = await send_notice(context, share.recipient.id, text, reply_markup=keyboard)
    if message is None:
        return False
    async with context.services.database.write() as session:
        await shares.set_share_prompt(
            session, share_id=share.id, prompt=MessageRef(message.chat_id, message.message_id)
        )
    return True


async def close_prompt(context: CamShareContext, prompt: MessageRef | None, text: str) -> None:
    """Replace a prompt by `text`, without buttons. The prompt may be gone (deleted by the user,
    or never delivered); that is no reason to fail the flow that closes it."""
    if prompt is None:
        return
    try:
        await context.bot.edit_message_text(
            text, chat_id=prompt.chat_id, message_id=prompt.message_id, parse_mode=ParseMode.HTML
        )
    except (BadRequest, Forbidden) as error:
        log.info("could not close prompt %s: %s", prompt, error.message)


async def deliver_claimed(context: CamShareContext, claimed: ClaimedInvitations) -> None:
    """After an account proved an address: its waiting invitations, and word to the owners of
    those a rule refused now."""
    for share in claimed.claimed:
        await deliver_invitation(context, share)
    for cancelled in claimed.cancelled:
        share = cancelled.share
        async with speaking_to(context, share.owner.id):
            text = _(
                "Your invitation to <b>{device}</b> could not be delivered and was cancelled:"
                " {reason}"
            ).format(device=escape(share.device.name), reason=describe(cancelled.reason))
        await notify(context, share.owner.id, text)


async def accept_invitation(update: Update, context: CamShareContext) -> None:
    await _answer(update, context, accept=True)


async def decline_invitation(update: Update, context: CamShareContext) -> None:
    await _answer(update, context, accept=False)


async def _answer(update: Update, context: CamShareContext, *, accept: bool) -> None:
    query = update.callback_query
    assert query and update.effective_user
    data = (AcceptInvitation if accept else DeclineInvitation).unpack(query.data)
    try:
        share = await answer_invitation(
            context,
            share_id=data.share_id,
            version=data.version,
            recipient=update.effective_user,
            accept=accept,
        )
    except SharingError as error:
        await _refuse(query, error)
        return
    await query.answer(_("Accepted") if accept else _("Declined"))
    await query.edit_message_text(render_answered(share), parse_mode=ParseMode.HTML)


async def answer_invitation(
    context: CamShareContext, *, share_id: int, version: int, recipient: User, accept: bool
) -> ShareView:
    """Accept or decline the invitation and tell the owner: the one way to answer, whether from
    the prompt or from the `/received` list. Raises the service's refusals; the caller words
    them and redraws whichever message was tapped (`render_answered` says what the prompt
    should read now)."""
    services = context.services
    change = shares.accept_invitation if accept else shares.decline_invitation
    async with services.database.write() as session:
        share = await change(
            session,
            share_id=share_id,
            version=version,
            recipient_id=recipient.id,
            now=services.clock(),
        )
        news = [(share.device.id, partial(group_lines.invitation_answered, share))]
        await group_outbox.queue_device_news(session, news, now=services.clock())
    async with speaking_to(context, share.owner.id):
        answered = (
            _("✅ {person} accepted your share of <b>{device}</b>.")
            if accept
            else _("❌ {person} declined your share of <b>{device}</b>.")
        )
        text = answered.format(person=escape(recipient.full_name), device=escape(share.device.name))
    await notify(context, share.owner.id, text)
    return share


def render_answered(share: ShareView) -> str:
    """What an answered prompt reads: what was accepted, or that it was declined."""
    if share.state == ShareState.ACTIVE:
        return render_accepted(share)
    return _("You declined <b>{device}</b> from {owner}.").format(
        device=escape(share.device.name), owner=escape(share.owner.display_name)
    )


def render_accepted(share: ShareView) -> str:
    head = _("✅ You accepted <b>{device}</b> from {owner}:").format(
        device=escape(share.device.name), owner=escape(share.owner.display_name)
    )
    return head + "\n" + "\n".join(grant_lines(share.grants))


async def _refuse(query: CallbackQuery, error: SharingError) -> None:
    """Say what happened to the invitation and, when it is over, take the dead buttons off."""
    await query.answer(as_alert(error), show_alert=True)
    if isinstance(error, InvitationExpired | ShareNotPending | ShareNotFound):
        try:
            await remove_buttons(query)
        except BadRequest as edit_error:
            log.info("prompt keeps its buttons: %s", edit_error.message)


async def deliver_waiting_invitations(account_id: int, context: CamShareContext) -> None:
    """Invitations sent to this account's username, id, phone or email before it could receive
    them (R10): claim them now and show their prompts. Call whenever an address is proved."""
    services = context.services
    async with services.database.write() as session:
        claimed = await claims.claim_invitations(
            session, account_id=account_id, now=services.clock()
        )
    await deliver_claimed(context, claimed)


def build_handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(accept_invitation, pattern=AcceptInvitation.pattern()),
        CallbackQueryHandler(decline_invitation, pattern=DeclineInvitation.pattern()),
    ]
