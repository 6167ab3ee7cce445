"""One expiry sweep of every due invitation in a seeded database, batch after batch, with another
writer knocking meanwhile.

The sweep is the handler's own claim (`handlers.manage.expiry.claim_invitations`: the batch expired
and its group lines queued), called as `handlers.manage.expiry.sweep_expired` calls it: one short
write transaction per batch, committed before the next. What the handler then sends for each batch
goes at Telegram's pace and is measured by bench.burst; here only the database's part is timed. The
probe is what the rest of the bot feels meanwhile: a small write every few milliseconds (as a tap
that saves something would do), timed from asking for the write lock to its commit. On SQLite one
writer holds the lock at a time, so the probe's worst wait is about the longest batch.
"""

import asyncio
from dataclasses import dataclass, field
from time import perf_counter

from sqlalchemy import update

from bench.measure import percentile
from bench.seed import SWEEP_AT
from handlers.manage.expiry import claim_invitations
from sharing.shares.expiry import DEFAULT_BATCH, SweepNames
from storage.database import Database
from storage.models import Account

PROBE_INTERVAL = 0.005


@dataclass
class SweepTiming:
    expired: int = 0
    seconds: float = 0.0
    batch_seconds: list[float] = field(default_factory=list)
    probe_seconds: list[float] = field(default_factory=list)

    @property
    def longest_batch_ms(self) -> float:
        return max(self.batch_seconds, default=0.0) * 1000

    @property
    def probe_p99_ms(self) -> float:
        return percentile(self.probe_seconds, 0.99) * 1000

    @property
    def probe_max_ms(self) -> float:
        return max(self.probe_seconds, default=0.0) * 1000


async def time_sweep(
    database: Database, *, probe_account_id: int, probe_interval: float = PROBE_INTERVAL
) -> SweepTiming:
    """Expire every invitation due at SWEEP_AT, as the sweep job does, probing meanwhile."""
    timing = SweepTiming()
    done = asyncio.Event()
    probe = asyncio.create_task(_probe(database, probe_account_id, timing, done, probe_interval))
    names = SweepNames()
    started = perf_counter()
    try:
        while True:
            batch_started = perf_counter()
            async with database.write() as session:
                claimed = await claim_invitations(
                    session, now=SWEEP_AT, limit=DEFAULT_BATCH, names=names
                )
            timing.batch_seconds.append(perf_counter() - batch_started)
            timing.expired += len(claimed.expired)
            if len(claimed.expired) < DEFAULT_BATCH:
                break
            await asyncio.sleep(0)  # as the handler yields to send the batch's messages
        timing.seconds = perf_counter() - started
    finally:
        done.set()
        await probe
    return timing


async def _probe(
    database: Database, account_id: int, timing: SweepTiming, done: asyncio.Event, interval: float
) -> None:
    statement = (
        update(Account).where(Account.id == account_id).values(language_code="en")  # type: ignore[arg-type]
    )
    while not done.is_set():
        started = perf_counter()
        async with database.write() as session:
            await session.exec(statement)
        timing.probe_seconds.append(perf_counter() - started)
        await asyncio.sleep(interval)
