"""Conversations that survive a restart: python-telegram-bot's persistence, over our database.

What is kept (storage.models.ConversationState and UserData):
- every persistent ConversationHandler's states (all our wizards are persistent), per name and
  key, so the next tap or answer after a restart reaches the step the user was at;
- `user_data`, which holds the wizards' drafts only, in bot.draft_codec's JSON.
Not kept: `bot_data` (the services, made at start-up), `chat_data` (unused), callback data (our
buttons carry database ids, never an in-memory cache).

When: PTB hands the persistence what changed in `Application.update_persistence`, which it runs
every `update_interval` seconds and at shut-down. That would lose up to a minute of answers to a
crash, so `PersistentApplication` also runs it after every update, and the persistence writes
what changed in one transaction (`write_changes`). PTB offers every user seen in an update, not
only those whose data changed: the persistence compares the encoded data with what the database
holds (kept in memory) and writes only a difference, so an update that changed nothing writes
nothing. Conversations come as PTB tracked them: only those whose state changed.

This module is process wiring, like the rest of bot/: the tables and their statements are in
storage (models, conversations), the codec's list of draft types here.
"""

import asyncio
import json
import logging
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import Application, BasePersistence, PersistenceInput

from bot import draft_codec
from storage import conversations
from storage.database import Database

log = logging.getLogger(__name__)

UserData = dict[Any, Any]
K = TypeVar("K")
# PTB's own aliases (telegram.ext._utils.types), spelled out: that module is private.
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class DatabasePersistence(BasePersistence[UserData, dict[Any, Any], dict[Any, Any]]):
    """See the module's docstring. `database` is asked for the Database each time, so that the
    application's services say which one (tests give a bot a PostgreSQL schema of its own)."""

    def __init__(self, database: Callable[[], Database]) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            )
        )
        self._database = database
        self._stored_user_data: dict[int, str] = {}
        """Each user's data as the database holds it, encoded: what a change is measured by."""
        self._stored_states: dict[tuple[str, str], str] = {}
        """The same for the conversations' states, by name and key."""
        self._user_data_changes: dict[int, str | None] = {}
        self._state_changes: dict[tuple[str, str], str | None] = {}

    async def get_user_data(self) -> dict[int, UserData]:
        async with self._database().read() as session:
            self._stored_user_data = await conversations.load_user_data(session)
        return {user: draft_codec.decode(data) for user, data in self._stored_user_data.items()}

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._database().read() as session:
            states = await conversations.load_states(session, name=name)
        self._stored_states.update(((name, key), state) for key, state in states.items())
        return {tuple(json.loads(key)): json.loads(state) for key, state in states.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        _change(
            self._stored_states,
            self._state_changes,
            (name, json.dumps(list(key))),
            None if new_state is None else json.dumps(new_state),
        )

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        # {"drafts": {}} is what a finished wizard leaves: nothing to keep.
        encoded = draft_codec.encode(data) if any(data.values()) else None
        _change(self._stored_user_data, self._user_data_changes, user_id, encoded)

    async def drop_user_data(self, user_id: int) -> None:
        _change(self._stored_user_data, self._user_data_changes, user_id, None)

    async def write_changes(self) -> None:
        """Write what changed since the last call, in one transaction; nothing if nothing did."""
        if not (self._state_changes or self._user_data_changes):
            return
        states, self._state_changes = self._state_changes, {}
        users, self._user_data_changes = self._user_data_changes, {}
        try:
            async with self._database().write() as session:
                for (name, key), state in states.items():
                    await conversations.save_state(session, name=name, key=key, state=state)
                for user_id, data in users.items():
                    await conversations.save_user_data(session, user_id=user_id, data=data)
        except BaseException:
            # Kept for the next try, under what changed since (which is newer).
            self._state_changes = states | self._state_changes
            self._user_data_changes = users | self._user_data_changes
            raise
        _stored(self._stored_states, states)
        _stored(self._stored_user_data, users)

    async def flush(self) -> None:
        """At shut-down, after PTB's last `update_persistence`."""
        await self.write_changes()

    # What is not kept: see the module's docstring.

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Only this process writes the data: what it holds in memory is current."""
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None


def _change(stored: dict[K, str], changes: dict[K, str | None], key: K, new: str | None) -> None:
    """Note `new` as a change to write, unless it is what the database holds already."""
    if stored.get(key) == new:
        changes.pop(key, None)
    else:
        changes[key] = new


def _stored(stored: dict[K, str], written: dict[K, str | None]) -> None:
    for key, value in written.items():
        if value is None:
            stored.pop(key, None)
        else:
            stored[key] = value


class PersistentApplication(Application[Any, Any, Any, Any, Any, Any]):
    """An Application that writes what an update changed before it takes the next one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saving = asyncio.Lock()
        """One hand-over and write at a time: a change is measured against what the database
        holds, which a write still in flight would not show yet (concurrent updates)."""

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if isinstance(update, Update):
            await self.update_persistence()

    async def update_persistence(self) -> None:
        """PTB's, which hands the persistence what changed, then the write of it (also when PTB
        runs this every `update_interval`, for what changed outside updates: timeouts)."""
        async with self._saving:
            await super().update_persistence()
            if not isinstance(self.persistence, DatabasePersistence):
                return
            try:
                await self.persistence.write_changes()
            except Exception:
                # The user got their answer; what it changed is written with the next update,
                # or at shut-down. Only a crash before then loses it.
                log.exception("could not save the conversations")
