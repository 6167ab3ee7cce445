"""Invitations and applications that nobody answered in time (R11): close them, tell both sides.

`sweep_expired` runs from a repeating job (bot/jobs.py), first at start-up: the database's
`expires_at` is the record, so a sweep also catches what ran out while the bot was down.

Each batch is claimed in its own short write transaction, committed before anyone is told, so no
write lock is held across Telegram calls. The sharing service hands each expired row to exactly
one claim, however many bot processes share the database. What each expiry owes (the
recipient's prompt closed, the owner's notice; the applicant's notice, the owner's application
messages closed) is queued in the claim's transaction (`sharing.people.person_outbox`), held by
this sweep, which sends it right after the commit. Should the process die first, the job that
sends owed messages sends it once the hold runs out: nothing is lost, and what was in flight
at the crash may arrive twice.
"""

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.common.context import CamShareContext
from handlers.common.owed import Delivery, MessageKind, Send, renders, send_owed
from handlers.groups import lines as group_lines
from handlers.manage.invitations import ClosedBecause, invitation_facts, prompt_closed_payload
from languages import _, ngettext
from sharing.applications import applications
from sharing.groups import group_outbox
from sharing.people import person_outbox
from sharing.people.person_outbox import LEASE, Owed, Payload
from sharing.shares import shares
from sharing.shares.expiry import DEFAULT_BATCH, SweepNames
from sharing.views import Address, ExpiredApplication, ExpiredInvitation
from storage.models import AddressKind
from wording.formatting import escape, recipient_label

log = logging.getLogger(__name__)

Expired = TypeVar("Expired", ExpiredInvitation, ExpiredApplication)

_ROOM_FOR_LINES = 3_900
"""Telegram takes 4,096 characters a message; the rest is for the heading."""


async def sweep_expired(context: CamShareContext, *, batch_size: int = DEFAULT_BATCH) -> int:
    """Expire every invitation and application past its time and announce each; returns how
    many this call expired (a concurrent sweep elsewhere expires the others)."""
    # One `now` for the whole sweep: what runs out while we announce waits for the next sweep,
    # and the loops below end however fast new rows fall due.
    now = context.services.clock()
    lease = context.services.owed_lease
    names = SweepNames()  # each device and person is read once per sweep, not once per batch

    invitations = partial(claim_invitations, now=now, limit=batch_size, names=names, lease=lease)
    announced = await _drain(context, invitations, batch_size)
    applications_ = partial(claim_applications, now=now, limit=batch_size, names=names, lease=lease)
    announced += await _drain(context, applications_, batch_size)
    if announced:
        log.info("announced %d expired invitations and applications", announced)
    return announced


@dataclass(frozen=True)
class Claimed(Generic[Expired]):
    """A batch expired, and the messages it owes, to send once committed."""

    expired: tuple[Expired, ...]
    owed: tuple[Owed, ...]


async def claim_invitations(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    names: SweepNames,
    lease: timedelta = LEASE,
) -> Claimed[ExpiredInvitation]:
    """A batch of expired invitations, their groups' lines and their messages queued in the same
    transaction: each recipient's prompt closed; each owner told of theirs in one message per
    batch, not one per invitation (an installer who invited fifty people at once would
    otherwise get fifty messages in a second, past Telegram's flood limit for one chat)."""
    batch = await shares.expire_due_invitations(session, now=now, limit=limit, names=names)
    news = [
        (each.device.id, partial(group_lines.invitation_expired, each))
        for each in batch
        if each.device_linked
    ]
    await group_outbox.queue_device_news(session, news, now=now)
    by_owner: defaultdict[int, list[list[str]]] = defaultdict(list)
    for invitation in batch:
        # The owner typed the address of an invitation nobody claimed: showing it reveals
        # nothing. Said in the owner's language when sent, as a Telegram id is.
        who = invitation.recipient.display_name if invitation.recipient else None
        address = invitation.address
        by_owner[invitation.owner.id].append(
            [
                who or "",
                address.kind if address else "",
                address.value if address else "",
                invitation.device.name,
            ]
        )
    owed: list[tuple[int, str, Payload]] = []
    for invitation in batch:
        if invitation.prompt is None:  # never delivered: nobody to tell
            continue
        facts = invitation_facts(
            owner=invitation.owner.display_name,
            device=invitation.device.name,
            expires_at=invitation.expires_at,
        )
        payload = prompt_closed_payload(invitation.prompt, ClosedBecause.INVITATION_EXPIRED, facts)
        # A prompt is in the private chat of its recipient, whose chat id is their account id.
        owed.append((invitation.prompt.chat_id, MessageKind.PROMPT_CLOSED, payload))
    for owner_id, owned in by_owner.items():
        owed.append((owner_id, MessageKind.INVITATIONS_EXPIRED, {"invitations": owned}))
    return Claimed(batch, await _owe(session, owed, now=now, lease=lease))


async def claim_applications(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    names: SweepNames,
    lease: timedelta = LEASE,
) -> Claimed[ExpiredApplication]:
    """A batch of expired applications, their groups' lines and their messages queued in the
    same transaction: the owner's messages about each (its prompt, its latest reminder) closed,
    the applicant told."""
    batch = await applications.expire_due_applications(session, now=now, limit=limit, names=names)
    news = [
        (each.device.id, partial(group_lines.application_expired, each))
        for each in batch
        if each.device_linked
    ]
    await group_outbox.queue_device_news(session, news, now=now)
    owed: list[tuple[int, str, Payload]] = []
    for application in batch:
        facts = {
            "applicant": application.applicant.display_name,
            "device": application.device.name,
            "expires_at": application.expires_at.isoformat(),
        }
        for message in (application.prompt, application.reminder):
            if message is None:
                continue
            payload = prompt_closed_payload(message, ClosedBecause.APPLICATION_EXPIRED, facts)
            # In the owner's private chat, whose id is the owner's account id.
            owed.append((message.chat_id, MessageKind.PROMPT_CLOSED, payload))
        payload = {"device": application.device.name}
        owed.append((application.applicant.id, MessageKind.APPLICATION_EXPIRED, payload))
    return Claimed(batch, await _owe(session, owed, now=now, lease=lease))


async def _owe(
    session: AsyncSession,
    owed: list[tuple[int, str, Payload]],
    *,
    now: datetime,
    lease: timedelta,
) -> tuple[Owed, ...]:
    """One INSERT for a batch's messages, held long enough for this sweep to send them all."""
    lease = person_outbox.lease_for(len(owed), base=lease)
    return await person_outbox.owe_many(session, owed, now=now, lease=lease)


async def _drain(
    context: CamShareContext,
    claim: Callable[[AsyncSession], Awaitable[Claimed[Expired]]],
    batch_size: int,
) -> int:
    """Claim and announce batch after batch until one comes back short: nothing more is due."""
    total = 0
    while True:
        async with context.services.database.write() as session:
            claimed = await claim(session)
        await send_owed(context, claimed.owed)
        total += len(claimed.expired)
        if len(claimed.expired) < batch_size:
            return total


@renders(MessageKind.INVITATIONS_EXPIRED)
async def _invitations_expired(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    return tuple(Send(text) for text in expired_invitations_texts(payload["invitations"]))


@renders(MessageKind.APPLICATION_EXPIRED)
async def _application_expired(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    return (Send(application_expired_text(payload["device"])),)


def expired_invitations_texts(owned: Sequence[Sequence[str]]) -> list[str]:
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


def _invitation_line(invitation: Sequence[str]) -> str:
    """ "<b>Rita</b> for <b>Shop NVR</b>": whom an invitation was for, and to which device."""
    name, address_kind, address, device = invitation
    person = name or recipient_label(None, Address(AddressKind(address_kind), address))
    return _("<b>{person}</b> for <b>{device}</b>").format(
        person=escape(person), device=escape(device)
    )


def application_expired_text(device: str) -> str:
    """For the applicant."""
    return _(
        "⌛ Your application for <b>{device}</b> expired: its owner did not answer in time."
        " Scan the device's QR code again to apply again."
    ).format(device=escape(device))
