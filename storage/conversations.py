"""What python-telegram-bot persists of conversations: wizard states and user drafts, as JSON
text (the encoding is bot.persistence's business; here they are strings).

Writes are upserts (INSERT ... ON CONFLICT DO UPDATE, which SQLite and PostgreSQL write alike),
one statement each, in the caller's write session; `None` deletes. The statements are built
once, with bind parameters, as the project's hot statements are (README, "Hot statements").
"""

from sqlalchemy import Delete, Table, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConversationState, UserData, table_of

_STATES = table_of(ConversationState)
_USER_DATA = table_of(UserData)

_LOAD_STATES = select(ConversationState.key, ConversationState.state).where(
    col(ConversationState.name) == bindparam("name")
)
_LOAD_USER_DATA = select(UserData.user_id, UserData.data)
_DELETE_STATE: Delete = delete(_STATES).where(
    _STATES.c.name == bindparam("name"), _STATES.c.key == bindparam("key")
)
_DELETE_USER_DATA: Delete = delete(_USER_DATA).where(_USER_DATA.c.user_id == bindparam("user_id"))


def _upserts(table: Table) -> dict[str, Insert]:
    """The table's upsert for each dialect: every column bound, the non-key ones replaced."""
    keys = [column.name for column in table.primary_key.columns]
    values: dict[str, BindParameter[object]] = {
        column.name: bindparam(column.name) for column in table.c
    }
    statements: dict[str, Insert] = {}
    for dialect, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert)):
        statement = insert(table).values(values)
        statements[dialect] = statement.on_conflict_do_update(
            index_elements=keys,
            set_={name: statement.excluded[name] for name in values if name not in keys},
        )
    return statements


_UPSERT_STATE = _upserts(_STATES)
_UPSERT_USER_DATA = _upserts(_USER_DATA)


async def load_states(session: AsyncSession, *, name: str) -> dict[str, str]:
    """The conversation's waiting states: key -> state."""
    rows = await session.exec(_LOAD_STATES, params={"name": name})
    return {key: state for key, state in rows.all()}


async def load_user_data(session: AsyncSession) -> dict[int, str]:
    rows = await session.exec(_LOAD_USER_DATA)
    return {user_id: data for user_id, data in rows.all()}


async def save_state(session: AsyncSession, *, name: str, key: str, state: str | None) -> None:
    if state is None:
        await session.exec(_DELETE_STATE, params={"name": name, "key": key})
    else:
        upsert = _UPSERT_STATE[await _dialect(session)]
        await session.exec(upsert, params={"name": name, "key": key, "state": state})


async def save_user_data(session: AsyncSession, *, user_id: int, data: str | None) -> None:
    if data is None:
        await session.exec(_DELETE_USER_DATA, params={"user_id": user_id})
    else:
        upsert = _UPSERT_USER_DATA[await _dialect(session)]
        await session.exec(upsert, params={"user_id": user_id, "data": data})


async def _dialect(session: AsyncSession) -> str:
    return (await session.connection()).dialect.name
