"""The three workloads of `python -m bench`, each through a real Application and the fake Bot API:

(a) the share conversation, from /share to the recipient's Accept;
(b) browsing: /devices, a device card, /shared and one of its devices, /received and one of its
    devices;
(c) a bare echo bot, the baseline: what python-telegram-bot and the fake cost by themselves.

The people and devices each workload needs are seeded with bulk inserts, as if they had
onboarded and added their devices earlier; what is timed is only what the workload is about.
The users' first `warmup` journeys run unrecorded, so caches and connection pools are warm.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import func, select

from bench.apps import (
    BENCH_NOW,
    camshare_application,
    echo_application,
    engine_of,
    fixed_clock,
    running,
)
from bench.interleave import Action, Journey, TimedTelegram, interleave
from bench.measure import SqlCounter, UpdateSamples
from bench.rows import World
from bot.app import CamShareApplication
from handlers.common.callback_data import CallbackData
from handlers.devices.device_card import OpenDevice
from handlers.manage.received_screens import OpenReceived
from handlers.manage.shared_screens import OpenSharedDevice
from storage.models import DeviceType, Share, ShareState
from tests.harness import FakeBotApi, FakeRequest, TelegramUser
from wording.formatting import device_type_icon

SHOP_NVR = "Shop NVR"
GATE_CAMERA = "Gate camera"
ECHO_STEPS = 7
"""As many updates per echo user as a share journey has."""


@dataclass(frozen=True)
class Sizes:
    users: int
    """Journeys interleaved and recorded."""
    warmup: int = 10
    """Journeys run first, unrecorded."""

    @property
    def everyone(self) -> int:
        return self.users + self.warmup


def phone_of(index: int) -> str:
    """A valid UK mobile number (07911 1xxxxx), different for each index below 100,000."""
    return f"+4479111{index:05d}"


async def share_conversation(database_url: str, sizes: Sizes) -> UpdateSamples:
    """(a) Owners share a 4-channel NVR with a recipient named by phone; recipients accept."""
    api = FakeBotApi(clock=fixed_clock())
    application = camshare_application(database_url, FakeRequest(api))
    async with running(application):
        counter = SqlCounter()
        telegram = TimedTelegram(application, api, counter)
        journeys = await share_journeys(application, telegram, sizes)
        samples = await _run(telegram, counter, application, journeys, sizes, "share (a)")
        await _check_active_shares(application, expected=sizes.everyone)
    return samples


async def share_journeys(
    application: CamShareApplication, telegram: TimedTelegram, sizes: Sizes
) -> list[Journey]:
    """Each owner's journey through /share to a recipient named by phone, and its Accept; the
    owners, recipients and devices inserted. Steps up to `SUMMARY_STEP` reach the summary."""
    world = World()
    journeys = []
    for index in range(sizes.everyone):
        owner = _known_user(telegram, world, f"Owner {index}")
        world.device(owner.id, name=SHOP_NVR, channels=4)
        recipient = _known_user(telegram, world, f"Recipient {index}", phone=phone_of(index))
        journeys.append(_share_journey(owner, recipient, phone_of(index)))
    await _insert(application, world)
    return journeys


SUMMARY_STEP = 5
"""The steps of a share journey up to the summary, before Finish: a draft complete and held."""


def _share_journey(owner: TelegramUser, recipient: TelegramUser, phone: str) -> Journey:
    device_button = f"{device_type_icon(DeviceType.NVR)} {SHOP_NVR}"
    return [
        Action("/share", partial(owner.send, "/share")),
        Action("the device", partial(owner.tap, device_button)),
        Action("a phone number", partial(owner.send, phone)),
        Action("Permissions ›", partial(owner.tap, "Permissions ›")),
        Action("Save", partial(owner.tap, "💾 Save")),
        Action("Finish", partial(owner.tap, "✅ Finish")),
        Action("Accept", partial(recipient.tap, "✅ Accept")),
    ]


async def browsing(database_url: str, sizes: Sizes) -> tuple[UpdateSamples, list[str]]:
    """(b) Each user owns an NVR shared with the next user and a camera to which the user after
    that is invited; returns the samples and the screens the journey went through."""
    api = FakeBotApi(clock=fixed_clock())
    application = camshare_application(database_url, FakeRequest(api))
    async with running(application):
        counter = SqlCounter()
        telegram = TimedTelegram(application, api, counter)
        world = World()
        people = max(sizes.everyone, 3)
        users = [_known_user(telegram, world, f"User {index}") for index in range(people)]
        for index, user in enumerate(users):
            nvr = world.device(user.id, name=SHOP_NVR, channels=4)
            camera = world.device(
                user.id, name=GATE_CAMERA, channels=1, device_type=DeviceType.CAMERA
            )
            world.share(nvr, user.id, users[(index + 1) % people].id)
            world.share(
                camera,
                user.id,
                users[(index + 2) % people].id,
                state=ShareState.PENDING,
                expires_at=BENCH_NOW + timedelta(days=2),
            )
        await _insert(application, world)
        journeys = [_browse_journey(user, _BROWSABLE) for user in users[: sizes.everyone]]
        samples = await _run(telegram, counter, application, journeys, sizes, "browse (b)")
    return samples, [command for command, _ in _BROWSABLE]


_BROWSABLE: tuple[tuple[str, type[CallbackData]], ...] = (
    ("devices", OpenDevice),
    ("shared", OpenSharedDevice),
    ("received", OpenReceived),
)
"""Each list command and the kind of button on it that opens one item."""


def _browse_journey(
    user: TelegramUser, screens: Sequence[tuple[str, type[CallbackData]]]
) -> Journey:
    journey: list[Action] = []
    for command, opens in screens:
        journey += [
            Action(f"/{command}", partial(user.send, f"/{command}")),
            Action(f"/{command} › one", partial(_tap_first, user, opens)),
        ]
    return journey


async def _tap_first(user: TelegramUser, kind: type[CallbackData]) -> None:
    """Tap the first button of the latest message that opens a `kind`, whatever its label."""
    message = user.last_message
    pattern = kind.pattern()
    for row in message.content.inline_keyboard:
        for button in row:
            if pattern.match(button.get("callback_data", "")):
                await user.tap(button["text"], message=message)
                return
    raise AssertionError(f"no {kind.__name__} button on {message.text!r}: {message.buttons}")


async def echo(sizes: Sizes) -> UpdateSamples:
    """(c) The baseline: each user sends ECHO_STEPS texts, the bot answers each with its text."""
    api = FakeBotApi(clock=fixed_clock())
    application = echo_application(FakeRequest(api))
    async with running(application):
        counter = SqlCounter()  # no database: stays at zero
        telegram = TimedTelegram(application, api, counter)
        users = [telegram.user(f"User {index}") for index in range(sizes.everyone)]
        journeys = [
            [Action("a text", partial(user.send, f"hello {step}")) for step in range(ECHO_STEPS)]
            for user in users
        ]
        samples = UpdateSamples("echo (c)")
        await interleave(telegram, journeys[: sizes.warmup])
        telegram.samples = samples
        await interleave(telegram, journeys[sizes.warmup :])
    return samples


def _known_user(
    telegram: TimedTelegram, world: World, name: str, *, phone: str | None = None
) -> TelegramUser:
    """A user who onboarded earlier: an account in region GB and a private chat with the bot."""
    user = telegram.user(name, language_code="en-GB")
    telegram.api.private_chat(user.person)
    world.account(user.id, name, phone=phone)
    return user


async def _insert(application: CamShareApplication, world: World) -> None:
    async with engine_of(application).begin() as connection:
        await world.insert(connection)


async def _run(
    telegram: TimedTelegram,
    counter: SqlCounter,
    application: CamShareApplication,
    journeys: Sequence[Journey],
    sizes: Sizes,
    name: str,
) -> UpdateSamples:
    await interleave(telegram, journeys[: sizes.warmup])
    samples = UpdateSamples(name)
    telegram.samples = samples
    with counter.watching(engine_of(application)):
        await interleave(telegram, journeys[sizes.warmup :])
    telegram.samples = None
    return samples


async def _check_active_shares(application: CamShareApplication, *, expected: int) -> None:
    """The journeys must have done what they say, or the timings are of something else."""
    async with engine_of(application).connect() as connection:
        active = await connection.scalar(
            select(func.count()).select_from(Share).where(Share.state == ShareState.ACTIVE)  # type: ignore[arg-type]
        )
    if active != expected:
        raise AssertionError(f"{active} shares were accepted, not {expected}")
