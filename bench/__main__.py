"""`python -m bench`: the benchmark of issue 7, on SQLite and, with --postgres, PostgreSQL.

    python -m bench                                   # SQLite, full sizes, four to five minutes
    python -m bench --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python -m bench --users 50 --scale 0.1 --burst 60 # a quick look
    python -m bench --only burst --burst 1000         # the full burst, about 37 s
    python -m bench --only taps                       # taps while 1,000 expiries go out, 70 s

Parts (--only picks some):
- updates: (a) the share conversation, (b) browsing, (c) echo, through the real Application
  and the offline fake Bot API, `--users` journeys interleaved (bench.workloads);
- scale: a database seeded with installer sizes (bench.seed, `--scale`), the list queries
  behind the screens timed on it (bench.scale_queries), Finish on its biggest NVR
  (bench.scale_writes), then one expiry sweep of its invitations (bench.sweep);
- burst: an expiry sweep announcing `--burst` invitations at Telegram's pace (bench.burst);
- taps: people tapping and sending commands, on an idle bot, then while a sweep announces
  `--taps` invitations: the reply lane's latency (bench.taps);
- live: tap-to-photo latency of 50 Live View recipients of one NVR on the tests' device
  simulator, and the simulator's own time (bench.live_view);
- alarms: event-to-notice latency for 50 holders and a 500-event flood at Telegram's pace
  (bench.alarms);
- kills: `python -m bot` SIGKILLed at random moments while it announces `--kill-rounds`
  rounds of 50 expiries, and what each side was told, counted (bench.kills);
- memory: what the bot keeps for each owner in the middle of /share, `--users` at once
  (bench.memory); and at the end, the run's peak resident size.

Each run makes its own database (a temporary SQLite file; on PostgreSQL the database
`camshare_bench`) and removes it at the end. Timings vary with what else the machine does:
run it on a quiet machine, and more than once.
"""

import argparse
import asyncio
import logging
import warnings
from collections.abc import Sequence

from bench.alarms import time_alarms
from bench.burst import notification_burst
from bench.databases import backend_of, fresh_database
from bench.kills import SEED, expiry_kills
from bench.live_view import time_live_view
from bench.memory import open_shares, peak_resident_mb
from bench.report import (
    alarm_lines,
    burst_line,
    finishes_table,
    kills_line,
    live_view_lines,
    machine,
    memory_line,
    queries_table,
    steps_table,
    sweep_line,
    taps_table,
    updates_table,
)
from bench.scale_queries import time_screens
from bench.scale_writes import time_finishes
from bench.seed import ScalePlan, seed_database
from bench.sweep import time_sweep
from bench.taps import tap_latency
from bench.workloads import Sizes, browsing, echo, share_conversation
from bot.__main__ import freeze_start_up
from storage.database import Database

PARTS = ("updates", "scale", "burst", "taps", "live", "alarms", "kills", "memory")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark the real bot offline (issue 7)."
    )
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument(
        "--sqlite", action=argparse.BooleanOptionalAction, default=True, help="run on SQLite"
    )
    parser.add_argument("--users", type=int, default=200, help="journeys interleaved (200)")
    parser.add_argument("--warmup", type=int, default=20, help="unrecorded journeys first (20)")
    parser.add_argument("--scale", type=float, default=1.0, help="seeded sizes, 1 = full (1)")
    parser.add_argument("--repeats", type=int, default=20, help="runs of each list query (20)")
    parser.add_argument("--burst", type=int, default=300, help="invitations announced (300)")
    parser.add_argument(
        "--taps", type=int, default=1000, help="invitations announced while people tap (1000)"
    )
    parser.add_argument(
        "--kill-rounds", type=int, default=5, help="rounds of 50 expiries killed (5)"
    )
    parser.add_argument(
        "--kill-seed", type=int, default=SEED, help=f"seeds the kills' moments ({SEED})"
    )
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    return parser.parse_args(argv)


async def run(options: argparse.Namespace) -> None:
    parts = options.only or PARTS
    print(f"Machine: {machine()}")
    backends: list[str | None] = [None] if options.sqlite else []
    if options.postgres:
        backends.append(options.postgres)
    for server in backends:
        if "updates" in parts:
            await _updates(server, Sizes(users=options.users, warmup=options.warmup))
        if "scale" in parts:
            await _scale(server, ScalePlan.at(options.scale), repeats=options.repeats)
    if "burst" in parts:
        async with fresh_database(None) as url:
            print(burst_line(await notification_burst(url, invitations=options.burst)))
    if "taps" in parts:
        async with fresh_database(None) as url:
            print(taps_table(await tap_latency(url, invitations=options.taps)))
    if "live" in parts:
        async with fresh_database(None) as url:
            print(live_view_lines(await time_live_view(url)))
    if "alarms" in parts:
        async with fresh_database(None) as url:
            print(alarm_lines(await time_alarms(url)))
    if "kills" in parts:
        figures = await asyncio.to_thread(
            expiry_kills, rounds=options.kill_rounds, seed=options.kill_seed
        )
        print(kills_line(figures))
    if "memory" in parts:
        async with fresh_database(None) as url:
            held = await open_shares(url, Sizes(users=options.users, warmup=options.warmup))
        print(memory_line(held))
    print(f"This run's peak resident size: {peak_resident_mb():.0f} MB")


async def _updates(server: str | None, sizes: Sizes) -> None:
    async with fresh_database(server) as url:
        shared = await share_conversation(url, sizes)
    async with fresh_database(server) as url:
        browsed, screens = await browsing(url, sizes)
    baseline = await echo(sizes)
    backend = backend_of(url)
    print()
    print(updates_table(f"{backend}, {sizes.users} users", [shared, browsed], baseline))
    print(f"  (b) went through /{', /'.join(screens)}, each with one item opened")
    for workload in (shared, browsed):
        print(steps_table(workload, baseline))


async def _scale(server: str | None, plan: ScalePlan, *, repeats: int) -> None:
    async with fresh_database(server) as url:
        landmarks = await seed_database(url, plan)
        database = Database(url)
        freeze_start_up()  # as `python -m bot` does once started, where the sweep runs
        try:
            timings = await time_screens(database, landmarks, repeats=repeats)
            finishes = await time_finishes(database, landmarks, repeats=repeats)
            sweep = await time_sweep(database, probe_account_id=landmarks.fleet_owner_id)
        finally:
            await database.dispose()
    backend = backend_of(url)
    print()
    print(queries_table(f"{backend} at scale {plan.scale:g}", landmarks.rows, timings))
    print(finishes_table(backend, finishes))
    print(sweep_line(backend, sweep))


def main(argv: Sequence[str] | None = None) -> None:
    options = parse(argv)
    logging.basicConfig(level=logging.ERROR)
    # The job queue is never started: conversations' timeouts are ignored, and PTB says so.
    warnings.filterwarnings("ignore", message=".*conversation_timeout.*")
    asyncio.run(run(options))


if __name__ == "__main__":
    main()
