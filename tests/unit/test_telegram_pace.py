"""The bot's pace: at most N messages in any window, replies to a person's own action first.

Time is given: `ManualTime` moves only when a test says so, and wakes the window's sleeper on
the way; no test waits on the real clock.
"""

import asyncio
import heapq
from itertools import count, pairwise
from typing import Any

import pytest

from bot.telegram_pace import ChatSpacing, Lane, TelegramPace, TwoLaneWindow, interactive

INTERACTIVE, BULK = Lane.INTERACTIVE, Lane.BULK


class ManualTime:
    """A monotonic clock for `TwoLaneWindow`: `sleep` waits until `advance_to` passes its end."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), woken))
        await woken

    async def advance_to(self, moment: float) -> None:
        """Move to `moment`, waking each sleeper at its time and letting what it starts run."""
        await _settle()
        while self._sleepers and self._sleepers[0][0] <= moment:
            self.now, _, woken = heapq.heappop(self._sleepers)
            if not woken.done():
                woken.set_result(None)
            await _settle()
        self.now = moment
        await _settle()


async def _settle() -> None:
    """Let every task that can run, run (no I/O here: a few rounds of the loop are enough)."""
    for _ in range(20):
        await asyncio.sleep(0)


class Senders:
    """Requests taking slots of one window; `served` says who got one, and when."""

    def __init__(self, window: TwoLaneWindow, time: ManualTime) -> None:
        self.window = window
        self.time = time
        self.served: list[tuple[str, float]] = []
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def send(self, name: str, lane: Lane) -> None:
        async def take() -> None:
            await self.window.take(lane)
            self.served.append((name, self.time.now))

        self.tasks[name] = asyncio.create_task(take())


def window_of(messages: int, seconds: float) -> tuple[TwoLaneWindow, ManualTime, Senders]:
    time = ManualTime()
    window = TwoLaneWindow(messages, seconds, clock=time, sleep=time.sleep)
    return window, time, Senders(window, time)


async def test_replies_burst_up_to_the_limit_and_the_next_waits_for_the_window() -> None:
    _, time, senders = window_of(3, 0.05)
    for index in range(5):
        senders.send(f"reply {index}", INTERACTIVE)
    await time.advance_to(1)
    assert [at for _, at in senders.served] == pytest.approx([0, 0, 0, 0.05, 0.05])


async def test_bulk_keeps_the_full_rate_without_bursts() -> None:
    _, time, senders = window_of(3, 0.3)
    for index in range(31):
        senders.send(f"notice {index}", BULK)
    await time.advance_to(10)
    times = [at for _, at in senders.served]
    assert times[-1] == pytest.approx(3.0)  # 31 notices, 3 a window: the full rate
    assert all(later - earlier >= 0.05 - 1e-9 for earlier, later in pairwise(times))
    assert all(sum(1 for at in times if end - 0.3 + 1e-9 < at <= end) <= 3 for end in times)


async def test_bulk_that_came_late_catches_up_with_its_schedule() -> None:
    window, time, _ = window_of(10, 1.0)  # one bulk slot every 0.1 s
    served = []
    for _ in range(4):
        await window.take(BULK)
        served.append(time.now)
        time.now += 0.13  # the sender is busy between its messages (and the window is empty)
    assert served == pytest.approx([0, 0.13, 0.26, 0.39])
    await window.take(BULK)  # due at 0.05 + 3 × 0.1 = 0.35 on the schedule: goes at once
    assert time.now == pytest.approx(0.52)


async def test_a_reply_waiting_for_the_window_goes_before_the_bulk_queued_before_it() -> None:
    _, time, senders = window_of(2, 1.0)
    for index in range(5):
        senders.send(f"notice {index}", BULK)
    await time.advance_to(0.6)  # two notices went, at 0 and 0.25: the window is full until 1.0
    senders.send("reply", INTERACTIVE)
    await time.advance_to(10)
    assert senders.served == [
        ("notice 0", 0),
        ("notice 1", 0.25),  # bulk never goes two at once, even from idle
        ("reply", 1.0),
        ("notice 2", 1.25),
        ("notice 3", 2.0),
        ("notice 4", 2.25),
    ]


async def test_a_reply_takes_a_free_slot_at_once_while_bulk_waits_its_spacing() -> None:
    _, time, senders = window_of(30, 1.0)
    for index in range(10):
        senders.send(f"notice {index}", BULK)
    await time.advance_to(0.01)
    senders.send("reply", INTERACTIVE)
    await time.advance_to(0.015)  # the next notice is due at 1/60 s
    assert ("reply", 0.01) in senders.served
    assert [name for name, _ in senders.served] == ["notice 0", "reply"]


async def test_a_waiter_that_gave_up_leaves_its_turn_to_the_next() -> None:
    _, time, senders = window_of(1, 1.0)
    for name in ("first", "gave up", "third"):
        senders.send(name, INTERACTIVE)
    await time.advance_to(0.5)
    senders.tasks["gave up"].cancel()
    await time.advance_to(5)
    assert senders.served == [("first", 0), ("third", 1.0)]


class CountingWindow(TwoLaneWindow):
    def __init__(self) -> None:
        super().__init__(30, 1.0)
        self.taken: list[Lane] = []

    async def take(self, lane: Lane) -> None:
        self.taken.append(lane)


async def _sent(pace: TelegramPace, endpoint: str, data: dict[str, Any]) -> None:
    async def telegram(*_args: Any, **_kwargs: Any) -> bool:
        return True

    await pace.process_request(telegram, (), {}, endpoint, data, None)


@pytest.mark.parametrize(
    ("endpoint", "data", "reply_slots", "bulk_slots"),
    [
        ("sendMessage", {"chat_id": 7, "text": "hi"}, 1, 1),
        ("sendPhoto", {"chat_id": 7}, 1, 1),
        ("editMessageText", {"chat_id": 7, "message_id": 1, "text": "hi"}, 0, 1),
        ("editMessageReplyMarkup", {"chat_id": 7, "message_id": 1}, 0, 1),
        ("deleteMessage", {"chat_id": 7, "message_id": 1}, 0, 1),
        ("answerCallbackQuery", {"callback_query_id": "1"}, 0, 0),
        ("getMe", {}, 0, 0),
    ],
)
async def test_which_requests_take_a_slot_of_the_30_in_each_lane(
    endpoint: str, data: dict[str, Any], reply_slots: int, bulk_slots: int
) -> None:
    window = CountingWindow()
    pace = TelegramPace(max_retries=0, window=window)
    await pace.initialize()
    try:
        with interactive():
            await _sent(pace, endpoint, data)
        assert window.taken == [INTERACTIVE] * reply_slots
        window.taken.clear()
        await _sent(pace, endpoint, data)  # outside an update: a job's, bulk
        assert window.taken == [BULK] * bulk_slots
    finally:
        await pace.shutdown()


async def test_bulk_to_one_private_chat_goes_one_a_second_and_other_chats_are_not_held() -> None:
    """Four alarms to one person at once: spaced a second apart, as Telegram asks of one chat;
    the next person's message does not wait behind them."""
    time = ManualTime()
    spacing = ChatSpacing(1.0, clock=time, sleep=time.sleep)
    served: list[tuple[int, float]] = []

    async def send(chat_id: int) -> None:
        async with spacing.turn(chat_id):
            served.append((chat_id, time.now))

    tasks = [asyncio.create_task(send(chat)) for chat in (7, 7, 7, 7, 8)]
    await time.advance_to(5)
    await asyncio.gather(*tasks)
    assert sorted(served) == [(7, 0.0), (7, 1.0), (7, 2.0), (7, 3.0), (8, 0.0)]


async def test_a_chats_second_counts_from_when_its_message_went() -> None:
    """A message that waited for the overall window after its chat's turn came (a flood fills
    the window) goes late; the next one to that chat keeps a whole second behind it, where
    counting from the turn's start had left it 0.988 s behind and Telegram answered 429 (the
    alarm flood benchmark)."""
    time = ManualTime()
    spacing = ChatSpacing(1.0, clock=time, sleep=time.sleep)
    went: list[float] = []

    async def send(overall_wait: float) -> None:
        async with spacing.turn(7):
            if overall_wait:
                await time.sleep(overall_wait)  # the overall window is full
        went.append(time.now)

    tasks = [asyncio.create_task(send(wait)) for wait in (0.5, 0.0, 0.0)]
    await time.advance_to(5)
    await asyncio.gather(*tasks)
    assert went == [0.5, 1.5, 2.5]
    assert min(later - earlier for earlier, later in pairwise(went)) >= 1.0


async def test_chats_are_forgotten_once_their_second_has_passed() -> None:
    time = ManualTime()
    spacing = ChatSpacing(1.0, clock=time, sleep=time.sleep)
    spacing.SWEEP_EVERY = 3
    for chat in (1, 2, 3):
        async with spacing.turn(chat):
            pass
    await time.advance_to(2)
    async with spacing.turn(4):
        pass
    assert list(spacing._chats) == [4]
