"""A small world for the share and application tests, and one-line ways to act in it."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, func, select

from sharing.rules import full_grants
from sharing.shares import shares
from sharing.views import Address, ShareChange, ShareView
from storage.database import Database
from storage.models import Account, DeviceType, Permission, Share, ShareState
from tests.clock import FakeClock
from tests.factories import make_account, make_device

TTL = timedelta(days=3)
OWNER, RECIPIENT, STRANGER = 1, 2, 3
ALL_FOUR = full_grants([1, 2, 3, 4])


@dataclass(frozen=True)
class World:
    database: Database
    clock: FakeClock
    device_id: int
    """Owner's 4-channel NVR."""

    async def share(
        self,
        recipient: int | Address = RECIPIENT,
        grants: Mapping[int, Permission] = ALL_FOUR,
        *,
        owner_id: int = OWNER,
        device_id: int | None = None,
    ) -> ShareChange:
        async with self.database.write() as session:
            return await shares.share_device(
                session,
                owner_id=owner_id,
                device_id=device_id or self.device_id,
                recipient=recipient,
                grants=grants,
                ttl=TTL,
                now=self.clock(),
            )

    async def accept(self, share: ShareView, recipient_id: int = RECIPIENT) -> ShareView:
        async with self.database.write() as session:
            return await shares.accept_invitation(
                session,
                share_id=share.id,
                version=share.version,
                recipient_id=recipient_id,
                now=self.clock(),
            )

    async def add_device(
        self,
        owner_id: int = OWNER,
        *,
        type: DeviceType = DeviceType.NVR,
        firmware: str = "V4.1.0",
        channels: int = 4,
    ) -> int:
        async with self.database.write() as session:
            owner = await session.get_one(Account, owner_id)
            device = await make_device(
                session, owner, type=type, firmware=firmware, channels=channels
            )
        assert device.id is not None
        return device.id

    async def stored(self, share_id: int) -> Share:
        async with self.database.read() as session:
            return await session.get_one(Share, share_id)

    async def count_shares(self, *states: ShareState) -> int:
        statement = select(func.count()).select_from(Share)
        if states:
            statement = statement.where(col(Share.state).in_(states))
        async with self.database.read() as session:
            return (await session.exec(statement)).one()


async def seed_world(database: Database, clock: FakeClock) -> World:
    """Olivia (1) owns a 4-channel NVR; Rita (2) and Sam (3) have accounts; all in GB. The
    `world` fixture, and test modules that want the same rows on another database."""
    async with database.write() as session:
        owner = await make_account(session, OWNER, first_name="Olivia")
        await make_account(session, RECIPIENT, first_name="Rita", phone="+447700900002")
        await make_account(session, STRANGER, first_name="Sam")
        device = await make_device(session, owner, type=DeviceType.NVR, name="Shop NVR")
    assert device.id is not None
    return World(database=database, clock=clock, device_id=device.id)
