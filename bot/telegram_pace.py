"""How fast the bot sends: at most 30 messages in any second, as Telegram counts them.

PTB's AIORateLimiter paces with a leaky bucket of 30 that drains at 30 a second: from idle it
lets 30 go at once and 30 more within the same second. `python -m bench` (bench.burst) measured
what that does when an expiry sweep announces a few hundred invitations against a fake Bot API
that counts 30 a second in every one-second window: 429 answers, each of which stops every send
for over a second, and 87% of the allowed rate.

`TelegramPace` counts the same way Telegram does, in a sliding window: a message may go while
fewer than 30 went in the window before it. Bursts of up to 30 still leave at once (a user's
tap never waits for an idle bot), and a long burst runs at the full rate without exceeding it.
The window is a little longer than a second (`WINDOW_MARGIN`), for the time between taking a
slot and the request reaching Telegram. Groups' 20 a minute, and waiting out a 429 should one
come anyway, stay with the AIORateLimiter inside.
"""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

MESSAGES_PER_SECOND = 30
WINDOW_MARGIN = 0.02
"""Seconds added to the window: a request is counted when it takes its slot, and reaches
Telegram a little later, by more if a garbage collection comes in between."""

JsonResult = bool | dict[str, Any] | list[dict[str, Any]]


class SlidingWindow:
    """At most `messages` entries in any `seconds`; those beyond wait, first come first served.
    Time is `clock` (monotonic seconds) and waiting is `sleep`: tests give both."""

    def __init__(
        self,
        messages: int,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.messages = messages
        self.seconds = seconds
        self._clock = clock
        self._sleep = sleep
        self._taken: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Wait for a free slot in the window, and take it."""
        async with self._lock:
            while True:
                now = self._clock()
                while self._taken and self._taken[0] <= now - self.seconds:
                    self._taken.popleft()
                if len(self._taken) < self.messages:
                    self._taken.append(now)
                    return
                await self._sleep(self._taken[0] + self.seconds - now)


class TelegramPace(BaseRateLimiter[int]):
    """The overall limit as a sliding window, in front of PTB's AIORateLimiter for the rest."""

    def __init__(self, *, max_retries: int) -> None:
        self._overall = SlidingWindow(MESSAGES_PER_SECOND, 1 + WINDOW_MARGIN)
        self._groups_and_retries = AIORateLimiter(overall_max_rate=0, max_retries=max_retries)

    async def initialize(self) -> None:
        await self._groups_and_retries.initialize()

    async def shutdown(self) -> None:
        await self._groups_and_retries.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JsonResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JsonResult:
        """Requests that put something in a chat (they name a `chat_id`) take a slot; each
        retry after a 429 takes another, as it is another message to Telegram."""
        if data.get("chat_id") is None:
            paced = callback
        else:

            async def paced(*call_args: Any, **call_kwargs: Any) -> JsonResult:
                await self._overall.take()
                return await callback(*call_args, **call_kwargs)

        return await self._groups_and_retries.process_request(
            paced, args, kwargs, endpoint, data, rate_limit_args
        )
