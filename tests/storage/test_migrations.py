"""The migrations make the schema the models describe, on SQLite and PostgreSQL alike."""

import ast
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from storage.database import Database
from storage.migrate import (
    alembic_config,
    check_database,
    downgrade_database,
    migration_connection,
    upgrade_database,
)
from storage.models import (
    Account,
    AddressKind,
    Application,
    ApplicationState,
    Device,
    DeviceType,
    Share,
    ShareState,
)

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, SQLModel.metadata)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _table_names(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


async def _run(database: Database, function: Any) -> Any:
    async with database.engine.connect() as connection:
        return await connection.run_sync(function)


def test_one_head() -> None:
    """Two branches each adding a revision would leave two heads, and `upgrade head` failing."""
    assert len(_scripts().get_heads()) == 1


def test_migrations_import_neither_our_code_nor_sqlmodel() -> None:
    """A migration must run the same years later, whatever became of our types and SQLModel's."""
    for script in _scripts().walk_revisions():
        assert script.path is not None
        tree = ast.parse(Path(script.path).read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        }
        assert imported <= {"collections.abc", "sqlalchemy", "alembic"}, script.path


async def test_upgrade_reaches_head(any_database: Database) -> None:
    assert await _run(any_database, _current_revision) == _scripts().get_current_head()
    assert await _run(any_database, _table_names) == {*SQLModel.metadata.tables, "alembic_version"}


async def test_models_and_migrations_agree(any_database: Database) -> None:
    assert await _run(any_database, _differences) == []
    # The same through env.py's own settings (what `revision --autogenerate` would see).
    await check_database(any_database)


async def test_downgrade_to_base_and_up_again(any_database: Database) -> None:
    await downgrade_database(any_database, "base")
    assert await _run(any_database, _table_names) <= {"alembic_version"}
    assert await _run(any_database, _current_revision) is None

    await upgrade_database(any_database)
    assert await _run(any_database, _differences) == []


async def test_sqlite_keeps_wal_and_foreign_keys_after_migrating(tmp_path: Path) -> None:
    """A migration turns SQLite's foreign keys off for itself; the sessions after it have them."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        await upgrade_database(database)
        async with database.read() as session:
            journal_mode = (await session.exec(sa.text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await session.exec(sa.text("PRAGMA foreign_keys"))).scalar_one()
        assert (journal_mode, foreign_keys) == ("wal", 1)
    finally:
        await database.dispose()


async def test_database_fixture_has_wal_and_foreign_keys(database: Database) -> None:
    async with database.read() as session:
        assert (await session.exec(sa.text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await session.exec(sa.text("PRAGMA foreign_keys"))).scalar_one() == 1


async def _owner_recipient_device(database: Database) -> tuple[int, int, int]:
    async with database.write() as session:
        session.add(Account(id=1001, first_name="Owner", created_at=NOW))
        session.add(Account(id=1002, first_name="Recipient", created_at=NOW))
        await session.flush()
        device = Device(
            serial="DS-2CD2143G2-I",
            verification_code="ABCDEF",
            name="Gate",
            type=DeviceType.CAMERA,
            firmware_version="V5.7.3",
            owner_id=1001,
            created_at=NOW,
        )
        session.add(device)
        await session.flush()
        assert device.id is not None
        return 1001, 1002, device.id


def _share(device_id: int, owner_id: int, recipient_id: int | None, **fields: Any) -> Share:
    fields = {"state": ShareState.PENDING, "created_at": NOW, "updated_at": NOW, **fields}
    return Share(device_id=device_id, owner_id=owner_id, recipient_id=recipient_id, **fields)


async def test_one_live_share_per_device_and_recipient(any_database: Database) -> None:
    owner, recipient, device = await _owner_recipient_device(any_database)
    async with any_database.write() as session:
        session.add(_share(device, owner, recipient))

    with pytest.raises(IntegrityError, match=r"uq_share_live_recipient|UNIQUE"):
        async with any_database.write() as session:
            session.add(_share(device, owner, recipient, state=ShareState.ACTIVE))

    async with any_database.write() as session:
        first = (await session.exec(select(Share))).one()
        first.state = ShareState.DECLINED
    async with any_database.write() as session:
        session.add(_share(device, owner, recipient))
    async with any_database.read() as session:
        states = sorted((await session.exec(select(Share.state))).all())
    assert states == [ShareState.DECLINED, ShareState.PENDING]


async def test_one_live_invitation_per_device_and_address(any_database: Database) -> None:
    owner, _, device = await _owner_recipient_device(any_database)
    address = {"address_kind": AddressKind.PHONE, "address": "+441632960961"}
    async with any_database.write() as session:
        session.add(_share(device, owner, None, **address))

    with pytest.raises(IntegrityError, match=r"uq_share_live_address|UNIQUE"):
        async with any_database.write() as session:
            session.add(_share(device, owner, None, **address))

    async with any_database.write() as session:
        (await session.exec(select(Share))).one().state = ShareState.EXPIRED
        await session.flush()
        session.add(_share(device, owner, None, **address))


async def test_one_pending_application_per_device_and_applicant(any_database: Database) -> None:
    _, applicant, device = await _owner_recipient_device(any_database)

    def application(state: ApplicationState) -> Application:
        return Application(
            device_id=device, applicant_id=applicant, state=state, created_at=NOW, expires_at=NOW
        )

    async with any_database.write() as session:
        session.add(application(ApplicationState.PENDING))
    with pytest.raises(IntegrityError, match=r"uq_application_pending|UNIQUE"):
        async with any_database.write() as session:
            session.add(application(ApplicationState.PENDING))
    async with any_database.write() as session:
        session.add(application(ApplicationState.REJECTED))
        pending = select(Application).where(Application.state == ApplicationState.PENDING)
        (await session.exec(pending)).one().state = ApplicationState.EXPIRED
        await session.flush()
        session.add(application(ApplicationState.PENDING))


def _rebuild_account_table(connection: Connection) -> None:
    """What a future migration that alters `account` does on SQLite: copy, drop, rename."""
    operations = Operations(MigrationContext.configure(connection))
    with operations.batch_alter_table("account", recreate="always") as batch:
        batch.add_column(sa.Column("note", sa.String(length=16), nullable=True))


async def test_sqlite_batch_migration_keeps_the_rows_that_refer_to_the_table(
    database: Database,
) -> None:
    """With foreign keys on, dropping the old `account` would cascade-delete every device."""
    await _owner_recipient_device(database)
    async with migration_connection(database) as connection:
        await connection.run_sync(_rebuild_account_table)
    async with database.read() as session:
        assert len((await session.exec(select(Device))).all()) == 1
        assert (await session.exec(sa.text("PRAGMA foreign_keys"))).scalar_one() == 1


def test_command_line_upgrades(tmp_path: Path) -> None:
    """`python -m storage.migrate`, the developers' way in: DATABASE_URL, env.py's own loop."""
    path = tmp_path / "cli.db"
    result = subprocess.run(
        [sys.executable, "-m", "storage.migrate", "upgrade", "head"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{path}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Running upgrade  -> 0001" in result.stderr
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert _current_revision(connection) == _scripts().get_current_head()
    engine.dispose()
