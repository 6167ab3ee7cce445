"""The bot's pace: at most N messages in any window, the rest wait their turn."""

import asyncio

import pytest

from bot.telegram_pace import SlidingWindow


class FakeTime:
    """A monotonic clock that sleeping moves forward: no test waits on the real one."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)  # let the other senders run, as a real sleep would


async def test_a_burst_up_to_the_limit_goes_at_once_and_the_next_waits_for_the_window() -> None:
    time = FakeTime()
    window = SlidingWindow(3, 0.05, clock=time, sleep=time.sleep)
    taken = []
    for _ in range(5):
        await window.take()
        taken.append(time.now)
    assert taken == pytest.approx([0, 0, 0, 0.05, 0.05])


async def test_concurrent_senders_share_the_window() -> None:
    time = FakeTime()
    window = SlidingWindow(2, 0.05, clock=time, sleep=time.sleep)
    taken: list[float] = []

    async def send() -> None:
        await window.take()
        taken.append(time.now)

    await asyncio.gather(*(send() for _ in range(6)))
    assert taken == pytest.approx([0, 0, 0.05, 0.05, 0.1, 0.1])
