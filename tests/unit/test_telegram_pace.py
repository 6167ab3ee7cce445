"""The bot's pace: at most N messages in any window, the rest wait their turn."""

import asyncio

from bot.telegram_pace import SlidingWindow


async def test_a_burst_up_to_the_limit_goes_at_once_and_the_next_waits_for_the_window() -> None:
    window = SlidingWindow(3, 0.05)
    loop = asyncio.get_running_loop()
    taken = []
    for _ in range(5):
        await window.take()
        taken.append(loop.time())
    assert taken[3] - taken[0] >= 0.05
    assert taken[4] - taken[1] >= 0.05
    # No window of 0.05 s ever holds more than three.
    assert all(later - earlier >= 0.05 for earlier, later in zip(taken, taken[3:], strict=False))


async def test_concurrent_senders_share_the_window() -> None:
    window = SlidingWindow(2, 0.05)
    loop = asyncio.get_running_loop()
    taken: list[float] = []

    async def send() -> None:
        await window.take()
        taken.append(loop.time())

    await asyncio.gather(*(send() for _ in range(6)))
    taken.sort()
    assert all(later - earlier >= 0.05 for earlier, later in zip(taken, taken[2:], strict=False))
