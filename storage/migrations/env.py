"""Alembic's environment: how a migration run connects and what autogenerate compares.

Run migrations through `storage.migrate` (its docstring says how); there is no alembic.ini.
The URL is the Config's `sqlalchemy.url`, which `storage.migrate` sets; nothing here reads the
bot's settings.
"""

import asyncio
from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.database import Database
from storage.migrate import migration_connection

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render column types as the plain SQLAlchemy types they are stored as.

    A migration must not import `storage.types` or SQLModel, which may change after the migration
    is written: `UTCDateTime` becomes `sa.DateTime(timezone=True)`, SQLModel's `AutoString`
    `sa.String(length=...)`, and our VARCHAR enums `sa.String(length=16)` (no list of values to
    migrate when a member is added).
    """
    if type_ != "type":
        return False
    if isinstance(obj, sa.Enum) and not obj.native_enum:
        return f"sa.String(length={obj.length})"
    if isinstance(obj, sa.TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        # Always batch, not only when generating against SQLite: every migration has to run on
        # SQLite and PostgreSQL alike, and on PostgreSQL batch operations are plain ALTERs.
        render_as_batch=True,
        render_item=render_item,
        **options,
    )


def run_migrations(connection: Connection) -> None:
    _configure(connection=connection)
    # `storage.migrate.migration_connection` has begun the transaction: everything in one run
    # commits or rolls back together (SQLite's DDL is transactional too).
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_database(url: str) -> None:
    database = Database(url)
    try:
        async with migration_connection(database) as connection:
            await connection.run_sync(run_migrations)
    finally:
        await database.dispose()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        # Shared by storage.migrate, already inside the caller's event loop (run_sync).
        run_migrations(connection)
    else:
        # Alembic's own command line, or a command that storage.migrate did not connect for
        # (`revision --autogenerate`): no event loop is running here.
        asyncio.run(_run_with_own_database(context.config.get_main_option("sqlalchemy.url", "")))


def run_offline() -> None:
    """`--sql`: print the DDL instead of running it."""
    _configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
