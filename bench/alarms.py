"""Alarms at Telegram's pace: how long after an event each holder has their notice, and what a
flood of events costs, through the bot's own rate limiter against a fake Bot API that answers
429 beyond Telegram's limits (bench.telegram_limits), with one 16-channel NVR on the tests'
device simulator.

- One event, 50 holders of Alarm on its channel (half also hold Live View: their notice is a
  photo, one snapshot shared by all): the time from the event to each holder's message.
- A flood: 500 events in one minute of the bot's clock, spread over the 16 channels, each of
  the 50 holders holding Alarm on four of them; the edit job runs every 5 seconds of it. What
  Telegram took: new notices, edits, 429s.
"""

from collections import defaultdict
from dataclasses import dataclass
from time import perf_counter

from bench.apps import BENCH_NOW, camshare_application, running
from bench.live_view import seed_connected_nvr
from bench.telegram_limits import FloodControl, FloodControlledRequest, Limit, Window
from device_api import DeviceEvent, EventKind
from handlers.common.context import CamShareContext
from handlers.devices.alarms import handle_alert, refresh_alarm_notices
from sharing.devices import connections
from storage.database import Database
from storage.models import Permission
from tests.clock import FakeClock
from tests.device_simulator import DeviceSimulator, nvr
from tests.harness import FakeBotApi, Telegram

HOLDERS = 50
CHANNELS = 16
FLOOD_EVENTS = 500
EDIT_EVERY = 5.0


@dataclass(frozen=True)
class AlarmTiming:
    to_each_holder: list[float]
    """Seconds from the event to each holder's notice."""
    flood_notices: int
    flood_edits: int
    flood_refused: int
    flood_seconds: float


async def time_alarms(
    database_url: str,
    *,
    holders: int = HOLDERS,
    flood_events: int = FLOOD_EVENTS,
    paced: bool = True,
) -> AlarmTiming:
    """`paced=False` leaves Telegram's limits out: for a test that the part runs."""
    async with DeviceSimulator(nvr(channel_count=CHANNELS)) as device:
        clock = FakeClock(BENCH_NOW)
        api = FakeBotApi(clock=clock)
        flood = FloodControl() if paced else _unlimited()
        application = camshare_application(
            database_url, FloodControlledRequest(api, flood), clock=clock, paced=paced
        )
        telegram = Telegram(application, api)
        owner = telegram.user("Owner")
        people = [telegram.user(f"Holder {n}") for n in range(holders)]
        device_id = await seed_connected_nvr(
            database_url,
            device,
            [person.id for person in people],
            owner_id=owner.id,
            channels_of=lambda n: [1, *(c for c in range(2, CHANNELS + 1) if c % 4 == n % 4)],
            permissions_of=lambda n: Permission.ALARM | (Permission.LIVE_VIEW if n % 2 else 0),
        )
        async with running(application):
            for person in [owner, *people]:  # a chat with the bot, as a holder has
                await person.send("/help")
            flood.sent.clear()
            context = CamShareContext(application)
            database = Database(database_url)
            async with database.read() as session:
                target = await connections.device_target(
                    session, device_id=device_id, sealer=context.services.devices.sealer
                )
            await database.dispose()
            assert target is not None
            started = perf_counter()
            await handle_alert(context, target, _event(1))
            first = [moment - started for moment in flood.sent]

            sent_before, edits_before = len(flood.sent), _edits(api)
            flood.refused = 0
            begun = perf_counter()
            for number in range(flood_events):
                clock.advance(seconds=60 / flood_events)
                await handle_alert(context, target, _event(number % (CHANNELS - 1) + 2))
                if number % max(round(flood_events * EDIT_EVERY / 60), 1) == 0:
                    await refresh_alarm_notices(context)
            await refresh_alarm_notices(context)
            seconds = perf_counter() - begun
    return AlarmTiming(
        to_each_holder=first,
        flood_notices=len(flood.sent) - sent_before - (_edits(api) - edits_before),
        flood_edits=_edits(api) - edits_before,
        flood_refused=flood.refused,
        flood_seconds=seconds,
    )


def _unlimited() -> FloodControl:
    """Counts what goes, and refuses nothing."""
    boundless = Limit(10**9, 1.0)
    return FloodControl(
        overall=Window(boundless),
        chats=defaultdict(lambda: Window(boundless)),
        groups=defaultdict(lambda: Window(boundless)),
    )


def _event(channel: int) -> DeviceEvent:
    return DeviceEvent(
        kind=EventKind.MOTION,
        channel=channel,
        active=True,
        occurred_at=BENCH_NOW,
        event_type="VMD",
        description="",
        io_port=None,
    )


def _edits(api: FakeBotApi) -> int:
    return sum(
        len(message.history)
        for chat in api.chats.values()
        for message in chat.messages.values()
        if message.from_bot
    )
