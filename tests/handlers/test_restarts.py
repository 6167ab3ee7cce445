"""Conversations survive restarts: the bot stops mid-wizard and a new one, built by the same
factory on the same database, takes the next tap or answer where the user was.

`restart` stops the bot the hard way: the old Application is abandoned without a shut-down
(a crash, or SIGKILL), so what a user did must already be in the database when the update that
did it was handled. The first wizard journeys run on SQLite and on PostgreSQL.
"""

import dataclasses
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import col, func, select
from telegram.request import BaseRequest

from bot.app import build_application, services_of
from bot.settings import Settings
from storage import conversations
from storage.database import Database
from storage.models import ConversationState, Device, Share, ShareState, UserData
from tests.clock import FakeClock
from tests.handlers.journeys import RITA_PHONE, started
from tests.handlers.test_qr import device_code, token_of
from tests.harness.bot_api import Clock, FakeBotApi
from tests.harness.fixtures import ApplicationFactory
from tests.harness.request import FakeRequest
from tests.harness.users import AnyApplication, Telegram, TelegramUser

Restart = Callable[[], Awaitable[None]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bot_database(request: pytest.FixtureRequest, database: Database) -> Database:
    """The database the bots of a test share: SQLite, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return database
    pg_database: Database = request.getfixturevalue("pg_database")
    return pg_database


@pytest.fixture
async def application_factory(settings: Settings, bot_database: Database) -> ApplicationFactory:
    """The bot's own factory; on PostgreSQL each bot gets an engine of its own on the test's
    schema, as another process would (the settings can name a server, not a schema)."""
    if bot_database.is_sqlite:
        return functools.partial(build_application, settings, paced=False)
    async with bot_database.read() as session:
        schema = (await session.exec(select(func.current_schema()))).one()
    url = bot_database.url.render_as_string(hide_password=False)

    def build(*, request: BaseRequest, clock: Clock) -> AnyApplication:
        application = build_application(settings, request=request, clock=clock, paced=False)
        own = Database(url, connect_args={"server_settings": {"search_path": schema}})
        application.bot_data["services"] = dataclasses.replace(
            services_of(application), database=own
        )
        return application

    return build


@pytest.fixture
async def restart(
    telegram: Telegram,
    application_factory: ApplicationFactory,
    bot_api: FakeBotApi,
    clock: FakeClock,
) -> AsyncIterator[Restart]:
    """Replace the running bot with a new one, without a shut-down of the old one."""
    abandoned: list[AnyApplication] = []

    async def restart() -> None:
        abandoned.append(telegram.application)
        application = application_factory(request=FakeRequest(bot_api), clock=clock)
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        telegram.application = application

    yield restart
    if abandoned:
        newest = telegram.application
        await newest.shutdown()
        telegram.application = abandoned[0]  # the fixture's own, which it shuts down


async def _count(database: Database, model: type, *conditions: object) -> int:
    async with database.read() as session:
        statement = select(func.count()).select_from(model)
        for condition in conditions:
            statement = statement.where(condition)  # type: ignore[arg-type]
        return int((await session.exec(statement)).one())


async def test_a_share_goes_on_after_each_restart(
    olivia: TelegramUser, rita: TelegramUser, restart: Restart, bot_database: Database
) -> None:
    await olivia.send("/share")
    devices = olivia.last_message
    await restart()
    await olivia.tap("🗄 Shop NVR", message=devices)  # the old message's button
    assert "Who should receive Shop NVR?" in olivia.last_message.text
    await restart()
    await olivia.send("07700 900002")
    screen = olivia.last_message
    assert olivia.messages[-2].text == "Recipient: Rita."
    await olivia.tap("✅ Camera 02")
    await restart()
    await olivia.tap("Permissions ›", message=screen)
    await olivia.tap("💾 Save")
    await restart()
    assert "Summary (3 channels)" in screen.text
    await olivia.tap("✅ Finish", message=screen)
    assert screen.text.startswith("✅ Invitation to Shop NVR sent to Rita.")
    assert rita.last_message.text.startswith("📨 Olivia wants to share Shop NVR with you (3")
    assert await _count(bot_database, ConversationState) == 0
    assert await _count(bot_database, UserData) == 0


async def test_the_user_picker_still_shown_picks_the_recipient(
    olivia: TelegramUser, rita: TelegramUser, restart: Restart
) -> None:
    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")
    await restart()
    await olivia.tap_reply_button("👤 Choose a Telegram user", pick=[rita])
    assert olivia.messages[-2].text == "Recipient: Rita."
    assert "4 of 4 channels selected" in olivia.last_message.text


async def test_a_forwarded_contact_after_a_restart_names_the_recipient(
    olivia: TelegramUser, rita: TelegramUser, restart: Restart
) -> None:
    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")
    await restart()
    await olivia.forward_contact(RITA_PHONE, user_id=rita.id, forwarded_from=rita)
    assert olivia.messages[-2].text == "Recipient: Rita."


async def test_adding_a_device_goes_on_after_each_restart(
    telegram: Telegram, restart: Restart, bot_database: Database
) -> None:
    olivia = await started(telegram, "Olivia")
    await olivia.send("/adddevice")
    await restart()
    await olivia.send("J12345678")
    await olivia.send("abcdef")
    await restart()
    await olivia.send("Shop NVR")
    types = olivia.last_message
    await restart()
    await olivia.tap("🗄 NVR", message=types)
    await olivia.send("4")
    await restart()
    await olivia.tap("Use default names")
    await restart()
    await olivia.send("V4.30.005 build 200101")
    assert olivia.messages[-2].text.startswith("✅ Added Shop NVR.\n\nOptional last step")
    async with bot_database.read() as session:
        device = (await session.exec(select(Device))).one()
    assert (device.serial, device.name, device.firmware_version) == (
        "J12345678",
        "Shop NVR",
        "V4.30.005 build 200101",
    )


async def test_a_review_goes_on_after_a_restart(
    telegram: Telegram, olivia: TelegramUser, restart: Restart, bot_database: Database
) -> None:
    token = token_of(await device_code(olivia))
    rita = await started(telegram, "Rita")
    await rita.send(f"/start {token}")
    await rita.tap("📨 Apply for sharing")
    application = olivia.last_message
    await olivia.tap("🔍 Review")
    await restart()
    await olivia.tap("✅ Camera 04", message=application)
    await olivia.tap("Permissions ›")
    await restart()
    await olivia.tap("💾 Save", message=application)
    await restart()
    await olivia.tap("✅ Accept", message=application)
    assert application.text == "✅ You accepted Rita's application for Shop NVR."
    assert rita.last_message.text.startswith("✅ Olivia accepted your application for Shop NVR:")
    assert await _count(bot_database, Share, col(Share.state) == ShareState.ACTIVE) == 1


async def test_a_review_left_after_a_restart_gives_the_application_back(
    telegram: Telegram, olivia: TelegramUser, restart: Restart
) -> None:
    token = token_of(await device_code(olivia))
    rita = await started(telegram, "Rita")
    await rita.send(f"/start {token}")
    await rita.tap("📨 Apply for sharing")
    application = olivia.last_message
    await olivia.tap("🔍 Review")
    await restart()
    await olivia.send("/cancel")
    assert application.text.startswith("📨 Sharing application from Rita for Shop NVR: it waits")
    await restart()
    await olivia.tap("🔍 Review", message=application)
    assert "4 of 4 channels selected" in application.text


async def test_an_update_that_changes_nothing_writes_nothing(
    olivia: TelegramUser, telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the persistence writes here: the handlers of these steps and commands only read."""
    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")
    await olivia.send("07700 900002")
    database = services_of(telegram.application).database
    writes = []
    write = database.write

    def counted() -> Any:
        writes.append(1)
        return write()

    monkeypatch.setattr(database, "write", counted)
    await olivia.tap("Permissions ›")  # another screen: the draft changes, the state does not
    assert len(writes) == 1
    await olivia.send("/cancel")  # the draft and the state go
    assert len(writes) == 2
    await olivia.send("/help")
    await olivia.send("/devices")
    await olivia.tap("🗄 Shop NVR · 4 ch")
    await olivia.tap("« My devices")
    assert len(writes) == 2


async def test_a_failed_write_is_tried_again_with_the_next_update(
    olivia: TelegramUser,
    rita: TelegramUser,
    restart: Restart,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    save = conversations.save_user_data
    failures = [OSError("disk full")]

    async def flaky(session: Any, **values: Any) -> None:
        if failures:
            raise failures.pop()
        await save(session, **values)

    monkeypatch.setattr(conversations, "save_user_data", flaky)
    await olivia.send("/share")
    await olivia.tap("🗄 Shop NVR")  # answered, but its draft and state are not saved
    assert "could not save the conversations" in caplog.text
    await olivia.send_attachment("sticker")  # changes nothing itself: the write is retried
    await restart()
    await olivia.send("07700 900002")
    assert olivia.messages[-2].text == "Recipient: Rita."
