"""Alarms: a device's event reaches exactly the holders of Alarm on its channel, folded per
burst, with a snapshot for those who also hold Live View; mutes; groups hear bursts."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import select
from telegram import InlineKeyboardMarkup

from device_api import DeviceEvent, EventKind, Heartbeat
from handlers.common.context import CamShareContext
from handlers.devices import alarms
from handlers.devices.alarms import handle_alert, refresh_alarm_notices, watch_devices
from handlers.groups.news import flush_group_news
from languages import format_moment, speaking
from sharing.devices import connections
from sharing.devices.alarms import AlarmNoticeView
from sharing.devices.connections import DeviceTarget
from storage.database import Database
from storage.models import (
    DeviceGroupLink,
    InstallerGroup,
    Permission,
    Share,
    ShareState,
)
from tests.clock import FakeClock
from tests.device_simulator import DeviceSimulator
from tests.handlers.devices.journeys import (
    linked_group,
    pictured_channel,
    share_channels,
)
from tests.handlers.journeys import verified
from tests.handlers.speakers import speak
from tests.harness.state import ChatMessage
from tests.harness.users import Telegram, TelegramGroup, TelegramUser

ALARM_AND_LIVE = Permission.ALARM | Permission.LIVE_VIEW
MUTE_ROW = ["🔕 1 h", "🔕 8 h", "🔕 Until I unmute"]


@pytest.fixture
async def target(
    olivia: TelegramUser, context: CamShareContext, database: Database
) -> DeviceTarget:
    async with database.read() as session:
        found = await connections.device_target(
            session, device_id=1, sealer=context.services.devices.sealer
        )
    assert found is not None
    return found


def motion(channel: int, kind: EventKind = EventKind.MOTION) -> DeviceEvent:
    return DeviceEvent(
        kind=kind,
        channel=channel,
        active=True,
        occurred_at=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
        event_type="VMD",
        description="Motion alarm",
        io_port=None,
    )


async def test_an_event_reaches_exactly_the_holders_of_alarm_on_its_channel(
    telegram: Telegram,
    olivia: TelegramUser,
    target: DeviceTarget,
    context: CamShareContext,
    database: Database,
) -> None:
    rita = await verified(telegram, "Rita", "+447700900002")
    sam = await verified(telegram, "Sam", "+447700900003")
    tom = await verified(telegram, "Tom", "+447700900004")
    await share_channels(database, rita, [3], ALARM_AND_LIVE)
    await share_channels(database, sam, [3], Permission.ALARM)
    await share_channels(database, tom, [4], ALARM_AND_LIVE)
    before = {person: len(person.messages) for person in (olivia, rita, sam, tom)}

    await handle_alert(context, target, motion(3))

    for person in (olivia, rita):
        notice = person.last_message
        assert pictured_channel(notice) == 3, "Live View held: a snapshot goes with it"
        assert notice.caption == "🚨 Motion\nShop NVR · 3. Camera 03\nAt 15 Jan 2026, 09:00 UTC"
        assert notice.buttons == [["📷 Live view"], MUTE_ROW]
    assert sam.last_message.text == "🚨 Motion\nShop NVR · 3. Camera 03\nAt 15 Jan 2026, 09:00 UTC"
    assert sam.last_message.buttons == [MUTE_ROW]
    assert len(tom.messages) == before[tom], "channel 4's holder hears nothing of channel 3"


async def test_a_burst_folds_into_one_edited_notice(
    olivia: TelegramUser, target: DeviceTarget, context: CamShareContext, clock: FakeClock
) -> None:
    await handle_alert(context, target, motion(2))
    notice = olivia.last_message
    sent = len(olivia.messages)
    for _ in range(3):
        clock.advance(seconds=20)
        await handle_alert(context, target, motion(2, EventKind.INTRUSION))
    assert len(olivia.messages) == sent, "folded, not sent again"
    await refresh_alarm_notices(context)  # 60 s after it was sent: due for an edit
    assert notice.caption == (
        "🚨 Motion, Intrusion, 4 times since 09:00 UTC\nShop NVR · 2. Camera 02\n"
        "Last at 15 Jan 2026, 09:01 UTC"
    )
    edits = len(notice.history)
    await refresh_alarm_notices(context)
    assert len(notice.history) == edits, "nothing new: no edit"

    clock.advance(seconds=61)
    await handle_alert(context, target, motion(2))
    assert len(olivia.messages) == sent + 1, "after the cooldown, a new burst is a new notice"


async def test_muting_silences_a_device_until_it_ends_or_is_lifted(
    olivia: TelegramUser,
    rita: TelegramUser,
    target: DeviceTarget,
    context: CamShareContext,
    database: Database,
    clock: FakeClock,
) -> None:
    await share_channels(database, rita, [1], Permission.ALARM | Permission.LIVE_VIEW)
    await handle_alert(context, target, motion(1))
    answer = await rita.tap("🔕 1 h")
    assert answer.text == "🔕 Shop NVR's alarms are muted until 15 Jan 2026, 10:00 UTC."
    received = len(rita.messages)
    clock.advance(seconds=120)
    await handle_alert(context, target, motion(1))
    assert len(rita.messages) == received, "muted"
    assert olivia.last_message.caption.startswith("🚨 Motion"), "the owner still hears it"

    await rita.send("/received")
    await rita.tap("🗄 Shop NVR · from Olivia")
    assert "🔕 Alarms muted until 15 Jan 2026, 10:00 UTC" in rita.last_message.text
    answer = await rita.tap("🔔 Unmute alarms")
    assert answer.text == "🔔 Alarms are on again."
    assert ["🔔 Unmute alarms"] not in rita.last_message.buttons
    clock.advance(seconds=120)
    await handle_alert(context, target, motion(1))
    assert rita.last_message.caption.startswith("🚨 Motion")

    answer = await rita.forge_callback("am:1:5", message=rita.last_message)
    assert answer.text is None, "an unknown duration mutes nothing"


async def test_a_revoked_share_stops_alarms_at_once(
    olivia: TelegramUser,
    rita: TelegramUser,
    target: DeviceTarget,
    context: CamShareContext,
    database: Database,
) -> None:
    await share_channels(database, rita, [1], Permission.ALARM)
    async with database.write() as session:
        (share,) = await session.exec(select(Share))
        share.state = ShareState.REVOKED
    received = len(rita.messages)
    await handle_alert(context, target, motion(1))
    assert len(rita.messages) == received
    answer = await rita.forge_callback("am:1:1")
    assert (
        answer.text
        == "That device is not in your list any more. Send /devices to see your devices."
    )


async def test_groups_hear_bursts_of_video_loss_and_all_alarms_when_turned_on(
    telegram: Telegram,
    olivia: TelegramUser,
    target: DeviceTarget,
    context: CamShareContext,
    database: Database,
) -> None:
    group = await linked_group(telegram, olivia)
    await handle_alert(context, target, motion(1))
    await handle_alert(context, target, motion(2, EventKind.VIDEO_LOSS))
    await handle_alert(context, target, motion(2, EventKind.VIDEO_LOSS))
    assert await news(context, group) == [
        "🚨 Video loss on Shop NVR, channel 2, at 15 Jan 2026, 09:00 UTC"
    ]
    async with database.write() as session:
        (link,) = await session.exec(select(DeviceGroupLink))
        link.hears_alarms = True
    await handle_alert(context, target, motion(5))
    assert await news(context, group) == [
        "🚨 Motion on Shop NVR, channel 5, at 15 Jan 2026, 09:00 UTC"
    ]


async def test_heartbeats_and_event_ends_send_nothing(
    olivia: TelegramUser, target: DeviceTarget, context: CamShareContext
) -> None:
    sent = len(olivia.messages)
    await handle_alert(context, target, Heartbeat(received_at=datetime(2026, 1, 15, tzinfo=UTC)))
    ended = DeviceEvent(
        kind=EventKind.MOTION,
        channel=1,
        active=False,
        occurred_at=datetime(2026, 1, 15, tzinfo=UTC),
        event_type="VMD",
        description="",
        io_port=None,
    )
    await handle_alert(context, target, ended)
    assert len(olivia.messages) == sent


async def news(context: CamShareContext, group: TelegramGroup) -> list[str]:
    before = len(group.messages)
    await flush_group_news(context)
    return [
        message.text or "" for message in group.messages[before:] if "🚨" in (message.text or "")
    ]


async def test_the_device_stream_reaches_the_holders_and_is_reopened_when_it_drops(
    olivia: TelegramUser,
    nvr_simulator: DeviceSimulator,
    context: CamShareContext,
    clock: FakeClock,
    database: Database,
) -> None:
    watchers = context.services.devices.watchers
    assert watchers is not None
    handled: asyncio.Queue[object] = asyncio.Queue()
    deliver = watchers.on_alert

    async def on_alert(target: DeviceTarget, alert: DeviceEvent | Heartbeat) -> None:
        await deliver(target, alert)
        await handled.put(alert)

    async def no_wait(_seconds: float) -> None:
        return None

    watchers.on_alert, watchers.sleep = on_alert, no_wait
    await watch_devices(context)
    await nvr_simulator.wait_until(lambda device: device.open_alert_streams == 1)

    nvr_simulator.emit_event(channel=3, event_type="VMD")
    await asyncio.wait_for(handled.get(), timeout=5)
    assert olivia.last_message.caption == (
        "🚨 Motion\nShop NVR · 3. Camera 03\nAt 15 Jan 2026, 09:00 UTC"
    )

    nvr_simulator.drop_alert_streams()
    await nvr_simulator.wait_until(lambda device: _streams_opened(device) == 2)
    await nvr_simulator.wait_until(lambda device: device.open_alert_streams == 1)
    clock.advance(seconds=61)
    nvr_simulator.emit_event(channel=3, event_type="linedetection")
    await asyncio.wait_for(handled.get(), timeout=5)
    assert olivia.last_message.caption.startswith("🚨 Line crossing")

    await olivia.tap("✂️ Disconnect", message=await _card(olivia))
    await olivia.tap("✂️ Yes, disconnect")
    await watch_devices(context)
    assert watchers.watched == frozenset()
    await nvr_simulator.wait_until(lambda device: device.open_alert_streams == 0)


def _streams_opened(device: DeviceSimulator) -> int:
    return sum(
        1
        for request in device.requests
        if request.path.endswith("/alertStream") and request.authenticated
    )


async def _card(owner: TelegramUser) -> ChatMessage:
    await owner.send("/devices")
    await owner.tap("🟢 🗄 Shop NVR · 16 ch")
    return owner.last_message


async def test_the_card_keeps_showing_a_mute_whatever_redraws_it(
    olivia: TelegramUser, target: DeviceTarget, context: CamShareContext
) -> None:
    await handle_alert(context, target, motion(1))
    await olivia.tap("🔕 Until I unmute")
    card = await _card(olivia)
    assert "🔕 Alarms muted until you unmute them" in card.text
    await olivia.tap("🔄 Refresh from device", message=card)
    assert "🔕 Alarms muted until you unmute them" in card.text
    assert ["🔔 Unmute alarms"] in card.buttons


async def test_each_holder_and_group_reads_an_alarm_in_their_language_written_once_for_each(
    telegram: Telegram,
    olivia: TelegramUser,
    target: DeviceTarget,
    context: CamShareContext,
    database: Database,
    clock: FakeClock,
    pseudo_language: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rita = await verified(telegram, "Rita", "+447700900002")
    sam = await verified(telegram, "Sam", "+447700900003")
    for person in (rita, sam):
        await share_channels(database, person, [2], Permission.ALARM)
        await speak(person, "ru")
    group = await linked_group(telegram, olivia)
    async with database.write() as session:
        (installers,) = await session.exec(select(InstallerGroup))
        installers.language = "es"
    written = []
    screen = alarms._notice_screen

    def counted(notice: AlarmNoticeView) -> tuple[str, InlineKeyboardMarkup]:
        written.append(notice.reader.language)
        return screen(notice)

    monkeypatch.setattr(alarms, "_notice_screen", counted)

    await handle_alert(context, target, motion(2, EventKind.VIDEO_LOSS))

    assert sorted(written) == ["en", "ru"], "one text for both Russian readers"
    with speaking("ru"):
        russian_moment = format_moment(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    assert "янв" in russian_moment
    assert olivia.last_message.caption.startswith("🚨 Video loss\n")
    for person in (rita, sam):
        assert person.last_message.text == (
            f"🚨 [ru] Video loss\nShop NVR · 2. Camera 02\n[ru] At {russian_moment}"
        )
        assert person.last_message.buttons == [[f"[ru] {label}" for label in MUTE_ROW]]
    lines = await news(context, group)
    assert len(lines) == 1 and "[es] Video loss" in lines[0]

    clock.advance(seconds=40)
    await handle_alert(context, target, motion(2, EventKind.VIDEO_LOSS))
    await refresh_alarm_notices(context)
    assert rita.last_message.text.startswith("[ru] 🚨 [ru] Video loss, 2 times since 09:00 UTC")
