"""The recipient's side of an invitation: the prompt with Accept and Decline, and its end.

A prompt carries the share id and version in its buttons (they may be tapped days later, after a
restart); every tap is checked again by the sharing service, which answers for the current
state: accepted, declined, cancelled, expired, or edited since this prompt was sent.
"""

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler

from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.grants_text import grant_lines
from handlers.common.keyboards import button, inline, remove_buttons
from handlers.common.owed import Close, Delivery, MessageKind, Send, owe, renders, send_owed
from handlers.groups import lines as group_lines
from languages import _, ngettext
from sharing.errors import (
    DifferentRegion,
    InvitationExpired,
    ShareConflict,
    ShareNotFound,
    ShareNotPending,
    ShareToSelf,
    SharingError,
    TooManyOwners,
)
from sharing.groups import group_outbox
from sharing.people import claims, person_outbox
from sharing.people.person_outbox import Owed, Payload
from sharing.shares import shares
from sharing.shares.share_queries import load_share
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


async def owe_invitation(
    context: CamShareContext, session: AsyncSession, share: ShareView
) -> Owed | None:
    """Owe the recipient the prompt of this invitation, in the transaction that made it: sent
    by `send_owed` once committed (False: the recipient blocked the bot or never started it,
    and the share stays pending). None for an invitation nobody has claimed yet."""
    if share.recipient is None:
        return None
    payload = {"share": share.id, "version": share.version}
    return await owe(context, session, share.recipient.id, MessageKind.INVITATION, payload)


async def deliver_invitation(context: CamShareContext, share: ShareView) -> bool:
    """Owe the prompt of a stored invitation and send it now: whether it reached the recipient."""
    async with context.services.database.write() as session:
        owed = await owe_invitation(context, session, share)
    if owed is None:
        return False
    return (await send_owed(context, [owed]))[owed.id]


@renders(MessageKind.INVITATION)
async def _prompt(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    """The prompt as the invitation is now; nothing if it is no longer open at this version
    (answered, cancelled, expired, or edited: the newer version has a prompt of its own)."""
    async with context.services.database.read() as session:
        try:
            share = await load_share(session, payload["share"])
        except ShareNotFound:
            return ()
    if share.state != ShareState.PENDING or share.version != payload["version"]:
        return ()
    recorded = partial(_record_prompt, context, share.id, share.version)
    return (Send(render_invitation(share), invitation_keyboard(share), recorded=recorded),)


async def _record_prompt(
    context: CamShareContext,
    share_id: int,
    version: int,
    session: AsyncSession,
    prompt: MessageRef,
) -> None:
    """Remember where the prompt is, for whatever closes it later. An invitation that ended, or
    was edited, while its prompt went out is past what closed it then: its prompt is closed now,
    as the invitation is (the row, locked by the update, cannot change under this read)."""
    try:
        await shares.set_share_prompt(session, share_id=share_id, prompt=prompt)
    except ShareNotFound:
        return  # the device was removed meanwhile, and its recipients told
    share = await load_share(session, share_id)
    if share.state == ShareState.PENDING:
        if share.version == version:
            return
        why: ClosedBecause | None = ClosedBecause.INVITATION_CHANGED
    else:
        why = {
            ShareState.EXPIRED: ClosedBecause.INVITATION_EXPIRED,
            ShareState.CANCELLED: ClosedBecause.INVITATION_CANCELLED,
        }.get(share.state)
    if why is None:
        return  # answered from /received, which says so there
    await owe_prompt_closed(context, session, prompt, why, _facts(share), now=True)


class ClosedBecause(StrEnum):
    INVITATION_EXPIRED = "invitation_expired"
    INVITATION_CANCELLED = "invitation_cancelled"
    INVITATION_CHANGED = "invitation_changed"
    APPLICATION_EXPIRED = "application_expired"


def invitation_facts(
    *, owner: str, device: str, expires_at: datetime | None = None
) -> dict[str, str]:
    """What a closed invitation's prompt says: plain names and the moment it ran out."""
    facts = {"owner": owner, "device": device}
    if expires_at is not None:
        facts["expires_at"] = expires_at.isoformat()
    return facts


def _facts(share: ShareView) -> dict[str, str]:
    return invitation_facts(
        owner=share.owner.display_name, device=share.device.name, expires_at=share.expires_at
    )


async def owe_prompt_closed(
    context: CamShareContext,
    session: AsyncSession,
    prompt: MessageRef,
    why: ClosedBecause,
    facts: Mapping[str, str],
    *,
    now: bool = False,
) -> Owed:
    """Owe the closing of a prompt, said as `why` with `facts`. The prompt is in its reader's
    private chat. `now`: not held for this process (the job sends it on its next run)."""
    payload = prompt_closed_payload(prompt, why, facts)
    if not now:
        return await owe(context, session, prompt.chat_id, MessageKind.PROMPT_CLOSED, payload)
    services = context.services
    return await person_outbox.owe(
        session,
        account_id=prompt.chat_id,
        kind=MessageKind.PROMPT_CLOSED,
        payload=payload,
        now=services.clock(),
        lease=timedelta(0),
    )


def prompt_closed_payload(
    prompt: MessageRef, why: ClosedBecause, facts: Mapping[str, str]
) -> dict[str, object]:
    return {"chat": prompt.chat_id, "message": prompt.message_id, "why": why, **facts}


@renders(MessageKind.PROMPT_CLOSED)
async def _closed_prompt(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    return (Close(MessageRef(payload["chat"], payload["message"]), closed_prompt_text(payload)),)


def closed_prompt_text(facts: Payload) -> str:
    why = facts["why"]
    device = escape(facts["device"])
    if why == ClosedBecause.INVITATION_EXPIRED:
        return _(
            "⌛ <b>{owner}</b>'s invitation to <b>{device}</b> expired on {moment}."
            " Ask {owner} to share it again if you still need it."
        ).format(owner=escape(facts["owner"]), device=device, moment=_moment(facts))
    if why == ClosedBecause.INVITATION_CANCELLED:
        return _("✖️ {owner} cancelled the invitation to <b>{device}</b>.").format(
            owner=escape(facts["owner"]), device=device
        )
    if why == ClosedBecause.INVITATION_CHANGED:
        return _(
            "This invitation to <b>{device}</b> was changed by its owner: see the newer one."
        ).format(device=device)
    assert why == ClosedBecause.APPLICATION_EXPIRED, why
    return _(
        "⌛ The application from <b>{applicant}</b> for <b>{device}</b> expired on {moment}"
        " without a decision."
    ).format(applicant=escape(facts["applicant"]), device=device, moment=_moment(facts))


def _moment(facts: Payload) -> str:
    return format_moment(datetime.fromisoformat(facts["expires_at"]))


async def close_prompt(context: CamShareContext, prompt: MessageRef | None, text: str) -> None:
    """Replace a prompt by `text`, without buttons, at once: for a prompt closed in answer to its
    reader's own tap. The prompt may be gone (deleted by the user, or never delivered); that is
    no reason to fail the flow that closes it."""
    if prompt is None:
        return
    try:
        await context.bot.edit_message_text(
            text, chat_id=prompt.chat_id, message_id=prompt.message_id, parse_mode=ParseMode.HTML
        )
    except (BadRequest, Forbidden) as error:
        log.info("could not close prompt %s: %s", prompt, error.message)


async def owe_claimed(
    context: CamShareContext, session: AsyncSession, claimed: ClaimedInvitations
) -> list[Owed]:
    """After an account proved an address, in the claim's transaction: the prompts of its
    waiting invitations, and word to the owners of those a rule refused now."""
    owed = [await owe_invitation(context, session, share) for share in claimed.claimed]
    for cancelled in claimed.cancelled:
        share, reason = cancelled.share, cancelled.reason
        payload = {
            "device": share.device.name,
            "reason": type(reason).__name__,
            "facts": _fields_of(reason),
        }
        owed.append(await owe(context, session, share.owner.id, MessageKind.CLAIM_REFUSED, payload))
    return [each for each in owed if each is not None]


def _fields_of(reason: SharingError) -> dict[str, object]:
    assert dataclasses.is_dataclass(reason), "every refusal is a dataclass"
    return dataclasses.asdict(reason)


_CLAIM_REFUSALS: dict[str, type[SharingError]] = {
    refusal.__name__: refusal
    for refusal in (ShareToSelf, ShareConflict, DifferentRegion, TooManyOwners)
}
"""What `sharing.people.claims` may refuse a claim for: stored by name and fields, said when
sent."""


@renders(MessageKind.CLAIM_REFUSED)
async def _claim_refused(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    reason = _CLAIM_REFUSALS[payload["reason"]](**payload["facts"])
    text = _(
        "Your invitation to <b>{device}</b> could not be delivered and was cancelled: {reason}"
    ).format(device=escape(payload["device"]), reason=describe(reason))
    return (Send(text),)


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
        payload = {"accepted": accept, "person": recipient.full_name, "device": share.device.name}
        owed = await owe(context, session, share.owner.id, MessageKind.INVITATION_ANSWERED, payload)
    await send_owed(context, [owed])
    return share


@renders(MessageKind.INVITATION_ANSWERED)
async def _answered(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    answered = (
        _("✅ {person} accepted your share of <b>{device}</b>.")
        if payload["accepted"]
        else _("❌ {person} declined your share of <b>{device}</b>.")
    )
    return (
        Send(answered.format(person=escape(payload["person"]), device=escape(payload["device"]))),
    )


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
        owed = await owe_claimed(context, session, claimed)
    await send_owed(context, owed)


def build_handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(accept_invitation, pattern=AcceptInvitation.pattern()),
        CallbackQueryHandler(decline_invitation, pattern=DeclineInvitation.pattern()),
    ]
