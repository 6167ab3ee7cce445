"""Many simulated users through one Application, their actions interleaved, each update timed.

The benchmark processes one update at a time, through `Application.process_update` (the bot
handles different people's updates side by side, bench.taps measures that): round after round,
every user takes their next step, one after the other. Two hundred users then have two hundred
conversations open at once, as in production, and the time of each update is its own, never
shared with another's.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from time import perf_counter

from telegram import Update

from bench.measure import SqlCounter, UpdateSamples
from tests.harness import FakeBotApi, Telegram
from tests.harness.state import JsonDict
from tests.harness.users import AnyApplication

Step = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Action:
    """One thing a user does, delivering one update; its samples are reported under `name`."""

    name: str
    do: Step


Journey = Sequence[Action]
"""What one user does, action after action."""


class TimedTelegram(Telegram):
    """The harness's Telegram, timing each delivery: decoding the update as PTB does after
    getUpdates, then `Application.process_update` to the end (the fake Bot API answers inline,
    so its work is inside, the same for every workload). `counter`, watching the bot's engine,
    gives each update its SQL. While `samples` is None nothing is recorded: warming up.
    `step` names the action the next update comes from (`interleave` sets it)."""

    def __init__(
        self, application: AnyApplication, api: FakeBotApi, counter: SqlCounter | None = None
    ) -> None:
        super().__init__(application, api)
        self.samples: UpdateSamples | None = None
        self.step = ""
        self._counter = counter or SqlCounter()

    async def deliver(self, update: JsonDict) -> None:
        counter = self._counter
        statements, transactions = counter.statements, counter.transactions
        started = perf_counter()
        await self.application.process_update(Update.de_json(update, self.application.bot))
        elapsed = perf_counter() - started
        if self.samples is not None:
            self.samples.add(
                self.step,
                elapsed,
                counter.statements - statements,
                counter.transactions - transactions,
            )
        self.api.check()


async def interleave(telegram: TimedTelegram, journeys: Sequence[Journey]) -> None:
    """Round-robin: each user's first action, then each user's second, until all are done."""
    longest = max((len(journey) for journey in journeys), default=0)
    for index in range(longest):
        for journey in journeys:
            if index < len(journey):
                action = journey[index]
                telegram.step = action.name
                await action.do()
