"""The news waiting for each installer group, and how much of it may be sent now.

Telegram lets a bot send about 20 messages a minute to one group; beyond that it answers 429
and python-telegram-bot's rate limiter makes the caller wait. Nobody should wait: events are
queued here, in the database (so a restart loses nothing), and a repeating job sends them,
oldest first, packing the lines that wait into as few messages as fit, so a burst of events
arrives as a few digests.

The limit is a sliding window: a group receives at most MESSAGES_PER_WINDOW messages in any
WINDOW, counted from `GroupMessageSent` rows (kept for one window). A token bucket would be one
column instead of a table, but one that lets a full burst and then the steady rate through
within the same minute: nearly twice the limit.

A flush claims a group for itself (`flushing_until`, a lease), sends, and settles each message
as it goes out (`settle_message`: deletes its lines and records it), then frees the group
(`settle`). The lease keeps a second flush (the job's next run, another process) from sending
the same lines; if the process dies mid-flush, the lease runs out and the lines of the message
in flight go out again: a group may, rarely, read an event twice, but never miss one.

A line is made when it is queued, in the language of the group that will read it (`Line`): the
event's data is gone by the time the line is sent, and storing it to make the line later would
need a row per kind of event. A group that changes its language meanwhile reads the lines queued
before in the language it had, for the few seconds until they are sent.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from sqlalchemy import ColumnElement, delete, exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from languages import speaking
from sharing.groups.installer_groups import groups_by_language, groups_of_devices
from storage.models import GroupMessageSent, GroupNewsLine, InstallerGroup

MESSAGES_PER_WINDOW = 20
WINDOW = timedelta(minutes=1)
LEASE = timedelta(minutes=5)
"""Long enough for a flush to send its messages, even through the rate limiter's retries."""
MAX_LINE_CHARS = 1024
LINES_PER_MESSAGE = 256
"""How many lines a flush reads per message it may send; our lines are longer than 16
characters, so this many always fill a message of 4,096."""

Line = Callable[[], str]
"""What makes an event's line (HTML), in the reader's language (`languages.speaking`) when it
is called: `queue_device_news` calls it once for each language of the groups that hear of it."""


@dataclass(frozen=True)
class QueuedLine:
    id: int
    line: str


@dataclass(frozen=True)
class Dispatch:
    """What one flush sends to one group: messages, each a run of lines, oldest first."""

    group_id: int
    chat_id: int
    language: str
    """The group's: what a digest's heading is said in."""
    messages: tuple[tuple[QueuedLine, ...], ...]


def pack(
    lines: Sequence[QueuedLine], *, room: int, most: int
) -> tuple[tuple[QueuedLine, ...], ...]:
    """At most `most` messages of whole lines, in order, each at most `room` characters with
    its line breaks (a single line longer than `room` is a message of its own)."""
    messages: list[list[QueuedLine]] = []
    length = 0
    for queued in lines:
        if messages and length + 1 + len(queued.line) <= room:
            messages[-1].append(queued)
            length += 1 + len(queued.line)
            continue
        if len(messages) == most:
            break
        messages.append([queued])
        length = len(queued.line)
    return tuple(tuple(message) for message in messages)


# --- the queue -----------------------------------------------------------------------------------


async def queue_line(
    session: AsyncSession, *, group_ids: Iterable[int], line: str, now: datetime
) -> None:
    """Queue one event's line (HTML), made already in these groups' language, for each of them,
    in the caller's transaction."""
    session.add_all(
        GroupNewsLine(group_id=group_id, line=_fitting(line), created_at=now)
        for group_id in group_ids
    )
    await session.flush()


async def queue_device_news(
    session: AsyncSession, news: Sequence[tuple[int, Line]], *, now: datetime
) -> None:
    """Queue each `(device id, line)` for the groups linked to that device, in the transaction
    of the event that made the news: the line is stored with the event or not at all. Each line
    is made once in each language its groups speak. One read for all the devices' groups and
    one for their languages, one flush for all the lines (a sweep's batch is many)."""
    if not news:
        return
    groups = await groups_of_devices(session, device_ids=[device_id for device_id, _ in news])
    if not groups:  # most devices are in no group
        return
    by_language = await groups_by_language(session, group_ids=chain(*groups.values()))
    language_of = {group_id: lang for lang, ids in by_language.items() for group_id in ids}
    rows: list[GroupNewsLine] = []
    for device_id, line in news:
        hearing = groups.get(device_id, ())
        said = _said(line, {language_of[group_id] for group_id in hearing})
        rows.extend(
            GroupNewsLine(group_id=group_id, line=said[language_of[group_id]], created_at=now)
            for group_id in hearing
        )
    session.add_all(rows)
    await session.flush()


def _said(line: Line, languages: Iterable[str]) -> dict[str, str]:
    """The line made once in each language."""
    said = {}
    for language in languages:
        with speaking(language):
            said[language] = _fitting(line())
    return said


def _fitting(line: str) -> str:
    if len(line) > MAX_LINE_CHARS:
        raise ValueError(f"a group news line has at most {MAX_LINE_CHARS} characters")
    return line


async def due_groups(session: AsyncSession, *, now: datetime) -> tuple[int, ...]:
    """Groups with news that may be sent now: a cheap read, so an idle job takes no write lock."""
    rows = await session.exec(select(InstallerGroup.id).where(*_claimable(now)))
    candidates = [group_id for group_id in rows if group_id is not None]
    sent = await _sent_in_window(session, candidates, now)
    return tuple(g for g in candidates if sent.get(g, 0) < MESSAGES_PER_WINDOW)


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    room: int,
    group_ids: Iterable[int],
    lease: timedelta = LEASE,
) -> tuple[Dispatch, ...]:
    """Claim the groups among `group_ids` that may still be sent to, with what to send them.

    The rows are taken FOR UPDATE SKIP LOCKED and the lease checked again, so concurrent flushes
    claim disjoint groups (on SQLite, write sessions run one at a time anyway).

    Each group's lines are read by a query of its own, which the index (group_id, id) and the
    group's remaining messages bound: one query for every group would need a window over all
    of their lines, and a group that lost its right to write for a while can have thousands.
    """
    groups = (
        await session.exec(
            select(InstallerGroup)
            .where(col(InstallerGroup.id).in_(list(group_ids)), *_claimable(now))
            .order_by(col(InstallerGroup.id))
            .with_for_update(skip_locked=True)
        )
    ).all()
    sent = await _sent_in_window(session, [group.id for group in groups if group.id], now)
    dispatches = []
    for group in groups:
        assert group.id is not None
        most = MESSAGES_PER_WINDOW - sent.get(group.id, 0)
        if most <= 0:
            continue
        rows = await session.exec(
            select(GroupNewsLine)
            .where(GroupNewsLine.group_id == group.id)
            .order_by(col(GroupNewsLine.id))
            .limit(most * LINES_PER_MESSAGE)
        )
        lines = [QueuedLine(row.id, row.line) for row in rows if row.id is not None]
        group.flushing_until = now + lease
        messages = pack(lines, room=room, most=most)
        dispatches.append(Dispatch(group.id, group.chat_id, group.language, messages))
    await session.flush()
    return tuple(dispatches)


async def settle(
    session: AsyncSession,
    *,
    group_id: int,
    sent_line_ids: Sequence[int],
    messages_sent: int,
    now: datetime,
    retry_at: datetime | None = None,
) -> None:
    """After a flush: forget the lines that went out, count the messages, free the group.

    Lines that did not go out stay queued for the next flush; `retry_at` (Telegram's flood
    wait) holds the group back until then. The messages are counted from `now`, a little after
    they went out, which only makes the window more careful.
    """
    group = await session.get(InstallerGroup, group_id, with_for_update=True)
    if group is None:
        return  # the bot left the group meanwhile; its news went with it
    if sent_line_ids:
        await session.exec(
            delete(GroupNewsLine).where(
                col(GroupNewsLine.group_id) == group_id, col(GroupNewsLine.id).in_(sent_line_ids)
            )
        )
    await session.exec(
        delete(GroupMessageSent).where(
            col(GroupMessageSent.group_id) == group_id,
            col(GroupMessageSent.sent_at) <= now - WINDOW,
        )
    )
    session.add_all(GroupMessageSent(group_id=group_id, sent_at=now) for _ in range(messages_sent))
    if retry_at is not None:
        group.paused_until = retry_at
    group.flushing_until = None
    await session.flush()


async def settle_message(
    session: AsyncSession, *, group_id: int, line_ids: Sequence[int], now: datetime
) -> None:
    """One message of a flush went out: forget its lines and count it, the group still held."""
    await session.exec(
        delete(GroupNewsLine).where(
            col(GroupNewsLine.group_id) == group_id, col(GroupNewsLine.id).in_(line_ids)
        )
    )
    session.add(GroupMessageSent(group_id=group_id, sent_at=now))
    await session.flush()


async def count_queued(session: AsyncSession, *, group_id: int) -> int:
    statement = select(func.count()).where(GroupNewsLine.group_id == group_id)
    return (await session.exec(statement)).one()


def _claimable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Has news, no flush is sending it (or the one that was has died: its lease ran out), and
    Telegram has not asked to wait."""
    has_news = exists().where(col(GroupNewsLine.group_id) == col(InstallerGroup.id))
    lease_free = or_(
        col(InstallerGroup.flushing_until).is_(None), col(InstallerGroup.flushing_until) <= now
    )
    not_paused = or_(
        col(InstallerGroup.paused_until).is_(None), col(InstallerGroup.paused_until) <= now
    )
    return has_news, lease_free, not_paused


async def _sent_in_window(
    session: AsyncSession, group_ids: Sequence[int], now: datetime
) -> dict[int, int]:
    if not group_ids:
        return {}
    rows = await session.exec(
        select(GroupMessageSent.group_id, func.count())
        .where(
            col(GroupMessageSent.group_id).in_(group_ids),
            col(GroupMessageSent.sent_at) > now - WINDOW,
        )
        .group_by(col(GroupMessageSent.group_id))
    )
    return {group_id: count for group_id, count in rows}
