"""The status job: connected devices are asked every DEVICE_CHECK_SECONDS; one away longer than
the grace period is told once to its owner and groups, and once again when it is back."""

import pytest
from sqlmodel import select

from handlers.common.context import CamShareContext
from handlers.devices.status_checks import check_devices
from handlers.groups.news import flush_group_news
from storage.database import Database
from storage.models import InstallerGroup
from tests.clock import FakeClock
from tests.device_simulator import DeviceSimulator
from tests.handlers.devices.journeys import (
    linked_group,
    share_channels,
)
from tests.handlers.speakers import speak
from tests.harness.users import Telegram, TelegramGroup, TelegramUser


@pytest.fixture
async def group(telegram: Telegram, olivia: TelegramUser) -> TelegramGroup:
    return await linked_group(telegram, olivia)


async def group_news(context: CamShareContext, group: TelegramGroup) -> list[str]:
    before = len(group.messages)
    await flush_group_news(context)
    return [message.text or "" for message in group.messages[before:]]


async def test_away_and_back_are_told_once_each_way(
    olivia: TelegramUser,
    group: TelegramGroup,
    nvr_simulator: DeviceSimulator,
    context: CamShareContext,
    clock: FakeClock,
) -> None:
    await group_news(context, group)
    asked = nvr_simulator.answered
    await check_devices(context)
    assert nvr_simulator.answered == asked, "connected just now: not due yet"

    nvr_simulator.hold_requests(path="/ISAPI/System/deviceInfo")  # it stops answering
    messages = len(olivia.messages)
    clock.advance(seconds=121)
    await check_devices(context)
    assert len(olivia.messages) == messages, "away, but within the grace period"
    await olivia.send("/devices")
    assert olivia.last_message.buttons[0] == ["🔴 🗄 Shop NVR · 16 ch"]

    clock.advance(seconds=200)
    await check_devices(context)
    assert olivia.last_message.text == (
        "🔴 Offline: Shop NVR has not answered as itself since 15 Jan 2026, 09:00 UTC."
    )
    assert await group_news(context, group) == [
        "🔴 Shop NVR has been away since 15 Jan 2026, 09:00 UTC: offline"
    ]
    clock.advance(seconds=121)
    await check_devices(context)
    assert await group_news(context, group) == [], "told once"

    await nvr_simulator.release_requests()
    clock.advance(seconds=121)
    await check_devices(context)
    assert olivia.last_message.text == (
        "🟢 Shop NVR is back online. It was away since 15 Jan 2026, 09:00 UTC."
    )
    assert await group_news(context, group) == [
        "🟢 Shop NVR is back online (away since 15 Jan 2026, 09:00 UTC)"
    ]


async def test_a_refused_password_is_not_offered_again_until_the_owner_gives_one(
    olivia: TelegramUser,
    nvr_simulator: DeviceSimulator,
    context: CamShareContext,
    clock: FakeClock,
) -> None:
    """Hikvision locks logins out after a few wrong passwords: once the device refused the
    stored one, checks and taps get the refusal without asking it again."""
    right_password, nvr_simulator.password = nvr_simulator.password, "changed-on-the-device"
    for _ in range(4):
        clock.advance(seconds=121)
        await check_devices(context)
    assert nvr_simulator.failed_logins == 1 and not nvr_simulator.locked
    assert olivia.last_message.text.startswith("🔑 Refuses the stored password: Shop NVR")

    nvr_simulator.password = right_password
    await olivia.send("/devices")
    await olivia.tap("🔑 🗄 Shop NVR · 16 ch")
    await olivia.tap("🔌 Change connection")
    await olivia.send(f"127.0.0.1:{nvr_simulator.port}")
    await olivia.send(nvr_simulator.username)
    await olivia.send(right_password)
    assert olivia.messages[-2].text.startswith("✅ Connected Shop NVR")
    clock.advance(seconds=121)
    await check_devices(context)
    assert olivia.last_message.text.startswith("🟢 Shop NVR is back online.")


async def test_recipients_see_the_status_never_the_address(
    olivia: TelegramUser,
    rita: TelegramUser,
    nvr_simulator: DeviceSimulator,
    context: CamShareContext,
    clock: FakeClock,
    database: Database,
) -> None:
    await share_channels(database, rita, [1, 2])
    nvr_simulator.device.channels[1].online = False
    clock.advance(seconds=121)
    await check_devices(context)
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    assert "🟢 Online" in rita.last_message.text
    await rita.tap("📷 Live view")
    assert rita.last_message.buttons[0] == ["1. Camera 01", "🔴 2. Camera 02"]

    await nvr_simulator.go_away()
    clock.advance(seconds=121)
    await check_devices(context)
    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    screen = rita.last_message.text
    assert "🔴 Offline · last seen online 15 Jan 2026, 09:02 UTC" in screen
    assert "127.0.0.1" not in screen and "admin" not in screen


@pytest.mark.usefixtures("pseudo_language")
async def test_the_owner_and_each_group_are_told_in_their_own_language(
    olivia: TelegramUser,
    group: TelegramGroup,
    nvr_simulator: DeviceSimulator,
    context: CamShareContext,
    database: Database,
    clock: FakeClock,
) -> None:
    await group_news(context, group)
    await speak(olivia, "ru")
    async with database.write() as session:
        (installers,) = await session.exec(select(InstallerGroup))
        installers.language = "es"
    nvr_simulator.hold_requests(path="/ISAPI/System/deviceInfo")
    clock.advance(seconds=321)
    await check_devices(context)
    assert olivia.last_message.text.startswith("[ru] [ru] 🔴 Offline: Shop NVR has not answered")
    (line,) = await group_news(context, group)
    assert "15 ene 2026" in line, "the group's line made in Spanish"
