"""Updates of different people side by side, each person's own in order, all in the reply lane;
jobs in the bulk lane."""

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.jobs import BulkJobQueue
from bot.telegram_pace import Lane, current_lane, interactive
from bot.updates import PerPersonOrder

ALICE = User(1, "Alice", is_bot=False)
BOB = User(2, "Bob", is_bot=False)


def text_from(person: User, update_id: int) -> Update:
    chat = Chat(person.id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=person))


class Handling:
    """Each update's handling starts, then waits until the test lets it finish."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.lanes: list[Lane] = []
        self.go: dict[str, asyncio.Event] = {}

    async def handle(self, name: str) -> None:
        self.started.append(name)
        self.lanes.append(current_lane())
        self.go[name] = asyncio.Event()
        await self.go[name].wait()
        self.finished.append(name)


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_one_persons_updates_wait_for_each_other_and_others_do_not() -> None:
    processor = PerPersonOrder()
    handling = Handling()
    updates = [("alice 1", text_from(ALICE, 1)), ("alice 2", text_from(ALICE, 2))]
    updates.append(("bob 1", text_from(BOB, 3)))
    tasks = [
        asyncio.create_task(processor.process_update(update, handling.handle(name)))
        for name, update in updates
    ]
    await _settle()
    assert handling.started == ["alice 1", "bob 1"]  # Alice's second waits for her first

    handling.go["bob 1"].set()
    await _settle()
    assert handling.finished == ["bob 1"] and "alice 2" not in handling.started

    handling.go["alice 1"].set()
    await _settle()
    assert handling.started == ["alice 1", "bob 1", "alice 2"]
    handling.go["alice 2"].set()
    await asyncio.gather(*tasks)
    assert handling.finished == ["bob 1", "alice 1", "alice 2"]
    assert handling.lanes == [Lane.INTERACTIVE] * 3  # what handlers send answers someone
    assert current_lane() is Lane.BULK  # and only while they run


async def test_a_double_tap_is_handled_tap_after_tap_in_the_order_it_came() -> None:
    processor = PerPersonOrder()
    order: list[int] = []

    async def handle(update_id: int) -> None:
        await asyncio.sleep(0)  # give the next one every chance to overtake
        order.append(update_id)

    await asyncio.gather(
        *(processor.process_update(text_from(ALICE, n), handle(n)) for n in range(1, 6))
    )
    assert order == [1, 2, 3, 4, 5]


async def test_jobs_send_in_the_bulk_lane_even_when_their_timer_was_set_in_an_update() -> None:
    lanes: list[Lane] = []

    class Job:
        async def run(self, _application: object) -> None:
            lanes.append(current_lane())

    class Queue:
        application = None

    with interactive():  # as APScheduler runs a job after a conversation set its timeout
        await BulkJobQueue.job_callback(Queue(), Job())  # type: ignore[arg-type]
    assert lanes == [Lane.BULK]
