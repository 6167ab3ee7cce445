"""The groups' outbox: lines packed into digests in order, claimed by one flush at a time, and
never more than 20 messages to a group in any minute."""

from datetime import timedelta

import pytest

from sharing.groups import group_outbox, installer_groups
from sharing.groups.group_outbox import MESSAGES_PER_WINDOW, WINDOW, Dispatch, QueuedLine, pack
from storage.database import Database
from tests.clock import FakeClock

CHAT = -4_000_000_001
ROOM = 100


@pytest.fixture
async def group_id(database: Database, clock: FakeClock) -> int:
    async with database.write() as session:
        group, _ = await installer_groups.note_bot_added(
            session, chat_id=CHAT, title="Installers", added_by=1, now=clock()
        )
    return group.id


async def queue(database: Database, clock: FakeClock, group_id: int, *lines: str) -> None:
    async with database.write() as session:
        for line in lines:
            await group_outbox.queue_line(session, group_ids=[group_id], line=line, now=clock())


async def claim(database: Database, clock: FakeClock, room: int = ROOM) -> tuple[Dispatch, ...]:
    async with database.read() as session:
        due = await group_outbox.due_groups(session, now=clock())
    async with database.write() as session:
        return await group_outbox.claim_due(session, now=clock(), room=room, group_ids=due)


async def settle(
    database: Database, clock: FakeClock, dispatch: Dispatch, *, messages: int | None = None
) -> None:
    """As if the first `messages` messages of the dispatch (all, by default) went out."""
    sent = dispatch.messages[: len(dispatch.messages) if messages is None else messages]
    async with database.write() as session:
        await group_outbox.settle(
            session,
            group_id=dispatch.group_id,
            sent_line_ids=[line.id for message in sent for line in message],
            messages_sent=len(sent),
            now=clock(),
        )


def texts(dispatch: Dispatch) -> list[list[str]]:
    return [[queued.line for queued in message] for message in dispatch.messages]


def test_pack_keeps_order_room_and_the_number_of_messages() -> None:
    lines = [QueuedLine(n, f"line {n:02d} " + "x" * 20) for n in range(1, 11)]  # 28 chars each
    packed = pack(lines, room=100, most=3)
    assert [[q.id for q in message] for message in packed] == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert all(sum(len(q.line) for q in m) + len(m) - 1 <= 100 for m in packed)
    assert pack([QueuedLine(1, "y" * 150), *lines[:1]], room=100, most=5)[0][0].id == 1
    assert pack([], room=100, most=5) == ()


async def test_lines_come_out_in_order_and_once(
    database: Database, clock: FakeClock, group_id: int
) -> None:
    await queue(database, clock, group_id, *(f"event {n:03d} " + "." * 30 for n in range(1, 8)))

    (dispatch,) = await claim(database, clock)
    assert dispatch.chat_id == CHAT
    assert [line[:9] for message in texts(dispatch) for line in message] == [
        f"event {n:03d}" for n in range(1, 8)
    ]
    assert len(dispatch.messages) == 4  # 40 characters a line: 2 to a message of 100
    assert await claim(database, clock) == ()  # claimed: nobody else sends them
    await settle(database, clock, dispatch, messages=3)  # the fourth message failed

    (retry,) = await claim(database, clock)
    assert [line[:9] for message in texts(retry) for line in message] == ["event 007"]
    await settle(database, clock, retry)
    assert await claim(database, clock) == ()
    async with database.read() as session:
        assert await group_outbox.count_queued(session, group_id=group_id) == 0


async def test_a_flush_that_died_is_taken_over_when_its_lease_runs_out(
    database: Database, clock: FakeClock, group_id: int
) -> None:
    await queue(database, clock, group_id, "event 1")
    assert await claim(database, clock)
    clock.advance(seconds=group_outbox.LEASE.total_seconds() - 1)
    assert await claim(database, clock) == ()
    clock.advance(seconds=1)
    (again,) = await claim(database, clock)
    assert texts(again) == [["event 1"]]


async def test_never_more_than_twenty_messages_in_any_minute(
    database: Database, clock: FakeClock, group_id: int
) -> None:
    """An event every second for three minutes, each flushed at once if it may be: every
    window of a minute holds at most 20 messages, and every event arrives, in order."""
    sent_at, received = [], []
    for second in range(180):
        await queue(database, clock, group_id, f"event {second:03d}")
        for dispatch in await claim(database, clock, room=4000):
            sent_at.extend([clock()] * len(dispatch.messages))
            received.extend(line for message in texts(dispatch) for line in message)
            await settle(database, clock, dispatch)
        clock.advance(seconds=1)
    for _ in range(60):  # what waited at the end
        for dispatch in await claim(database, clock, room=4000):
            sent_at.extend([clock()] * len(dispatch.messages))
            received.extend(line for message in texts(dispatch) for line in message)
            await settle(database, clock, dispatch)
        clock.advance(seconds=1)

    assert received == [f"event {second:03d}" for second in range(180)]
    for start in sent_at:
        in_window = [moment for moment in sent_at if start <= moment < start + WINDOW]
        assert len(in_window) <= MESSAGES_PER_WINDOW
    # Twenty a minute, then what waited at the end goes as one digest.
    assert len(sent_at) == 3 * 20 + 1


async def test_a_flood_wait_holds_the_group_back(
    database: Database, clock: FakeClock, group_id: int
) -> None:
    await queue(database, clock, group_id, "event 1")
    assert await claim(database, clock)
    async with database.write() as session:
        await group_outbox.settle(
            session,
            group_id=group_id,
            sent_line_ids=[],
            messages_sent=0,
            now=clock(),
            retry_at=clock() + timedelta(seconds=30),
        )
    clock.advance(seconds=29)
    assert await claim(database, clock) == ()
    clock.advance(seconds=1)
    assert [texts(d) for d in await claim(database, clock)] == [[["event 1"]]]


async def test_a_line_too_long_for_a_group_is_refused(
    database: Database, clock: FakeClock, group_id: int
) -> None:
    with pytest.raises(ValueError, match="at most 1024"):
        await queue(database, clock, group_id, "x" * 1025)
