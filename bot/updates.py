"""How updates are handled: different people's side by side, each person's own in order.

python-telegram-bot handles one update at a time by default, so thirty people tapping at once
waited for each other's database work and Bot API round trips. With `PerPersonOrder` as the
application's update processor (`concurrent_updates`), each update runs in a task of its own,
and an update waits only for the earlier updates of the same person: a conversation (keyed by
user and chat) never sees two of its updates at once, which ConversationHandler relies on, and
a person's double tap is handled tap after tap. What people share (a device, a share, a group)
is guarded by the database, as it is between two bot processes (README, "Architecture").

It also marks everything an update's handlers send as the interactive lane of the pacer
(bot.telegram_pace): answers to someone's own action go before bulk.
"""

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram_pace import interactive

MAX_CONCURRENT_UPDATES = 256
"""Updates in progress at once, PTB's default for concurrent updates. Those of one person who
waits for their earlier ones count too, so one person sending hundreds at once slows others."""


class PerPersonOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[Hashable, asyncio.Lock] = {}
        self._holders: dict[Hashable, int] = {}
        """How many updates hold or wait for each person's turn: the lock goes with the last."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        person = sender_of(update)
        turn = self._turns.setdefault(person, asyncio.Lock())  # FIFO: updates keep their order
        self._holders[person] = self._holders.get(person, 0) + 1
        try:
            async with turn:
                with interactive():
                    await coroutine
        finally:
            self._holders[person] -= 1
            if not self._holders[person]:
                del self._holders[person], self._turns[person]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: the application waits for the updates in progress."""


def sender_of(update: object) -> Hashable:
    """Whose turn an update waits for: its user's; else its chat's (a channel post); updates
    with neither share one turn, in order."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return None
