"""What python-telegram-bot persists of conversations: wizard states and user drafts, as JSON
text (the encoding is bot.persistence's business; here they are strings).

Writes are upserts, one statement each, in the caller's write session; `None` deletes.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConversationState, UserData, table_of

_STATES = table_of(ConversationState)
_USER_DATA = table_of(UserData)


async def load_states(session: AsyncSession, *, name: str) -> dict[str, str]:
    """The conversation's waiting states: key -> state."""
    rows = await session.exec(  # type: ignore[call-overload]
        select(_STATES.c.key, _STATES.c.state).where(_STATES.c.name == name)
    )
    return {key: state for key, state in rows.all()}


async def load_user_data(session: AsyncSession) -> dict[int, str]:
    rows = await session.exec(  # type: ignore[call-overload]
        select(_USER_DATA.c.user_id, _USER_DATA.c.data)
    )
    return {user_id: data for user_id, data in rows.all()}


async def save_state(session: AsyncSession, *, name: str, key: str, state: str | None) -> None:
    if state is None:
        await session.exec(delete(_STATES).where(_STATES.c.name == name, _STATES.c.key == key))
        return
    await _upsert(session, _STATES, {"name": name, "key": key, "state": state}, ("name", "key"))


async def save_user_data(session: AsyncSession, *, user_id: int, data: str | None) -> None:
    if data is None:
        await session.exec(delete(_USER_DATA).where(_USER_DATA.c.user_id == user_id))
        return
    await _upsert(session, _USER_DATA, {"user_id": user_id, "data": data}, ("user_id",))


async def _upsert(
    session: AsyncSession, table: Any, values: Mapping[str, Any], keys: tuple[str, ...]
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE, which SQLite and PostgreSQL write alike."""
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: statement.excluded[column] for column in values if column not in keys},
    )
    await session.exec(statement)
