"""Sending the messages owed to people (`sharing.people.person_outbox`): the same way from the
handler that owed them, right after its commit, and from the job that sends what is left.

Each kind of message has a renderer (`renders`), registered by the feature module that owes it:
it turns the row's payload into what to send, called inside `speaking_to` the reader, so the
text is in their language as it is when it is sent. A renderer returns messages to send
(`Send`) or prompts to close (`Close`), or nothing at all.

A message whose subject changed before it went out is rendered as it is now, and a message
that no longer has anything to say is marked sent without sending: a prompt for an invitation
cancelled, expired, answered or edited before its prompt went out is not sent (the newer
version has its own row). A prompt that went out while its invitation ended (the sweep or a
cancel committed between the render and the mark) is closed by the mark itself: it owes the
prompt's closing, said as the invitation is then.

Sending: each owed message's deliveries in order, then one transaction marks it sent and runs
what the kind records of a message sent (the prompt's message id). A recipient who blocked the
bot or never started it is marked unreachable (`send_notice`) and the row settled: nothing
there will reach them. Any other failure (network, a flood wait past the rate limiter) leaves
the row to its lease, after which the job sends it again.
"""

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from handlers.common.context import CamShareContext
from handlers.common.notify import send_notice
from handlers.common.readers import speaking_to
from sharing.people import person_outbox
from sharing.people.person_outbox import Owed, Payload
from sharing.views import MessageRef

log = logging.getLogger(__name__)


class MessageKind(StrEnum):
    """What a person may be owed; each has one renderer."""

    INVITATION = "invitation"
    """The recipient's prompt with Accept and Decline."""
    PROMPT_CLOSED = "prompt_closed"
    """A prompt (an invitation's, an application's) edited to say why it is closed."""
    CLAIM_REFUSED = "claim_refused"
    """To the owner: an invitation a rule refused when its address was proved, and why."""
    INVITATION_ANSWERED = "invitation_answered"
    """To the owner: accepted or declined."""
    INVITATIONS_EXPIRED = "invitations_expired"
    """To the owner: one or more of their invitations ran out."""
    SHARE_CHANGED = "share_changed"
    """To the recipient of an active share its owner edited."""
    SHARE_STOPPED = "share_stopped"
    """R12, to the recipient: the owner deleted the share."""
    SHARE_LEFT = "share_left"
    """R12, to the owner: the recipient deleted the share from their list."""
    APPLICATION_EXPIRED = "application_expired"
    """To the applicant: the owner did not answer in time."""
    APPLICATION_NEW = "application_new"
    """To the owner: a new application, with Review."""
    APPLICATION_REMINDER = "application_reminder"
    """To the owner: an application still waits (its applicant applied again), with Review."""
    APPLICATION_DECIDED = "application_decided"
    """To the applicant: accepted (with the share as it is now) or rejected."""
    DEVICE_REMOVED = "device_removed"
    """To each recipient of a device its owner removed."""
    DEVICE_STATUS = "device_status"
    """To the owner: a device away longer than the grace period, or back."""


@dataclass(frozen=True)
class Send:
    """A new message to the reader."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    recorded: Callable[[AsyncSession, MessageRef], Awaitable[None]] | None = None
    """What to store of the message sent, in the transaction that marks it sent."""


@dataclass(frozen=True)
class Close:
    """A prompt edited to `text`, without buttons."""

    prompt: MessageRef
    text: str


Delivery = Send | Close
Renderer = Callable[[CamShareContext, Payload], Awaitable[Sequence[Delivery]]]

_RENDERERS: dict[str, Renderer] = {}


def renders(kind: MessageKind) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a kind (one per kind)."""

    def register(renderer: Renderer) -> Renderer:
        if kind in _RENDERERS and _RENDERERS[kind] is not renderer:
            raise RuntimeError(f"two renderers for {kind}")
        _RENDERERS[kind] = renderer
        return renderer

    return register


def unrendered_kinds() -> set[MessageKind]:
    """Kinds without a renderer: none once every feature module is imported (bot.app)."""
    return set(MessageKind) - set(_RENDERERS)


async def owe(
    context: CamShareContext,
    session: AsyncSession,
    account_id: int,
    kind: MessageKind,
    payload: Payload,
) -> Owed:
    """Queue a message in the caller's transaction; send it with `send_owed` once committed."""
    services = context.services
    return await person_outbox.owe(
        session,
        account_id=account_id,
        kind=kind,
        payload=payload,
        now=services.clock(),
        lease=services.owed_lease,
    )


async def send_owed(context: CamShareContext, owed: Iterable[Owed]) -> dict[int, bool]:
    """Send each owed message, in order; returns, by id, whether it reached its reader or is on
    its way (left to the job after a failure that may pass). False: the reader is unreachable,
    or there was nothing to say any more."""
    return {each.id: await _send(context, each) for each in owed}


async def send_owed_messages(context: CamShareContext) -> int:
    """What the job does: send, batch after batch, whatever is owed and nobody is sending.
    Returns how many rows it took."""
    services = context.services
    async with services.database.read() as session:
        if not await person_outbox.any_due(session, now=services.clock()):
            return 0
    lease = person_outbox.lease_for(person_outbox.BATCH, base=services.owed_lease)
    taken = 0
    while True:
        # The clock is read for each claim: a lease counted from the job's start would have run
        # out for the later batches of a long run, and another sender would take them too.
        async with services.database.write() as session:
            batch = await person_outbox.claim_due(session, now=services.clock(), lease=lease)
        await send_owed(context, batch)
        taken += len(batch)
        if len(batch) < person_outbox.BATCH:
            return taken


async def forget_sent_messages(context: CamShareContext) -> None:
    services = context.services
    async with services.database.write() as session:
        await person_outbox.forget_sent(session, now=services.clock())


async def _send(context: CamShareContext, owed: Owed) -> bool:
    services = context.services
    records: list[tuple[Callable[[AsyncSession, MessageRef], Awaitable[None]], MessageRef]] = []
    told = False
    try:
        async with speaking_to(context, owed.account_id):
            deliveries = await _RENDERERS[owed.kind](context, owed.payload)
        for delivery in deliveries:
            if isinstance(delivery, Close):
                told = await _close(context, delivery) or told
                continue
            message = await send_notice(
                context, owed.account_id, delivery.text, reply_markup=delivery.reply_markup
            )
            if message is None:  # unreachable, and marked so: nothing more will reach them
                break
            told = True
            if delivery.recorded is not None:
                records.append((delivery.recorded, MessageRef(message.chat_id, message.message_id)))
    except Exception:
        # Left to its lease: the job sends it again once the lease runs out.
        log.warning("could not send %s message %s yet", owed.kind, owed.id, exc_info=True)
        return True
    async with services.database.write() as session:
        if await person_outbox.settle(session, owed_id=owed.id, now=services.clock()):
            for record, message_ref in records:
                await record(session, message_ref)
    return told


async def _close(context: CamShareContext, close: Close) -> bool:
    """The prompt may be gone (deleted by its reader) or not modifiable: nothing to retry."""
    prompt = close.prompt
    try:
        await context.bot.edit_message_text(
            close.text,
            chat_id=prompt.chat_id,
            message_id=prompt.message_id,
            parse_mode=ParseMode.HTML,
        )
    except (BadRequest, Forbidden) as error:
        log.info("could not close prompt %s: %s", prompt, error.message)
        return False
    return True
