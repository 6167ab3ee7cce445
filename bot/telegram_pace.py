"""How fast the bot sends: Telegram's limits, with replies to a person's own action first.

Telegram's Bot FAQ gives three limits: bulk notifications to many users, about 30 messages a
second ("the API will not allow more than 30 messages per second or so"); about one message a
second in one chat; 20 a minute in one group. Telegram's developers add that edits share a
chat's limits with sends, and that answerCallbackQuery has no limit (tdlib/td#3034,
tdlib/telegram-bot-api#648). So the 30 a second are new messages to many people, not edits.

Requests go in one of two lanes (`Lane`), by where they come from:

- **interactive**: made while handling an update (bot.updates sets the lane), that is in answer
  to someone's own action: replies, edits of the message they tapped, the notices their action
  sends to others. A new message (sendMessage, sendPhoto, ...) takes a slot of the 30, before
  any bulk request waiting; an edit, a deletion or a chat action takes none: edits are bound by
  the chat's own limit, which a person's taps keep. answerCallbackQuery names no chat and is
  never paced.
- **bulk**: everything else, which is the jobs: expiry announcements, group news, and whatever
  later job sends alarms. Every request that names a chat takes a slot, edits included (a sweep
  closing a thousand prompts is a broadcast too), and bulk slots are spaced, one every 1/30 of
  the window on average and never two within half that, so that while bulk fills the window a
  slot frees every 34 ms or so for a reply, where bursts of 30 would hold it for a second.

The update processor (bot/updates.py) marks its updates interactive, and the job queue
(bot/jobs.py) every job bulk: APScheduler runs a job in the context its timer was last set in,
which may be an update's, so a job cannot rely on the default. Handlers mark nothing.

The window counts as Telegram does, sliding: a slot is free while fewer than 30 were taken in
the window before it. It is a little longer than a second (`WINDOW_MARGIN`), for the time
between taking a slot and the request reaching Telegram. Groups' 20 a minute, and waiting out a
429 should one come anyway, stay with PTB's AIORateLimiter inside.
"""

import asyncio
import enum
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

MESSAGES_PER_SECOND = 30
WINDOW_MARGIN = 0.02
"""Seconds added to the window: a request is counted when it takes its slot, and reaches
Telegram a little later, by more if a garbage collection comes in between."""

JsonResult = bool | dict[str, Any] | list[dict[str, Any]]


class Lane(enum.Enum):
    INTERACTIVE = "interactive"
    BULK = "bulk"


_lane: ContextVar[Lane] = ContextVar("camshare_telegram_lane", default=Lane.BULK)


@contextmanager
def in_lane(lane: Lane) -> Iterator[None]:
    """The requests made inside, and in the tasks started inside, go in `lane`."""
    token = _lane.set(lane)
    try:
        yield
    finally:
        _lane.reset(token)


def interactive() -> AbstractContextManager[None]:
    """The requests made inside answer someone's action."""
    return in_lane(Lane.INTERACTIVE)


def current_lane() -> Lane:
    return _lane.get()


def is_new_message(endpoint: str) -> bool:
    """Whether a Bot API method puts a new message in a chat (what Telegram's 30 a second
    count), as opposed to changing one, deleting one or showing "typing"."""
    return (
        endpoint.startswith(("send", "copyMessage", "forwardMessage"))
        and endpoint != "sendChatAction"
    )


class TwoLaneWindow:
    """At most `messages` slots in any `seconds`. Interactive requests take a free slot at once,
    or the next one to free, first come first served among themselves and before any bulk
    request; bulk requests wait for them, and are spaced `seconds / messages` apart on average,
    never closer than half that.

    Time is `clock` (monotonic seconds) and waiting is `sleep`: tests give both. Only one
    coroutine ever sleeps, the dispatcher that hands out slots to those who wait.
    """

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
        self.spacing = seconds / messages
        self._clock = clock
        self._sleep = sleep
        self._taken: deque[float] = deque()
        self._next_bulk = -math.inf
        self._waiting: dict[Lane, deque[asyncio.Future[None]]] = {lane: deque() for lane in Lane}
        self._dispatcher: asyncio.Task[None] | None = None

    async def take(self, lane: Lane) -> None:
        """Wait for a slot in `lane`'s turn, and take it."""
        now = self._clock()
        if not self._queued_before(lane) and self._wait(lane, now) <= 0:
            self._take(lane, now)
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[lane].append(granted)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch())
        await granted  # if the caller is cancelled, so is `granted`, and the dispatcher skips it

    async def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)

    def _queued_before(self, lane: Lane) -> bool:
        if self._waiting[Lane.INTERACTIVE]:
            return True
        return lane is Lane.BULK and bool(self._waiting[Lane.BULK])

    async def _dispatch(self) -> None:
        while (lane := self._first_waiting()) is not None:
            now = self._clock()
            wait = self._wait(lane, now)
            if wait > 0:
                # An interactive request that comes meanwhile takes a slot that is free at once
                # itself (`take`); one that must wait is served when this sleep ends, at most
                # `spacing` after its slot freed.
                await self._sleep(wait)
                continue
            self._take(lane, now)
            self._waiting[lane].popleft().set_result(None)

    def _first_waiting(self) -> Lane | None:
        for lane in Lane:  # interactive first
            queue = self._waiting[lane]
            while queue and queue[0].done():  # its caller was cancelled
                queue.popleft()
            if queue:
                return lane
        return None

    def _wait(self, lane: Lane, now: float) -> float:
        """Seconds until `lane` may take a slot; 0 or less: now."""
        while self._taken and self._taken[0] <= now - self.seconds:
            self._taken.popleft()
        wait = 0.0 if len(self._taken) < self.messages else self._taken[0] + self.seconds - now
        if lane is Lane.BULK:
            wait = max(wait, self._next_bulk - now)
        return wait

    def _take(self, lane: Lane, now: float) -> None:
        self._taken.append(now)
        if lane is Lane.BULK:
            # On a schedule rather than a spacing from `now`: a bulk request that came late (its
            # sender was busy) leaves the next one less to wait, so bulk keeps the full rate;
            # but never two closer than half a spacing, so that slots keep freeing one by one.
            self._next_bulk = max(self._next_bulk + self.spacing, now + self.spacing / 2)


class ChatSpacing:
    """Bulk messages to one private chat at most one a `seconds` (Telegram's "about one message
    a second in one chat"): an alarm on four channels held by one person is four messages to
    them at once. Groups are paced by AIORateLimiter's 20 a minute instead; a person's own
    taps are not paced here (their replies are theirs to wait for).

    A chat's messages take turns (`turn`), and the second is counted from the moment the turn
    before it ended, that is once that message had its overall slot and went, not from when
    it asked: a message that then waited for the overall window (up to a second while a flood
    fills it) would otherwise leave the next one to the same chat less than a second behind it,
    which Telegram answers with 429.

    A chat is forgotten once nothing waits for it and its second has passed, when the table is
    swept (every `SWEEP_EVERY` new chats), so memory follows the chats sent to in the last
    second, not all of them.
    """

    SWEEP_EVERY = 1024

    def __init__(
        self,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._sleep = sleep
        self._chats: dict[int, _ChatTurns] = {}

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """The chat's turn, a `seconds` after the previous turn ended; the block takes the
        overall slot, and its end is when the message goes."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= self.SWEEP_EVERY:
                self._sweep()
            chat = self._chats[chat_id] = _ChatTurns()
        chat.waiting += 1
        try:
            async with chat.lock:
                wait = chat.free_at - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                yield
                chat.free_at = self._clock() + self.seconds
        finally:
            chat.waiting -= 1

    def _sweep(self) -> None:
        now = self._clock()
        self._chats = {
            chat_id: chat
            for chat_id, chat in self._chats.items()
            if chat.waiting or chat.free_at > now
        }


@dataclass
class _ChatTurns:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    free_at: float = -math.inf
    waiting: int = 0


class TelegramPace(BaseRateLimiter[int]):
    """The overall limit in two lanes, in front of PTB's AIORateLimiter for the rest."""

    def __init__(
        self,
        *,
        max_retries: int,
        window: TwoLaneWindow | None = None,
        chats: ChatSpacing | None = None,
    ) -> None:
        self._overall = window or TwoLaneWindow(MESSAGES_PER_SECOND, 1 + WINDOW_MARGIN)
        self._chats = chats or ChatSpacing(1 + WINDOW_MARGIN)
        self._groups_and_retries = AIORateLimiter(overall_max_rate=0, max_retries=max_retries)

    async def initialize(self) -> None:
        await self._groups_and_retries.initialize()

    async def shutdown(self) -> None:
        await self._overall.close()
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
        """Requests that take a slot (the module's docstring says which) wait for one in their
        lane; each retry after a 429 takes another, as it is another message to Telegram."""
        lane = current_lane()
        if not takes_a_slot(endpoint, data, lane):
            paced = callback
        else:
            private_chat = _private_chat(data)

            async def paced(*call_args: Any, **call_kwargs: Any) -> JsonResult:
                if lane is Lane.BULK and private_chat is not None:
                    async with self._chats.turn(private_chat):
                        await self._overall.take(lane)
                else:
                    await self._overall.take(lane)
                return await callback(*call_args, **call_kwargs)

        return await self._groups_and_retries.process_request(
            paced, args, kwargs, endpoint, data, rate_limit_args
        )


def _private_chat(data: dict[str, Any]) -> int | None:
    """A private chat's id is the user's, positive; groups' are negative."""
    try:
        chat_id = int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None  # a @channelusername, or no chat
    return chat_id if chat_id > 0 else None


def takes_a_slot(endpoint: str, data: dict[str, Any], lane: Lane) -> bool:
    if data.get("chat_id") is None:
        return False
    return lane is Lane.BULK or is_new_message(endpoint)
