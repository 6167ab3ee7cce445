"""The device tests' bot: built on the simulators' clock, on SQLite and on PostgreSQL."""

import pytest

from bot.app import build_application, services_of
from bot.settings import Settings
from handlers.common.context import CamShareContext
from storage.database import Database
from tests.clock import FakeClock
from tests.device_simulator import DeviceSimulator, ManualClock
from tests.handlers.devices.journeys import owner_of_connected_nvr
from tests.handlers.journeys import started
from tests.harness.fixtures import ApplicationFactory
from tests.harness.request import FakeRequest
from tests.harness.users import AnyApplication, Telegram, TelegramUser


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, database: Database) -> Database:
    """The conversation on SQLite, then again on PostgreSQL (when CAMSHARE_TEST_POSTGRES_URL
    names a server): R13's checks and the connection's writes must hold on both."""
    if request.param == "sqlite":
        return database
    postgres: Database = request.getfixturevalue("pg_database")
    return postgres


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A device that holds a request is given up on after a second, not five."""
    return settings.model_copy(update={"device_timeout_seconds": 1.0})


@pytest.fixture
def application_factory(
    settings: Settings, device_clock: ManualClock, database: Database
) -> ApplicationFactory:
    """The bot, its taps and devices' lock-outs timed by the simulators' clock, on the test's
    own database (on PostgreSQL, an engine whose connections use the test's schema)."""

    def build(*, request: FakeRequest, clock: FakeClock) -> AnyApplication:
        application = build_application(
            settings, request=request, clock=clock, paced=False, monotonic=device_clock
        )
        services_of(application).database = database
        return application

    return build


@pytest.fixture
def context(application: AnyApplication) -> CamShareContext:
    """What a job or a device's event stream gets: the bot's context outside any update."""
    return CamShareContext(application)


@pytest.fixture
async def olivia(telegram: Telegram, nvr_simulator: DeviceSimulator) -> TelegramUser:
    """Here, Olivia's Shop NVR is connected to the 16-channel simulator; its card is shown."""
    olivia = await started(telegram, "Olivia")
    await owner_of_connected_nvr(olivia, nvr_simulator)
    return olivia
