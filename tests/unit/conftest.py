"""Fixtures of the sharing service's tests."""

import pytest

from storage.database import Database
from tests.clock import FakeClock
from tests.unit.sharing_world import World, seed_world


@pytest.fixture
async def world(database: Database, clock: FakeClock) -> World:
    """Olivia (1) owns a 4-channel NVR; Rita (2) and Sam (3) have accounts; all in GB."""
    return await seed_world(database, clock)
