"""The limits hold under concurrency on PostgreSQL: each race has exactly one outcome, stored once.

`race` runs each contender in its own write transaction. All transactions have begun before any
contender acts, and one that finishes keeps its transaction open until every other contender has
finished too or is waiting for a lock. So a contender that could read what another has not yet
committed does read it at the worst moment, and only the locks can keep the outcome right.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.applications import applications
from sharing.errors import (
    ChannelFull,
    InvitationExpired,
    ShareNotPending,
    SharingError,
    TooManyOwners,
)
from sharing.rules import MAX_OWNERS_PER_RECIPIENT, MAX_RECIPIENTS_PER_CHANNEL, full_grants
from sharing.shares import shares
from sharing.views import ShareChange, ShareView
from storage.database import Database
from storage.models import (
    LIVE_SHARE_STATES,
    Application,
    Channel,
    Device,
    Grant,
    Share,
    ShareState,
)
from tests.clock import FakeClock
from tests.factories import make_account, make_device, make_share

TTL = timedelta(days=3)
OWNER, RECIPIENT = 1, 2
Contender = Callable[[AsyncSession], Awaitable[Any]]


async def race(database: Database, *contenders: Contender) -> list[Any]:
    """Each contender's result, or the `SharingError` it raised; its transaction committed
    (or rolled back on the error)."""
    begun = asyncio.Barrier(len(contenders))
    done = [asyncio.Event() for _ in contenders]
    backend_pids = [0] * len(contenders)

    async def run(index: int, contender: Contender) -> Any:
        try:
            async with database.write() as session:
                pid = await session.exec(select(func.pg_backend_pid()))  # begins the transaction
                backend_pids[index] = pid.one()
                await begun.wait()
                try:
                    return await contender(session)
                finally:
                    done[index].set()
                    others = [i for i in range(len(contenders)) if i != index]
                    await _until_done_or_waiting(database, done, backend_pids, others)
        except SharingError as refusal:
            return refusal

    return list(await asyncio.gather(*(run(i, c) for i, c in enumerate(contenders))))


async def _until_done_or_waiting(
    database: Database,
    done: Sequence[asyncio.Event],
    backend_pids: Sequence[int],
    others: Sequence[int],
) -> None:
    """Hold the caller's transaction open until each other contender has done its work or is
    blocked on a lock (which, in a two-way race, the caller holds)."""
    blocked = text("SELECT cardinality(pg_blocking_pids(:pid)) > 0")
    async with asyncio.timeout(10), database.engine.connect() as monitor:
        for other in others:
            while not done[other].is_set():
                result = await monitor.execute(blocked, {"pid": backend_pids[other]})
                if result.scalar_one():
                    break


async def setup_world(database: Database, *, extra_recipients: int = 1) -> int:
    """Owner 1 with a 4-channel NVR; recipients 2, 3, ...; returns the device id."""
    async with database.write() as session:
        owner = await make_account(session, OWNER)
        for account_id in range(RECIPIENT, RECIPIENT + extra_recipients + 1):
            await make_account(session, account_id)
        device = await make_device(session, owner)
    assert device.id is not None
    return device.id


def share_with(
    device_id: int, recipient_id: int, clock: FakeClock, owner_id: int = OWNER
) -> Contender:
    async def contender(session: AsyncSession) -> Any:
        return await shares.share_device(
            session,
            owner_id=owner_id,
            device_id=device_id,
            recipient=recipient_id,
            grants=full_grants([1]),
            ttl=TTL,
            now=clock(),
        )

    return contender


def accept(invitation: ShareView, now: datetime) -> Contender:
    async def contender(session: AsyncSession) -> Any:
        return await shares.accept_invitation(
            session,
            share_id=invitation.id,
            version=invitation.version,
            recipient_id=RECIPIENT,
            now=now,
        )

    return contender


def sweep(now: datetime, limit: int = 100) -> Contender:
    async def contender(session: AsyncSession) -> Any:
        return await shares.expire_due_invitations(session, now=now, limit=limit)

    return contender


async def invite(database: Database, device_id: int, clock: FakeClock) -> ShareView:
    async with database.write() as session:
        return (await share_with(device_id, RECIPIENT, clock)(session)).share


async def count(database: Database, statement: Any) -> int:
    async with database.read() as session:
        return (await session.exec(statement)).one()


# --- the races -----------------------------------------------------------------------------------


async def test_two_shares_racing_for_the_last_slot_of_a_channel(
    pg_database: Database, clock: FakeClock
) -> None:
    device_id = await setup_world(pg_database, extra_recipients=1)
    async with pg_database.write() as session:
        device = await session.get_one(Device, device_id)
        for account_id in range(100, 100 + MAX_RECIPIENTS_PER_CHANNEL - 1):
            await make_share(session, device, await make_account(session, account_id))

    outcomes = await race(
        pg_database,
        share_with(device_id, RECIPIENT, clock),
        share_with(device_id, RECIPIENT + 1, clock),
    )

    [created] = [outcome for outcome in outcomes if isinstance(outcome, ShareChange)]
    [refused] = [outcome for outcome in outcomes if isinstance(outcome, SharingError)]
    assert created.created
    assert refused == ChannelFull(channel_numbers=[1], limit=MAX_RECIPIENTS_PER_CHANNEL)
    live_on_channel_1 = (
        select(func.count())
        .select_from(Grant)
        .join(Share, col(Share.id) == Grant.share_id)
        .join(Channel, col(Channel.id) == Grant.channel_id)
        .where(col(Share.state).in_(LIVE_SHARE_STATES), Channel.number == 1)
    )
    assert await count(pg_database, live_on_channel_1) == MAX_RECIPIENTS_PER_CHANNEL


async def test_two_owners_racing_for_a_recipients_last_owner_slot(
    pg_database: Database, clock: FakeClock
) -> None:
    async with pg_database.write() as session:
        recipient = await make_account(session, RECIPIENT)
        for owner_id in range(100, 100 + MAX_OWNERS_PER_RECIPIENT - 1):
            await make_share(
                session,
                await make_device(session, await make_account(session, owner_id)),
                recipient,
            )
        contenders = []
        for owner_id in (1, 3):
            device = await make_device(session, await make_account(session, owner_id))
            assert device.id is not None
            contenders.append(share_with(device.id, RECIPIENT, clock, owner_id=owner_id))

    outcomes = await race(pg_database, *contenders)

    [created] = [outcome for outcome in outcomes if isinstance(outcome, ShareChange)]
    [refused] = [outcome for outcome in outcomes if isinstance(outcome, SharingError)]
    assert created.created and refused == TooManyOwners(limit=MAX_OWNERS_PER_RECIPIENT)
    owners = select(func.count(func.distinct(Share.owner_id))).where(
        Share.recipient_id == RECIPIENT
    )
    assert await count(pg_database, owners) == MAX_OWNERS_PER_RECIPIENT


async def test_a_double_accept(pg_database: Database, clock: FakeClock) -> None:
    invitation = await invite(pg_database, await setup_world(pg_database), clock)

    outcomes = await race(pg_database, accept(invitation, clock()), accept(invitation, clock()))

    [accepted] = [outcome for outcome in outcomes if isinstance(outcome, ShareView)]
    [refused] = [outcome for outcome in outcomes if isinstance(outcome, SharingError)]
    assert accepted.state == ShareState.ACTIVE
    assert refused == ShareNotPending(invitation.id, ShareState.ACTIVE)


@pytest.mark.parametrize("sweep_listed_first", [False, True])
async def test_an_accept_racing_the_expiry_sweep(
    pg_database: Database, clock: FakeClock, sweep_listed_first: bool
) -> None:
    """Listed first, the accept nearly always wins; listed second, either may: both outcomes."""
    invitation = await invite(pg_database, await setup_world(pg_database), clock)
    assert invitation.expires_at is not None
    accepting = accept(invitation, invitation.expires_at - timedelta(seconds=1))
    sweeping = sweep(invitation.expires_at + timedelta(seconds=1))

    if sweep_listed_first:
        swept, accepted = await race(pg_database, sweeping, accepting)
    else:
        accepted, swept = await race(pg_database, accepting, sweeping)

    async with pg_database.read() as session:
        stored = await session.get_one(Share, invitation.id)
    if isinstance(accepted, ShareView):
        assert swept == () and stored.state == ShareState.ACTIVE
    else:
        assert accepted == InvitationExpired(invitation.expires_at)
        assert [share.id for share in swept] == [invitation.id]
        assert stored.state == ShareState.EXPIRED


async def test_two_sweeps_at_once_return_each_expired_share_once(
    pg_database: Database, clock: FakeClock
) -> None:
    device_id = await setup_world(pg_database)
    async with pg_database.write() as session:
        device = await session.get_one(Device, device_id)
        for account_id in range(100, 130):
            account = await make_account(session, account_id)
            await make_share(session, device, account, state=ShareState.PENDING, expires_at=clock())

    first, second = await race(pg_database, sweep(clock(), limit=20), sweep(clock(), limit=20))

    assert len(first) <= 20 and len(second) <= 20
    swept = [share.id for share in first + second]
    assert len(swept) == len(set(swept)) == 30
    expired = select(func.count()).select_from(Share).where(Share.state == ShareState.EXPIRED)
    assert await count(pg_database, expired) == 30


async def test_a_double_application(pg_database: Database, clock: FakeClock) -> None:
    device_id = await setup_world(pg_database)

    def apply(session: AsyncSession) -> Awaitable[Any]:
        return applications.apply_for_share(
            session, applicant_id=RECIPIENT, device_id=device_id, ttl=TTL, now=clock()
        )

    outcomes = await race(pg_database, apply, apply)

    assert sorted(is_new for _, is_new in outcomes) == [False, True]
    assert len({application.id for application, _ in outcomes}) == 1
    assert await count(pg_database, select(func.count()).select_from(Application)) == 1
