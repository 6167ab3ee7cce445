"""Invitations and applications that nobody answered in time (R11): close them, tell both sides.

`sweep_expired` runs from a repeating job (bot/jobs.py), first at start-up: the database's
`expires_at` is the record, so a sweep also catches what ran out while the bot was down.

Each batch is claimed in its own short write transaction, committed before anyone is told, so no
write lock is held across Telegram calls. The sharing service hands each expired row to exactly
one claim, however many bot processes share the database, and we announce only what our own
claim returned: every expiry is announced once. The price is at most once: should the process
die between the commit and the messages, those announcements are lost; the state is right and
the old prompt's buttons still answer that the invitation expired.
"""

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.error import TelegramError

from handlers.common.context import CamShareContext
from handlers.common.notify import notify
from handlers.common.readers import speaking_to
from handlers.groups import lines as group_lines
from handlers.manage.invitations import close_prompt
from languages import _, ngettext
from sharing.applications import applications
from sharing.groups import group_outbox
from sharing.shares import shares
from sharing.shares.expiry import DEFAULT_BATCH, SweepNames
from sharing.views import ExpiredApplication, ExpiredInvitation
from wording.formatting import escape, format_moment, recipient_label

log = logging.getLogger(__name__)

Expired = TypeVar("Expired", ExpiredInvitation, ExpiredApplication)

_ROOM_FOR_LINES = 3_900
"""Telegram takes 4,096 characters a message; the rest is for the heading."""


async def sweep_expired(context: CamShareContext, *, batch_size: int = DEFAULT_BATCH) -> int:
    """Expire every invitation and application past its time and announce each; returns how
    many this call announced (a concurrent sweep elsewhere announces the others)."""
    # One `now` for the whole sweep: what runs out while we announce waits for the next sweep,
    # and the loops below end however fast new rows fall due.
    now = context.services.clock()
    names = SweepNames()  # each device and person is read once per sweep, not once per batch

    invitations = partial(claim_invitations, now=now, limit=batch_size, names=names)
    announced = await _drain(context, invitations, announce_expired_invitations, batch_size)
    applications_ = partial(claim_applications, now=now, limit=batch_size, names=names)
    announced += await _drain(context, applications_, announce_expired_applications, batch_size)
    if announced:
        log.info("announced %d expired invitations and applications", announced)
    return announced


async def claim_invitations(
    session: AsyncSession, *, now: datetime, limit: int, names: SweepNames
) -> tuple[ExpiredInvitation, ...]:
    """A batch of expired invitations, their groups' lines queued in the same transaction."""
    batch = await shares.expire_due_invitations(session, now=now, limit=limit, names=names)
    news = [
        (each.device.id, partial(group_lines.invitation_expired, each))
        for each in batch
        if each.device_linked
    ]
    await group_outbox.queue_device_news(session, news, now=now)
    return batch


async def claim_applications(
    session: AsyncSession, *, now: datetime, limit: int, names: SweepNames
) -> tuple[ExpiredApplication, ...]:
    """A batch of expired applications, their groups' lines queued in the same transaction."""
    batch = await applications.expire_due_applications(session, now=now, limit=limit, names=names)
    news = [
        (each.device.id, partial(group_lines.application_expired, each))
        for each in batch
        if each.device_linked
    ]
    await group_outbox.queue_device_news(session, news, now=now)
    return batch


async def _drain(
    context: CamShareContext,
    claim: Callable[[AsyncSession], Awaitable[tuple[Expired, ...]]],
    announce: Callable[[CamShareContext, tuple[Expired, ...]], Awaitable[None]],
    batch_size: int,
) -> int:
    """Claim and announce batch after batch until one comes back short: nothing more is due."""
    total = 0
    while True:
        async with context.services.database.write() as session:
            batch = await claim(session)
        await announce(context, batch)
        total += len(batch)
        if len(batch) < batch_size:
            return total


async def announce_expired_invitations(
    context: CamShareContext, batch: tuple[ExpiredInvitation, ...]
) -> None:
    """Each recipient's prompt loses its buttons and says so; each owner hears of theirs in one
    message per batch, not one per invitation: an installer who invited fifty people at once
    would otherwise get fifty messages in a second, past Telegram's flood limit for one chat.
    Each reads it in their own language: the job has no update, so no reader of its own."""
    for invitation in batch:
        if invitation.prompt is None:  # never delivered: nobody to tell
            continue
        # A prompt is in the private chat of its recipient, whose chat id is their account id.
        async with speaking_to(context, invitation.prompt.chat_id):
            text = expired_prompt_text(invitation)
        await _attempt(close_prompt(context, invitation.prompt, text), f"share {invitation.id}")
    by_owner: defaultdict[int, list[ExpiredInvitation]] = defaultdict(list)
    for invitation in batch:
        by_owner[invitation.owner.id].append(invitation)
    for owner_id, owned in by_owner.items():
        async with speaking_to(context, owner_id):
            texts = expired_invitations_texts(owned)
        for text in texts:
            await _attempt(notify(context, owner_id, text), f"shares {[i.id for i in owned]}")


async def announce_expired_applications(
    context: CamShareContext, batch: tuple[ExpiredApplication, ...]
) -> None:
    """The owner's messages about it (its prompt, its latest reminder) are closed; the applicant
    hears of it. Each in their own language."""
    for application in batch:
        owners_messages = [m for m in (application.prompt, application.reminder) if m is not None]
        if owners_messages:
            # In the owner's private chat, whose id is the owner's account id.
            async with speaking_to(context, owners_messages[0].chat_id):
                closed = expired_application_text(application)
        for message in owners_messages:
            await _attempt(close_prompt(context, message, closed), f"application {application.id}")
        async with speaking_to(context, application.applicant.id):
            text = application_expired_text(application)
        await _attempt(
            notify(context, application.applicant.id, text), f"application {application.id}"
        )


async def _attempt(send: Awaitable[object], about: str) -> None:
    """Blocked users and vanished messages are handled where they are sent; anything else
    Telegram refuses (a network failure, a flood wait beyond the rate limiter's retries) must
    not cost the rest of the batch its announcements: the claim is committed, there is no retry."""
    try:
        await send
    except TelegramError:
        log.warning("could not announce the expiry of %s", about, exc_info=True)


def expired_prompt_text(invitation: ExpiredInvitation) -> str:
    """The recipient's Accept/Decline prompt, once it has run out."""
    return _(
        "⌛ <b>{owner}</b>'s invitation to <b>{device}</b> expired on {moment}."
        " Ask {owner} to share it again if you still need it."
    ).format(
        owner=escape(invitation.owner.display_name),
        device=escape(invitation.device.name),
        moment=format_moment(invitation.expires_at),
    )


def expired_invitations_texts(owned: list[ExpiredInvitation]) -> list[str]:
    """For the owner: one sentence for one invitation, else a list, split to fit messages."""
    if len(owned) == 1:
        return [
            _("⌛ Your invitation to {invitation} expired.").format(
                invitation=_invitation_line(owned[0])
            )
        ]
    messages: list[list[str]] = [[]]
    length = 0
    for invitation in owned:
        line = f"• {_invitation_line(invitation)}"
        if messages[-1] and length + len(line) > _ROOM_FOR_LINES:
            messages.append([])
            length = 0
        messages[-1].append(line)
        length += len(line) + 1
    return [_expired_heading(len(lines)) + "\n" + "\n".join(lines) for lines in messages]


def _expired_heading(count: int) -> str:
    return ngettext(
        "⌛ {count} of your invitations expired:", "⌛ {count} of your invitations expired:", count
    ).format(count=count)


def _invitation_line(invitation: ExpiredInvitation) -> str:
    """ "<b>Rita</b> for <b>Shop NVR</b>": whom an invitation was for, and to which device."""
    return _("<b>{person}</b> for <b>{device}</b>").format(
        person=escape(recipient_label(invitation.recipient, invitation.address)),
        device=escape(invitation.device.name),
    )


def expired_application_text(application: ExpiredApplication) -> str:
    """The owner's application message, once it has run out."""
    return _(
        "⌛ The application from <b>{applicant}</b> for <b>{device}</b> expired on {moment}"
        " without a decision."
    ).format(
        applicant=escape(application.applicant.display_name),
        device=escape(application.device.name),
        moment=format_moment(application.expires_at),
    )


def application_expired_text(application: ExpiredApplication) -> str:
    """For the applicant."""
    return _(
        "⌛ Your application for <b>{device}</b> expired: its owner did not answer in time."
        " Scan the device's QR code again to apply again."
    ).format(device=escape(application.device.name))
