"""How SQLite runs the share queries: by seeking in an index, never by reading the whole table
or a range that grows with it.

The share indexes are partial (`storage.models`): SQLite takes one only for a query that says
its condition, written out, and falls back to reading every share without a word of warning.
Without statistics (the bot never runs ANALYZE) its plans do not depend on how many rows there
are, so a small world shows the plans of a million-grant one, whatever the timings.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Connection

from sharing.applications import applications
from sharing.devices import devices
from sharing.errors import ChannelFull
from sharing.people import claims
from sharing.rules import MAX_RECIPIENTS_PER_CHANNEL
from sharing.shares import checks, preview, share_queries, shares
from sharing.shares.expiry import claim_expired
from sharing.views import Address
from storage.database import Database
from storage.models import (
    Account,
    AddressKind,
    Application,
    ApplicationState,
    Share,
    ShareState,
)
from tests.clock import FakeClock
from tests.unit.sharing_world import OWNER, RECIPIENT, STRANGER, TTL, World, seed_world
from tests.unit.test_sharing_a_device import fill_channel

SAM_PHONE = "+447700900003"


@contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL the engine sends meanwhile, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Connection, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        sent.append((sql, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def plan_of(database: Database, sql: str, parameters: Any) -> list[str]:
    async with database.read() as session:
        connection = await session.connection()
        plan = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)).all()
    return [detail for *_, detail in plan]


@pytest.mark.parametrize(
    ("model", "pending", "expired"),
    [
        (Share, ShareState.PENDING, ShareState.EXPIRED),
        (Application, ApplicationState.PENDING, ApplicationState.EXPIRED),
    ],
)
async def test_the_claim_finds_its_rows_by_id_through_the_index_of_due_rows(
    database: Database,
    clock: FakeClock,
    model: type[Share] | type[Application],
    pending: ShareState | ApplicationState,
    expired: ShareState | ApplicationState,
) -> None:
    with statements(database) as sent:
        async with database.write() as session:
            await claim_expired(
                session,
                model,
                pending=pending,
                expired=expired,
                now=clock(),
                limit=10,
                values={},
                returning=("id",),
            )
    ((sql, parameters),) = [(sql, parameters) for sql, parameters in sent if "UPDATE" in sql]

    steps = await plan_of(database, sql, parameters)
    table = model.__tablename__
    # The UPDATE reads its rows by rowid; only the CTE that picks them reads an index, the
    # partial one of pending rows, by expires_at.
    assert f"SEARCH {table} USING INTEGER PRIMARY KEY (rowid=?)" in steps
    through_index = [step for step in steps if "ix_" in step]
    due_index = f"ix_{table}_pending_expires"
    assert through_index == [f"SEARCH {table} USING INDEX {due_index} (expires_at<?)"]


async def walk_through_every_share_query(world: World) -> None:
    """Invite by account and by address, claim, accept, list every screen, preview recipients,
    fill a channel (R4), expire, remove."""
    now = world.clock()
    invitation = (await world.share(RECIPIENT)).share
    await world.share(Address(AddressKind.PHONE, SAM_PHONE))
    async with world.database.write() as session:
        await session.exec(
            update(Account).where(Account.id == STRANGER).values(phone=SAM_PHONE)  # type: ignore[arg-type]
        )
        await claims.claim_invitations(session, account_id=STRANGER, now=now)
    await world.accept(invitation)
    async with world.database.read() as session:
        page = dict(offset=0, limit=8)
        await share_queries.list_owned_shares(session, owner_id=OWNER, device_id=None, **page)
        await share_queries.list_owned_shares(
            session, owner_id=OWNER, device_id=world.device_id, **page
        )
        await share_queries.list_shared_devices(session, owner_id=OWNER, **page)
        await share_queries.list_received_page(session, recipient_id=RECIPIENT, now=now, **page)
        await share_queries.count_received(session, recipient_id=STRANGER, now=now)
        await share_queries.get_received_share(
            session, share_id=invitation.id, recipient_id=RECIPIENT
        )
        await checks.live_owner_ids(session, RECIPIENT)
        await share_queries.received_serials(session, recipient_id=RECIPIENT)  # the web portal
        await devices.list_devices(session, owner_id=OWNER, **page)
        await devices.get_owned_device(session, owner_id=OWNER, device_id=world.device_id)
        for recipient in (RECIPIENT, Address(AddressKind.EMAIL, "nobody@example.com")):
            await preview.preview_recipient(
                session, owner_id=OWNER, device_id=world.device_id, recipient=recipient
            )
    await fill_channel(world, 2, MAX_RECIPIENTS_PER_CHANNEL, state=ShareState.ACTIVE)
    for recipient in (RECIPIENT, Address(AddressKind.EMAIL, "late@example.com")):
        with pytest.raises(ChannelFull):  # an edit, then a new share: R4 counts per channel
            await world.share(recipient)
    later = now + TTL + timedelta(seconds=1)
    async with world.database.write() as session:
        await shares.expire_due_invitations(session, now=later)
        await applications.expire_due_applications(session, now=later)
    async with world.database.write() as session:
        await devices.remove_device(session, owner_id=OWNER, device_id=world.device_id)


SEEK = re.compile(r"SEARCH share USING (?:COVERING )?INDEX \w+ \(\w+(=|>|<)")
DUE = "SEARCH share USING INDEX ix_share_pending_expires (expires_at<?)"
"""The one range allowed: the sweep's read of what is due, bounded by its batch."""


def unbounded_reads(steps: list[str]) -> list[str]:
    """The steps that read all of the share table, or a range of an index whose first column
    is not pinned by an equality: such a range grows with the table."""
    return [
        step
        for step in steps
        if re.match(r"SCAN share\b", step)
        or ((seek := SEEK.match(step)) and seek[1] != "=" and step != DUE)
    ]


async def test_every_share_query_seeks_what_it_reads(database: Database, clock: FakeClock) -> None:
    world = await seed_world(database, clock)
    with statements(database) as sent:
        await walk_through_every_share_query(world)
    queries = [
        (sql, parameters)
        for sql, parameters in sent
        if re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)\b", sql) and re.search(r"\bshare\b", sql)
    ]
    assert len(queries) > 20, "the walk sent fewer share queries than it should"

    unbounded = {}
    for sql, parameters in queries:
        if steps := unbounded_reads(await plan_of(database, sql, parameters)):
            unbounded[sql] = steps
    assert not unbounded, unbounded
