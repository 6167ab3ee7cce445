"""Live View: how long a recipient waits from tapping a channel to its photo arriving, with 50
recipients of one 16-channel NVR, against the device simulator of the tests (a real ISAPI
server on loopback: Digest, XML, JPEGs) and the offline fake Bot API.

Three figures, each over the same channels:
- the device alone: the ISAPI driver asking the simulator for one picture at a time;
- one tap at a time: a recipient's tap through the real Application, each on a channel whose
  picture nobody asked for in the last second (so every tap costs a device request);
- all at once: the 50 recipients tap in the same instant; the pool shares a channel's picture
  between the taps that ask for it together, and the driver asks the device at most
  `device_max_requests` at a time.
The overhead of the bot is a tap's time less the device's own.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.apps import BENCH_SECRET_KEY, BENCH_TOKEN, camshare_application, running
from bench.measure import percentile
from device_api import IsapiDriver
from sharing.devices.secrets import PasswordSealer
from storage.database import Database
from storage.models import Account, Permission
from tests.device_simulator import DeviceSimulator, nvr
from tests.factories import connect_to, make_account, make_device, make_share
from tests.harness import FakeBotApi, FakeRequest, Telegram, TelegramUser

RECIPIENTS = 50
CHANNELS = 16
SERIAL = "K98765432"


@dataclass(frozen=True)
class LiveViewTiming:
    device_alone: list[float]
    one_at_a_time: list[float]
    all_at_once: list[float]

    @staticmethod
    def line(name: str, seconds: list[float]) -> str:
        p50, p99 = percentile(seconds, 0.5) * 1000, percentile(seconds, 0.99) * 1000
        return f"  {name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(seconds)} pictures)"


async def time_live_view(database_url: str, *, rounds: int = 4) -> LiveViewTiming:
    async with DeviceSimulator(nvr(channel_count=CHANNELS)) as device:
        alone = await _device_alone(device, pictures=RECIPIENTS * rounds)
        # Taps are timed on a clock the benchmark moves, so that the per-person tap limit and
        # the second in which taps share a picture are what each part says, not luck.
        monotonic = _SteppedClock()
        api = FakeBotApi(token=BENCH_TOKEN)
        application = camshare_application(database_url, FakeRequest(api), monotonic=monotonic)
        telegram = Telegram(application, api)
        people = [telegram.user(f"Recipient {n}") for n in range(RECIPIENTS)]
        device_id = await seed_connected_nvr(
            database_url,
            device,
            [person.id for person in people],
            channels_of=lambda n: [n % CHANNELS + 1],
            permissions_of=lambda _n: Permission.LIVE_VIEW,
        )
        async with running(application):
            for person in people:
                await person.send("/received")
            one_at_a_time = []
            for _ in range(rounds):
                for number, person in enumerate(people):
                    monotonic.advance(2)
                    started = time.perf_counter()
                    await _tap(person, device_id, number)
                    one_at_a_time.append(time.perf_counter() - started)
            all_at_once: list[float] = []
            for _ in range(rounds):
                monotonic.advance(30)
                all_at_once += await asyncio.gather(
                    *(_timed_tap(person, device_id, n) for n, person in enumerate(people))
                )
    return LiveViewTiming(alone, one_at_a_time, all_at_once)


async def _tap(person: TelegramUser, device_id: int, number: int) -> None:
    answer = await person.forge_callback(f"lvc:{device_id}:{number % CHANNELS + 1}")
    if answer.text:  # a refusal: the benchmark must not time those as photos
        raise RuntimeError(f"the tap was refused: {answer.text}")


async def _timed_tap(person: TelegramUser, device_id: int, number: int) -> float:
    started = time.perf_counter()
    await _tap(person, device_id, number)
    return time.perf_counter() - started


async def _device_alone(device: DeviceSimulator, *, pictures: int) -> list[float]:
    seconds = []
    async with IsapiDriver(
        device.endpoint,
        device.credentials,
        timeout=5,
        max_concurrent=2,
        max_response_bytes=10_000_000,
    ) as driver:
        for number in range(pictures):
            started = time.perf_counter()
            await driver.snapshot(number % CHANNELS + 1)
            seconds.append(time.perf_counter() - started)
    return seconds


async def seed_connected_nvr(
    database_url: str,
    device: DeviceSimulator,
    recipient_ids: list[int],
    *,
    channels_of: Callable[[int], list[int]],
    permissions_of: Callable[[int], Permission],
    owner_id: int = 2000,
) -> int:
    """The owner's NVR, connected to the simulator, shared to each recipient (the n-th holds
    `permissions_of(n)` on `channels_of(n)`) as a share they accepted. Returns its id."""
    database = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with database.write() as session:
            owner = await make_account(session, owner_id, first_name="Owner")
            recorder = await make_device(session, owner, channels=CHANNELS, name="Shop NVR")
            recorder.serial = SERIAL
            for n, recipient_id in enumerate(recipient_ids):
                recipient = Account(
                    id=recipient_id, first_name=f"R{n}", region="GB", created_at=now
                )
                session.add(recipient)
                await session.flush()
                await make_share(
                    session,
                    recorder,
                    recipient,
                    channels=channels_of(n),
                    permissions=permissions_of(n),
                )
        await connect_to(
            database,
            recorder,
            endpoint=device.endpoint,
            credentials=device.credentials,
            sealer=PasswordSealer(BENCH_SECRET_KEY),
            now=now,
        )
        assert recorder.id is not None
        return recorder.id
    finally:
        await database.dispose()


class _SteppedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
