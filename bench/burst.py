"""A burst of notifications at Telegram's pace: one expiry sweep that announces N invitations,
through the bot's own AIORateLimiter, against a fake Bot API that enforces Telegram's flood
limits (bench.telegram_limits).

Owners invited ten recipients each, and every invitation ran out; the sweep
(`handlers.manage.expiry.sweep_expired`, as the job calls it) closes each recipient's prompt and
tells each owner once per batch: about 1.1 messages per invitation. This runs in real time, as
Telegram's limits do: 300 invitations take about 11 seconds at 30 messages a second.
"""

from dataclasses import dataclass
from datetime import timedelta
from time import perf_counter

from bench.apps import BENCH_NOW, camshare_application, engine_of, fixed_clock, running
from bench.rows import World
from bench.seed import SWEEP_AT
from bench.telegram_limits import OVERALL, FloodControl, FloodControlledRequest
from handlers.common.context import CamShareContext
from handlers.manage.expiry import sweep_expired
from storage.models import ShareState
from tests.harness import FakeBotApi
from tests.harness.formatting import FormattedText
from tests.harness.state import ChatMessage, MessageContent, Person

INVITATIONS_PER_OWNER = 10
PROMPT = "📨 You are invited to see a device."


@dataclass(frozen=True)
class BurstResult:
    invitations: int
    messages: int
    """Messages Telegram took."""
    refused: int
    """429 answers."""
    seconds: float
    """The whole sweep: claiming, announcing, and waiting for Telegram's pace."""
    first_to_last: float
    """Seconds from the first message Telegram took to the last."""

    @property
    def rate(self) -> float:
        """Messages a second over the whole sweep."""
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def share_of_limit(self) -> float:
        """The pace from the first message Telegram took to the last, against 30 a second: bulk
        is spaced evenly (bot/telegram_pace.py), so the steady rate is what there is to see."""
        if self.messages < 2 or not self.first_to_last:
            return 0.0
        steady = (self.messages - 1) / self.first_to_last
        return min(steady / OVERALL.messages * OVERALL.seconds, 1.0)


async def notification_burst(database_url: str, *, invitations: int) -> BurstResult:
    """Seed `invitations` run-out invitations with prompts, then time one sweep."""
    api = FakeBotApi(clock=fixed_clock(SWEEP_AT))
    flood = FloodControl()
    application = camshare_application(
        database_url,
        FloodControlledRequest(api, flood),
        clock=fixed_clock(SWEEP_AT),
        paced=True,
    )
    async with running(application):
        world = World()
        seed_expired_invitations(api, world, invitations)
        async with engine_of(application).begin() as connection:
            await world.insert(connection)
        started = perf_counter()
        announced = await sweep_expired(CamShareContext(application))
        seconds = perf_counter() - started
    api.check()
    return BurstResult(
        invitations=announced,
        messages=len(flood.sent),
        refused=flood.refused,
        seconds=seconds,
        first_to_last=flood.sent[-1] - flood.sent[0] if flood.sent else 0.0,
    )


def seed_expired_invitations(api: FakeBotApi, world: World, invitations: int) -> None:
    """`invitations` that ran out a day before the sweep, ten per owner, each with the prompt
    the recipient was sent: their rows in `world`, the people and prompts in `api`."""
    owners = -(-invitations // INVITATIONS_PER_OWNER)
    for owner_index in range(owners):
        owner = _person(api, 1_000_000 + owner_index, f"Owner {owner_index}")
        world.account(owner.id, owner.first_name)
        device = world.device(owner.id, name=f"NVR {owner_index}", channels=4)
        for slot in range(INVITATIONS_PER_OWNER):
            index = owner_index * INVITATIONS_PER_OWNER + slot
            if index == invitations:
                break
            recipient = _person(api, 2_000_000 + index, f"Guest {index}")
            world.account(recipient.id, recipient.first_name)
            world.share(
                device,
                owner.id,
                recipient.id,
                state=ShareState.PENDING,
                expires_at=BENCH_NOW + timedelta(days=1, seconds=index),
                prompt=(recipient.id, _prompt(api, recipient)),
            )


def _person(api: FakeBotApi, person_id: int, name: str) -> Person:
    person = Person(person_id, name, language_code="en")
    api.private_chat(person)
    return person


def _prompt(api: FakeBotApi, recipient: Person) -> int:
    """The invitation prompt the bot sent when the owner shared, in the recipient's chat."""
    chat = api.private_chat(recipient)
    text = FormattedText(PROMPT)
    message = ChatMessage(
        chat, chat.next_message_id(), api.bot, api.clock(), MessageContent(text=PROMPT, shown=text)
    )
    chat.messages[message.message_id] = message
    return message.message_id
