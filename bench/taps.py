"""A tap's latency while the bot announces a thousand expiries: replies go first.

People with an NVR and their /devices list open keep using the bot: they tap the NVR open
(answerCallbackQuery, then an edit of the message tapped), tap "« My devices" back, and send
/help (a new message), each a little over a second apart (Telegram's pace in one chat). First
with the bot idle, then while one expiry sweep announces `invitations` invitations (bench.burst
seeds them), all through the bot's real pacer (bot/telegram_pace.py) against the fake Bot API
that answers 429 beyond Telegram's limits (bench.telegram_limits).

Updates are handled as the running bot handles them, through its update processor (bot.updates):
side by side for different people, and in the interactive lane. Each action is timed from its
update's delivery until the bot's last request for it was answered: what the person waits.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import cycle
from time import perf_counter

from telegram import Update

from bench.apps import camshare_application, engine_of, fixed_clock, running
from bench.burst import seed_expired_invitations
from bench.measure import percentile
from bench.rows import World
from bench.seed import SWEEP_AT
from bench.telegram_limits import FloodControl, FloodControlledRequest
from bench.workloads import SHOP_NVR
from handlers.common.context import CamShareContext
from handlers.devices.device_card import OpenDevice
from handlers.manage.expiry import sweep_expired
from tests.harness import FakeBotApi, Telegram, TelegramUser
from tests.harness.state import ChatMessage, JsonDict

PAUSE = 1.1
"""Seconds between one person's actions: each puts one request in their chat, and Telegram
takes about one a second in a chat."""

TAP = "tap (answer + edit)"
COMMAND = "command (a new message)"


@dataclass
class Latencies:
    """Seconds each action took, by kind."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: {TAP: [], COMMAND: []})

    def p(self, kind: str, fraction: float) -> float:
        return percentile(self.seconds[kind], fraction)

    def count(self, kind: str) -> int:
        return len(self.seconds[kind])


@dataclass(frozen=True)
class TapsResult:
    idle: Latencies
    busy: Latencies
    """While the sweep announced."""
    invitations: int
    messages: int
    """Requests naming a chat that Telegram took during the whole run."""
    refused: int
    """429 answers."""
    sweep_seconds: float


class LiveTelegram(Telegram):
    """Delivers each update as the running bot does: through the application's update
    processor, which the harness's `process_update` alone would skip."""

    async def deliver(self, update: JsonDict) -> None:
        application = self.application
        parsed = Update.de_json(update, application.bot)
        await application.update_processor.process_update(
            parsed, application.process_update(parsed)
        )
        self.api.check()


async def tap_latency(
    database_url: str, *, invitations: int, people: int = 20, idle_actions: int = 6
) -> TapsResult:
    """Each of `people` acts `idle_actions` times on an idle bot, then until one sweep has
    announced `invitations` expired invitations."""
    api = FakeBotApi(clock=fixed_clock(SWEEP_AT))
    flood = FloodControl()
    application = camshare_application(
        database_url, FloodControlledRequest(api, flood), clock=fixed_clock(SWEEP_AT), paced=True
    )
    async with running(application):
        telegram = LiveTelegram(application, api)
        world = World()
        seed_expired_invitations(api, world, invitations)
        users = []
        for index in range(people):
            user = telegram.user(f"Tapper {index}", language_code="en-GB")
            api.private_chat(user.person)
            world.account(user.id, user.first_name)
            world.device(user.id, name=SHOP_NVR, channels=4)
            users.append(user)
        async with engine_of(application).begin() as connection:
            await world.insert(connection)
        tappers = []
        for user in users:
            await user.send("/devices")
            tappers.append(Tapper(user, screen=user.last_message.message_id))
            await asyncio.sleep(PAUSE / people)
        await asyncio.sleep(PAUSE)  # the last list was just sent, in Telegram's pace for its chat

        idle = Latencies()
        await _side_by_side(tappers, idle, lambda done: done >= idle_actions)

        busy = Latencies()
        started = perf_counter()
        sweep = asyncio.create_task(sweep_expired(CamShareContext(application)))
        await _side_by_side(tappers, busy, lambda _done: sweep.done())
        announced = await sweep
        sweep_seconds = perf_counter() - started
    api.check()
    return TapsResult(idle, busy, announced, len(flood.sent), flood.refused, sweep_seconds)


class Tapper:
    """One person going round and round: open the NVR, back to the list, /help."""

    def __init__(self, user: TelegramUser, *, screen: int) -> None:
        self.user = user
        self._actions = cycle(
            [
                (TAP, partial(_open_the_device, user, screen)),
                (TAP, partial(_back_to_the_list, user, screen)),
                (COMMAND, partial(user.send, "/help")),
            ]
        )

    async def act(self, latencies: Latencies) -> None:
        kind, action = next(self._actions)
        started = perf_counter()
        await action()
        latencies.seconds[kind].append(perf_counter() - started)


async def _side_by_side(
    tappers: list[Tapper], latencies: Latencies, stop: Callable[[int], bool]
) -> None:
    """Everyone acts, PAUSE apart, until `stop(actions done)`; they start a moment apart, as
    people do, rather than in step."""

    async def go(tapper: Tapper, start: float) -> None:
        await asyncio.sleep(start)
        done = 0
        while not stop(done):
            await tapper.act(latencies)
            done += 1
            await asyncio.sleep(PAUSE)

    await asyncio.gather(
        *(go(tapper, index * PAUSE / len(tappers)) for index, tapper in enumerate(tappers))
    )


async def _open_the_device(user: TelegramUser, screen: int) -> None:
    message = _message(user, screen)
    opens = OpenDevice.pattern()
    [label] = [
        button["text"]
        for row in message.content.inline_keyboard
        for button in row
        if opens.match(button.get("callback_data", ""))
    ]
    await user.tap(label, message=message)


async def _back_to_the_list(user: TelegramUser, screen: int) -> None:
    await user.tap("« My devices", message=_message(user, screen))


def _message(user: TelegramUser, message_id: int) -> ChatMessage:
    assert user.chat is not None
    return user.chat.messages[message_id]
