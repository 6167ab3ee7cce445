"""The SIGKILL fault scenario of "nothing lost" (issue 15), shared by its process test
(tests/process/test_nothing_lost.py) and `python -m bench --only kills`.

`python -m bot` runs against the Bot API stand-in (tests/process/bot_api_server.py) on a SQLite
file. Each round, INVITATIONS invitations are seeded with their prompts owed, the bot sends and
records the prompts, then the invitations expire and the bot is SIGKILLed 1 to 3 times at
seeded random moments (after a random number of its sends; between sends, during a send the
connection loses, or during one Telegram takes after the bot died), started again each time;
the last start tells everyone. Then each invitation is counted on each side: the owner's
notices, the recipient's prompt closed, the installer group's lines.

The leases are short (`LEASE_SECONDS`), so what a dead process held goes out again within
seconds; everything waits on the stand-in's requests, with a deadline.
"""

import asyncio
import random
import re
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from sharing.people import person_outbox
from storage.database import Database
from storage.migrate import upgrade_to_head
from storage.models import Device, DeviceGroupLink, InstallerGroup, Share, ShareState
from tests.factories import make_account, make_device, make_share
from tests.harness import FakeBotApi, Person
from tests.process.bot_api_server import BotApiServer
from tests.process.running import TIMEOUT, RunningBot, bot_environment, running_bot

SEED = 20261206
ROUNDS = 5
INVITATIONS = 50
LEASE_SECONDS = 3
OLIVIA = Person(id=1001, first_name="Olivia", language_code="en")
DEVICE = "Shop NVR"
GUEST = re.compile(r"Guest (\d{5})")
SENDS = {"sendMessage", "editMessageText"}


def guest(round_: int, number: int) -> Person:
    return Person(
        id=10_000 + 100 * round_ + number, first_name=f"Guest {10_000 + 100 * round_ + number}"
    )


@dataclass
class World:
    """What the test seeded, and where to look."""

    tmp_path: Path
    server: BotApiServer
    device_id: int = 0
    group_chat_id: int = 0
    kills: int = 0
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> FakeBotApi:
        return self.server.api

    def database(self) -> Database:
        return Database(f"sqlite+aiosqlite:///{self.tmp_path / 'camshare.db'}")

    def read(self, query: str, *params: object) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(self.tmp_path / "camshare.db", timeout=30)) as database:
            return database.execute(query, params).fetchall()

    @contextmanager
    def bot(self) -> Iterator[RunningBot]:
        with running_bot(self.tmp_path, self.environment) as bot:
            yield bot

    def kill(self, bot: RunningBot) -> None:
        bot.process.send_signal(signal.SIGKILL)
        bot.process.wait(timeout=TIMEOUT)
        self.kills += 1

    def stop(self, bot: RunningBot) -> None:
        if bot.process.poll() is not None:  # killed already
            return
        # SIGINT stops it gracefully once it runs; before, Python's default would end it.
        bot.wait_for(self.server, lambda _: "Application started" in bot.log(), "start")
        bot.process.send_signal(signal.SIGINT)
        assert bot.process.wait(timeout=TIMEOUT) == 0, bot.log()


async def _seed_owner(world: World) -> None:
    """Olivia, her NVR, and an installer group that hears of it."""
    url = f"sqlite+aiosqlite:///{world.tmp_path / 'camshare.db'}"
    await upgrade_to_head(url)
    world.api.private_chat(OLIVIA)
    group = world.api.create_group("Installers", creator=OLIVIA)
    group.members[world.api.bot.id] = "member"  # the bot was added, and linking allowed
    world.group_chat_id = group.id
    database = world.database()
    try:
        async with database.write() as session:
            olivia = await make_account(session, OLIVIA.id, first_name="Olivia")
            device = await make_device(session, olivia, name=DEVICE)
            installers = InstallerGroup(
                chat_id=group.id, title="Installers", joined_at=datetime.now(UTC)
            )
            session.add(installers)
            await session.flush()
            assert device.id is not None and installers.id is not None
            session.add(
                DeviceGroupLink(
                    device_id=device.id, group_id=installers.id, linked_at=datetime.now(UTC)
                )
            )
            world.device_id = device.id
    finally:
        await database.dispose()


async def _seed_round(world: World, round_: int, invitations: int) -> list[int]:
    """INVITATIONS pending invitations, far from expiring, their prompts owed (as /share would
    have left them had the bot died right after Finish)."""
    database = world.database()
    try:
        async with database.write() as session:
            device = await session.get_one(Device, world.device_id)
            ids = []
            owed = []
            for number in range(1, invitations + 1):
                person = guest(round_, number)
                world.api.private_chat(person)
                account = await make_account(session, person.id, first_name=person.first_name)
                share = await make_share(
                    session,
                    device,
                    account,
                    state=ShareState.PENDING,
                    channels=(1, 2, 3, 4),
                    expires_at=datetime.now(UTC) + timedelta(days=3),
                )
                assert share.id is not None
                ids.append(share.id)
                owed.append((person.id, "invitation", {"share": share.id, "version": 1}))
            await person_outbox.owe_many(session, owed, now=datetime.now(UTC), lease=timedelta(0))
        return ids
    finally:
        await database.dispose()


async def _expire(world: World, share_ids: list[int]) -> None:
    database = world.database()
    try:
        async with database.write() as session:
            await session.exec(
                update(Share)
                .where(Share.id.in_(share_ids))  # type: ignore[union-attr]
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        await database.dispose()


def _sends(api: FakeBotApi) -> int:
    return sum(1 for call in api.calls if call.method in SENDS)


def _prompts(world: World, share_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each share's recorded prompt: (chat id, message id)."""
    marks = ",".join("?" * len(share_ids))
    rows = world.read(
        f"SELECT id, prompt_chat_id, prompt_message_id FROM share WHERE id IN ({marks})"
        " AND prompt_message_id IS NOT NULL",
        *share_ids,
    )
    return {int(share_id): (int(chat), int(message)) for share_id, chat, message in rows}  # type: ignore[call-overload]


def settled(world: World) -> bool:
    unsent = world.read("SELECT count(*) FROM owedmessage WHERE sent_at IS NULL")[0][0]
    queued = world.read("SELECT count(*) FROM groupnewsline")[0][0]
    return unsent == 0 and queued == 0


def _guests_in(api: FakeBotApi, chat_id: int) -> list[set[int]]:
    """The guests each message sent to `chat_id` names, message by message."""
    return [
        {int(found) for found in GUEST.findall(call.params.get("text", ""))}
        for call in api.calls
        if call.method == "sendMessage"
        and call.error is None
        and int(call.params["chat_id"]) == chat_id
        and "expired" in call.params.get("text", "")
    ]


@dataclass
class Tally:
    """Per side: how many times each invitation was told, and the messages that only repeated."""

    told: Counter[int] = field(default_factory=Counter)
    repeated_messages: int = 0

    def add_messages(self, messages: list[set[int]]) -> None:
        for named in messages:
            if named and all(self.told[guest_id] for guest_id in named):
                self.repeated_messages += 1
            self.told.update(named)

    def lost(self, expected: set[int]) -> int:
        return sum(1 for guest_id in expected if self.told[guest_id] == 0)

    def most_repeats(self) -> int:
        return max((count - 1 for count in self.told.values()), default=0)


def make_world(tmp_path: Path, server: BotApiServer) -> World:
    """Olivia, her NVR and a group that hears of it, in a migrated database; the settings."""
    world = World(tmp_path, server)
    world.environment = bot_environment(
        tmp_path,
        server,
        BOT_TOKEN=server.api.token or "",
        EXPIRY_SWEEP_SECONDS="1",
        OWED_LEASE_SECONDS=str(LEASE_SECONDS),
        GROUP_NEWS_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    asyncio.run(_seed_owner(world))
    return world


@dataclass(frozen=True)
class KillFigures:
    seed: int
    rounds: int
    invitations: int
    kills: int
    most_kills_in_a_round: int
    by_side: dict[str, tuple[int, int, int]]
    """Per side (owner, recipients, group): invitations never told; messages that only
    repeated what was told; the most times one invitation was told beyond once."""


def run_expiry_kills(
    world: World, *, rounds: int = ROUNDS, invitations: int = INVITATIONS, seed: int = SEED
) -> KillFigures:
    rng = random.Random(seed)
    api = world.api
    owner, recipients, group = Tally(), Tally(), Tally()
    expected: set[int] = set()
    kills_by_round = [_expiry_round(world, round_, rng, invitations) for round_ in range(rounds)]
    for round_ in range(rounds):
        expected |= {guest(round_, n).id for n in range(1, invitations + 1)}
    owner.add_messages(_guests_in(api, OLIVIA.id))
    group.add_messages(_guests_in(api, world.group_chat_id))
    for guest_id, count in _closes(api).items():
        recipients.told[guest_id] = count
        recipients.repeated_messages += count - 1
    return KillFigures(
        seed=seed,
        rounds=rounds,
        invitations=invitations,
        kills=world.kills,
        most_kills_in_a_round=max(kills_by_round),
        by_side={
            side: (tally.lost(expected), tally.repeated_messages, tally.most_repeats())
            for side, tally in (("owner", owner), ("recipients", recipients), ("group", group))
        },
    )


def _expiry_round(world: World, round_: int, rng: random.Random, invitations: int) -> int:
    """INVITATIONS invitations, their prompts sent; then they expire and the bot is killed
    1 to 3 times at random moments; the last bot started tells everyone. Returns the kills."""
    share_ids = asyncio.run(_seed_round(world, round_, invitations))
    round_guests = {guest(round_, n).id for n in range(1, invitations + 1)}

    def prompted(_: FakeBotApi) -> bool:
        return len(_prompts(world, share_ids)) == invitations and settled(world)

    with world.bot() as bot:
        bot.wait_for(world.server, prompted, "send and record every prompt")
        prompts = _prompts(world, share_ids)

        def told() -> bool:
            return _round_told(world, prompts, round_guests)

        asyncio.run(_expire(world, share_ids))
        kills = rng.randint(1, 3)
        _kill_at_random(world, bot, rng, told, invitations)
    for _ in range(kills - 1):
        with world.bot() as bot:
            _kill_at_random(world, bot, rng, told, invitations)
    with world.bot() as bot:
        bot.wait_for(world.server, lambda _: told(), "announce every expiry after the kills")
        world.stop(bot)
    assert "Traceback" not in bot.log(), bot.log()
    assert {row[0] for row in world.read("SELECT DISTINCT state FROM share")} == {"expired"}
    return kills


KILL_MOMENTS = ("between sends", "send lost", "send taken")
"""Where a kill lands: between two sends; during one, which never reaches Telegram; during one,
which Telegram takes after the bot died (so it never heard the answer, and never marked it)."""


def _kill_at_random(
    world: World, bot: RunningBot, rng: random.Random, told: Callable[[], bool], invitations: int
) -> None:
    """SIGKILL after a random number of the bot's sends from now (or once all is `told`), at
    one of the KILL_MOMENTS."""
    server = world.server
    start = _sends(world.api)
    after = rng.randint(0, invitations + 4)
    moment = rng.choice(KILL_MOMENTS)
    server.wait_until(
        lambda api: _sends(api) - start >= after or told(),
        timeout=TIMEOUT,
        unless=lambda: bot.process.poll() is not None,
    )
    if moment == "between sends":
        world.kill(bot)
        return
    holds = [server.hold(method) for method in SENDS]
    server.wait_until(
        lambda _: any(hold.parked.is_set() for hold in holds) or told(),
        timeout=TIMEOUT,
        unless=lambda: bot.process.poll() is not None,
    )
    world.kill(bot)
    for method in SENDS:
        server.release(method, lost=moment == "send lost")


def _round_told(world: World, prompts: dict[int, tuple[int, int]], round_guests: set[int]) -> bool:
    api = world.api
    closed = all(
        (api.chats[chat].messages[message].text or "").startswith("⌛")
        for chat, message in prompts.values()
    )
    owner_told = set().union(*_guests_in(api, OLIVIA.id)) >= round_guests
    group_told = set().union(*_guests_in(api, world.group_chat_id)) >= round_guests
    return closed and owner_told and group_told and settled(world)


def _closes(api: FakeBotApi) -> Counter[int]:
    """How many times each guest's prompt was edited to say it expired (refused repeats too)."""
    return Counter(
        int(call.params["chat_id"])
        for call in api.calls
        if call.method == "editMessageText" and call.params.get("text", "").startswith("⌛")
    )
