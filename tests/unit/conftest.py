"""Fixtures of the sharing service's tests."""

import pytest

from storage.database import Database
from storage.models import DeviceType
from tests.clock import FakeClock
from tests.factories import make_account, make_device
from tests.unit.sharing_world import OWNER, RECIPIENT, STRANGER, World


@pytest.fixture
async def world(database: Database, clock: FakeClock) -> World:
    """Olivia (1) owns a 4-channel NVR; Rita (2) and Sam (3) have accounts; all in GB."""
    async with database.write() as session:
        owner = await make_account(session, OWNER, first_name="Olivia")
        await make_account(session, RECIPIENT, first_name="Rita", phone="+447700900002")
        await make_account(session, STRANGER, first_name="Sam")
        device = await make_device(session, owner, type=DeviceType.NVR, name="Shop NVR")
    assert device.id is not None
    return World(database=database, clock=clock, device_id=device.id)
