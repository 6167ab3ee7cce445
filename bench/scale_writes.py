"""Finish at the sizes installers reach: the write transaction of sharing the seeded 128-channel
NVR, which 64 recipients have (bench.seed), as `shares.share_device` runs it for the Finish
button. Each run is rolled back, so that the next finds the same rows:

- an edit of one of its 64 shares, every channel: the share's 128 grants read and replaced;
- a 65th recipient: every channel already has 64 shares, so R4 counts each channel's shares
  (8,192 grants in all) and refuses.
"""

from datetime import timedelta
from time import perf_counter

from bench.apps import BENCH_NOW
from bench.measure import SqlCounter
from bench.scale_queries import QueryTiming
from bench.seed import NVR_CHANNELS, Landmarks
from sharing.errors import ChannelFull
from sharing.rules import full_grants
from sharing.shares import shares
from sharing.views import ShareChange
from storage.database import Database


class _RolledBack(Exception):
    """Raised inside a write session to end it without committing."""

    def __init__(self, change: ShareChange) -> None:
        self.change = change


async def time_finishes(
    database: Database, landmarks: Landmarks, *, repeats: int
) -> list[QueryTiming]:
    """Each Finish `repeats` times, after one unrecorded run that counts its SQL."""
    timings = []
    for name, recipient_id in (
        ("Finish: edit one of the NVR's 64 shares", landmarks.busiest_recipient_id),
        ("Finish: a 65th recipient (R4 refuses)", landmarks.fleet_owner_id),
    ):
        counter = SqlCounter()
        with counter.watching(database.engine):
            found = await _finish(database, landmarks, recipient_id)
        timing = QueryTiming(name, found, counter.statements)
        for _ in range(repeats):
            started = perf_counter()
            await _finish(database, landmarks, recipient_id)
            timing.seconds.append(perf_counter() - started)
        timings.append(timing)
    return timings


async def _finish(database: Database, landmarks: Landmarks, recipient_id: int) -> str:
    """Share every channel of the NVR with `recipient_id`, then roll back; says what came of
    it, as a check of the seed."""
    try:
        async with database.write() as session:
            change = await shares.share_device(
                session,
                owner_id=landmarks.nvr_owner_id,
                device_id=landmarks.nvr_device_id,
                recipient=recipient_id,
                grants=full_grants(list(range(1, NVR_CHANNELS + 1))),
                ttl=timedelta(days=3),
                now=BENCH_NOW,
            )
            raise _RolledBack(change)
    except _RolledBack as rolled_back:
        share = rolled_back.change.share
        edited = "edited" if rolled_back.change.previous else "created"
        return f"{edited} {share.state.value}, {len(share.grants)} grants"
    except ChannelFull as refused:
        return f"refused, {len(refused.channel_numbers)} channels full"
