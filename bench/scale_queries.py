"""The list queries behind the screens, timed on a seeded database (bench.seed), and one expiry
sweep of every due invitation in it.

Each query runs as its handler runs it: the same sharing functions, page sizes and one read
session per screen, so a timing here is the database part of a tap on that screen.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from time import perf_counter

from sqlmodel.ext.asyncio.session import AsyncSession

from bench.apps import BENCH_NOW
from bench.measure import SqlCounter, percentile
from bench.seed import Landmarks
from handlers.devices.my_devices import PAGE_SIZE as DEVICES_PAGE
from handlers.manage.received_screens import ITEMS_PER_PAGE as RECEIVED_PAGE
from handlers.manage.shared_screens import DEVICES_PER_PAGE as SHARED_PAGE
from handlers.manage.shared_screens import SHARES_PER_PAGE
from sharing.devices import devices
from sharing.shares import share_queries
from storage.database import Database

Screen = Callable[[AsyncSession], Awaitable[str]]
"""Runs a screen's queries in a read session; says what it found, as a check of the seed."""


@dataclass
class QueryTiming:
    name: str
    found: str
    statements: int
    seconds: list[float] = field(default_factory=list)

    @property
    def p50_ms(self) -> float:
        return percentile(self.seconds, 0.5) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.seconds, default=0.0) * 1000


def screens(landmarks: Landmarks) -> dict[str, Screen]:
    """Each screen's name and its queries, for the biggest account of its kind."""
    fleet, installer = landmarks.fleet_owner_id, landmarks.nvr_owner_id
    nvr, guard = landmarks.nvr_device_id, landmarks.busiest_recipient_id

    async def my_devices(session: AsyncSession) -> str:
        page = await devices.list_devices(session, owner_id=fleet, offset=0, limit=DEVICES_PAGE)
        await share_queries.count_received(session, recipient_id=fleet, now=BENCH_NOW)
        return f"{len(page.items)} of {page.total} devices"

    async def my_devices_last_page(session: AsyncSession) -> str:
        total = await devices.count_devices(session, owner_id=fleet)
        last = (total - 1) // DEVICES_PAGE * DEVICES_PAGE
        page = await devices.list_devices(session, owner_id=fleet, offset=last, limit=DEVICES_PAGE)
        return f"{len(page.items)} of {page.total} devices from {last}"

    async def device_card(session: AsyncSession) -> str:
        device = await devices.get_owned_device(session, owner_id=installer, device_id=nvr)
        return f"{len(device.channels)} channels, {device.live_shares} shares"

    async def shared_list(session: AsyncSession) -> str:
        page = await share_queries.list_shared_devices(
            session, owner_id=installer, offset=0, limit=SHARED_PAGE
        )
        return f"{page.total} devices, {sum(item.active for item in page.items)} active shares"

    async def shared_device(session: AsyncSession) -> str:
        await devices.get_owned_device(session, owner_id=installer, device_id=nvr)
        page = await share_queries.list_owned_shares(
            session, owner_id=installer, device_id=nvr, offset=0, limit=SHARES_PER_PAGE
        )
        grants = sum(share.channel_count for share in page.items)
        return f"{len(page.items)} of {page.total} shares, {grants} grants"

    async def shared_with_invitations(session: AsyncSession) -> str:
        page = await share_queries.list_shared_devices(
            session, owner_id=landmarks.inviting_owner_id, offset=0, limit=SHARED_PAGE
        )
        return f"{page.total} devices, {sum(item.pending for item in page.items)} pending"

    async def received(session: AsyncSession) -> str:
        page = await share_queries.list_received_page(
            session, recipient_id=guard, now=BENCH_NOW, offset=0, limit=RECEIVED_PAGE
        )
        grants = sum(share.channel_count for share in page.devices)
        return f"{len(page.devices)} of {page.device_total} devices, {grants} grants"

    first_received: list[int] = []

    async def received_device(session: AsyncSession) -> str:
        """As its button does: one share, by the id the list gave (looked up on the first run)."""
        if not first_received:
            page = await share_queries.list_received_shares(
                session, recipient_id=guard, offset=0, limit=1
            )
            first_received.append(page.items[0].id)
        share = await share_queries.get_received_share(
            session, share_id=first_received[0], recipient_id=guard
        )
        return f"{len(share.grants)} grants"

    return {
        "/devices, 1st page (fleet owner)": my_devices,
        "/devices, last page (fleet owner)": my_devices_last_page,
        "device card (128-ch NVR, 64 shares)": device_card,
        "/shared (installer)": shared_list,
        "/shared › NVR (64 shares × 128 ch)": shared_device,
        "/shared (owner with invitations)": shared_with_invitations,
        "/received (100 owners × 128 ch)": received,
        "/received › device (128 ch)": received_device,
    }


async def time_screens(
    database: Database, landmarks: Landmarks, *, repeats: int
) -> list[QueryTiming]:
    """Each screen `repeats` times, in a new read session each time, as a handler would."""
    timings = []
    for name, screen in screens(landmarks).items():
        async with database.read() as session:
            await screen(session)  # unrecorded: warms the statement cache, finds what it needs
        counter = SqlCounter()
        with counter.watching(database.engine):
            async with database.read() as session:
                found = await screen(session)
        timing = QueryTiming(name, found, counter.statements)
        for _ in range(repeats):
            started = perf_counter()
            async with database.read() as session:
                await screen(session)
            timing.seconds.append(perf_counter() - started)
        timings.append(timing)
    return timings
