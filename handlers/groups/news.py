"""Sending installer groups the news queued for them.

An event is one short line (handlers.groups.lines), queued in the database by the handler that
made it, in the event's own write transaction (`sharing.groups.group_outbox.queue_device_news`, or
`queue_line` for groups named otherwise): the line is stored with the event or not at all, and
queueing takes no Telegram call, so a group's news never holds up the flow that caused it.
The line is made when it is queued, in the language of each group that hears of it
(handlers.groups.lines); a digest's heading when it is sent, in the group's language then.
`flush_group_news`, run every few seconds by a job (bot/jobs.py), sends what waits within
Telegram's rate for groups, packing lines that queued up together into one digest
(sharing.groups.group_outbox says how, and why in the database).
"""

import asyncio
import logging
import re
from collections.abc import Sequence
from datetime import timedelta

from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from handlers.common.context import CamShareContext
from handlers.common.notify import CHAT_NOT_FOUND
from languages import ngettext, speaking
from sharing.groups import group_outbox, installer_groups
from sharing.groups.group_outbox import Dispatch, QueuedLine

log = logging.getLogger(__name__)

MUTED_PAUSE = timedelta(minutes=10)
"""How long a group that took the bot's right to write waits before its news is tried again."""

NOT_ENOUGH_RIGHTS = re.compile("not enough rights", re.IGNORECASE)
"""Telegram's words for a group whose administrators took the bot's right to write."""

MESSAGE_ROOM = 4096 - 32
"""Telegram takes 4,096 characters a message; the rest is for a digest's heading. Lines are
measured as HTML, which is never shorter than the text Telegram counts."""


async def flush_group_news(context: CamShareContext) -> int:
    """Send the news that may be sent now; returns how many messages went out.

    Each group's messages go in order, and the groups side by side: a group whose sends must
    wait (python-telegram-bot's limiter keeps each group to 20 messages a minute, and a request
    can be slow) holds back its own news only. A 429 still pauses every request the bot makes,
    as that limiter answers one. Every group is settled before an error is raised, so one
    group's failure leaves the others' news neither lost nor sent twice."""
    services = context.services
    now = services.clock()
    async with services.database.read() as session:
        due = await group_outbox.due_groups(session, now=now)
    if not due:
        return 0
    async with services.database.write() as session:
        dispatches = await group_outbox.claim_due(
            session, now=now, room=MESSAGE_ROOM, group_ids=due, lease=services.group_news_lease
        )
    outcomes = await asyncio.gather(
        *(_deliver(context, dispatch) for dispatch in dispatches), return_exceptions=True
    )
    if failures := [outcome for outcome in outcomes if isinstance(outcome, BaseException)]:
        raise BaseExceptionGroup("group news could not be settled", failures)
    return sum(outcome for outcome in outcomes if isinstance(outcome, int))


async def _deliver(context: CamShareContext, dispatch: Dispatch) -> int:
    """Send one group its messages in order, stopping at the first refusal, each settled as it
    went out (a crash repeats the message in flight, not the flush), then free the group.
    Returns how many messages went out."""
    services = context.services
    dropped: list[int] = []
    messages_sent = 0
    retry_at = None
    moved_to: int | None = None
    gone = False
    with speaking(dispatch.language):
        texts = [digest_text(lines) for lines in dispatch.messages]
    for lines, text in zip(dispatch.messages, texts, strict=True):
        try:
            await context.bot.send_message(dispatch.chat_id, text, parse_mode=ParseMode.HTML)
        except ChatMigrated as error:
            moved_to = error.new_chat_id  # sent again, to the supergroup, by the next flush
            break
        except RetryAfter as error:
            retry_at = services.clock() + _seconds(error.retry_after)
            break
        except (Forbidden, BadRequest) as error:
            if isinstance(error, Forbidden) or CHAT_NOT_FOUND.search(error.message):
                gone = True  # removed while we did not hear of it: unlink it quietly
                break
            if NOT_ENOUGH_RIGHTS.search(error.message):
                # Muted by an administrator: the news waits until it may be sent again.
                log.warning("group %s does not let me write; news waits", dispatch.chat_id)
                retry_at = services.clock() + MUTED_PAUSE
                break
            # The message itself was refused (a line we built badly): sending it again would be
            # refused again and hold back the group's news for ever.
            log.error("group %s refused news, dropped: %s %r", dispatch.chat_id, error, lines)
            dropped.extend(queued.id for queued in lines)
            continue
        except TelegramError:
            log.warning("group %s news stays queued", dispatch.chat_id, exc_info=True)
            break
        async with services.database.write() as session:
            await group_outbox.settle_message(
                session,
                group_id=dispatch.group_id,
                line_ids=[queued.id for queued in lines],
                now=services.clock(),
            )
        messages_sent += 1
    async with services.database.write() as session:
        if gone:
            await installer_groups.forget_group(session, chat_id=dispatch.chat_id)
            return messages_sent
        if moved_to is not None:
            await installer_groups.move_group(
                session, old_chat_id=dispatch.chat_id, new_chat_id=moved_to
            )
        await group_outbox.settle(
            session,
            group_id=dispatch.group_id,
            sent_line_ids=dropped,
            messages_sent=0,
            now=services.clock(),
            retry_at=retry_at,
        )
    return messages_sent


def digest_text(lines: Sequence[QueuedLine]) -> str:
    """One event is its own line; several that queued up together come under one heading."""
    if len(lines) == 1:
        return lines[0].line
    heading = ngettext("🗂 {count} update:", "🗂 {count} updates:", len(lines))
    return heading.format(count=len(lines)) + "\n" + "\n".join(queued.line for queued in lines)


def _seconds(value: int | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=value)
