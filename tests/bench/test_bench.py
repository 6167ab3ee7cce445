"""The benchmark's parts run and do what they say, at tiny sizes, so they do not rot.

No timing is asserted here: timings belong to `python -m bench`, never to a test.
"""

from pathlib import Path

from sqlmodel import func, select

from bench.alarms import time_alarms
from bench.burst import notification_burst
from bench.databases import fresh_database
from bench.live_view import time_live_view
from bench.memory import open_shares
from bench.scale_queries import screens, time_screens
from bench.scale_writes import time_finishes
from bench.seed import NVR_CHANNELS, ScalePlan, seed_database
from bench.sweep import time_sweep
from bench.taps import COMMAND, TAP, tap_latency
from bench.workloads import ECHO_STEPS, Sizes, browsing, echo, share_conversation
from sharing.shares.expiry import DEFAULT_BATCH
from storage.database import Database
from storage.models import Share
from tests.conftest import sqlite_url

TINY = Sizes(users=3, warmup=1)


async def test_the_share_conversation_runs_to_accept_and_counts_its_sql_by_step() -> None:
    async with fresh_database(None) as url:
        samples = await share_conversation(url, TINY)
    steps = samples.by_step()
    assert [step.name for step in steps] == [
        "/share",
        "the device",
        "a phone number",
        "Permissions ›",
        "Save",
        "Finish",
        "Accept",
    ]
    assert [step.count for step in steps] == [TINY.users] * 7
    statements = {step.name: step.max_statements for step in steps}
    # The two taps the README calls the floor touch no database but to keep the draft they
    # change (bot.persistence: one upsert, or none when it did not change); Finish writes most.
    assert statements["Permissions ›"] <= 1 and statements["Save"] <= 1
    assert statements["Finish"] == max(statements.values())
    assert samples.mean_transactions > 0


async def test_browsing_opens_each_list_and_one_item_of_it() -> None:
    async with fresh_database(None) as url:
        samples, commands = await browsing(url, TINY)
    assert commands == ["devices", "shared", "received"]
    assert [step.name for step in samples.by_step()] == [
        name for command in commands for name in (f"/{command}", f"/{command} › one")
    ]
    assert all(step.count == TINY.users for step in samples.by_step())


async def test_the_memory_part_holds_drafts_open_and_weighs_them() -> None:
    async with fresh_database(None) as url:
        held = await open_shares(url, TINY)
    assert held.conversations == TINY.users
    assert held.bytes_each > 500  # a device, a recipient and four channels' permissions each


async def test_the_echo_baseline_answers_every_text() -> None:
    samples = await echo(TINY)
    assert samples.count == ECHO_STEPS * TINY.users
    assert samples.max_statements == 0


async def test_a_tiny_seed_has_every_shape_finishes_roll_back_and_the_sweep_expires_it_all(
    tmp_path: Path,
) -> None:
    plan = ScalePlan.at(0.001)
    url = sqlite_url(tmp_path / "seed.db")
    landmarks = await seed_database(url, plan)
    assert landmarks.rows["device"] == plan.devices
    assert landmarks.rows["share"] == plan.nvr_owners * 64 + plan.invitations
    assert landmarks.rows["grant"] == plan.nvr_owners * 64 * NVR_CHANNELS + plan.invitations
    database = Database(url)
    try:
        timings = await time_screens(database, landmarks, repeats=1)
        assert [timing.name for timing in timings] == list(screens(landmarks))
        found = {timing.name: timing.found for timing in timings}
        assert found["device card (128-ch NVR, 64 shares)"] == "128 channels, 64 shares"
        assert found["/received › device (128 ch)"] == "128 grants"
        finishes = await time_finishes(database, landmarks, repeats=1)
        assert [timing.found for timing in finishes] == [
            "edited active, 128 grants",
            "refused, 128 channels full",
        ]
        async with database.read() as session:  # rolled back: the edit left no new version
            assert (await session.exec(select(func.max(Share.version)))).one() == 1
        sweep = await time_sweep(
            database, probe_account_id=landmarks.fleet_owner_id, probe_interval=0
        )
        assert sweep.expired == plan.invitations
        assert len(sweep.batch_seconds) == plan.invitations // DEFAULT_BATCH + 1
    finally:
        await database.dispose()


async def test_a_small_burst_runs_and_announces_each_invitation_once() -> None:
    """The part runs end to end; its pacing is measured by `python -m bench`, not here."""
    async with fresh_database(None) as url:
        burst = await notification_burst(url, invitations=12)
    assert burst.invitations == 12
    assert burst.messages == 12 + 2  # each prompt closed, each of the two owners told once
    assert burst.refused == 0


async def test_the_live_view_part_times_a_photo_for_every_tap() -> None:
    """Every tap of every recipient got its photo (a refused tap fails the part)."""
    async with fresh_database(None) as url:
        timing = await time_live_view(url, rounds=1)
    assert len(timing.device_alone) == len(timing.one_at_a_time) == len(timing.all_at_once) == 50


async def test_the_alarm_part_reaches_every_holder_and_folds_the_flood() -> None:
    async with fresh_database(None) as url:
        timing = await time_alarms(url, holders=4, flood_events=60, paced=False)
    assert len(timing.to_each_holder) == 5, "the owner and 4 holders, once each"
    assert timing.flood_notices < 60, "a flood folds"


async def test_taps_are_timed_idle_and_while_a_sweep_announces() -> None:
    """The part runs end to end (in real time, at Telegram's pace for a chat: a few seconds);
    the latencies are measured by `python -m bench`, not here."""
    async with fresh_database(None) as url:
        taps = await tap_latency(url, invitations=4, people=2, idle_actions=3)
    assert taps.invitations == 4
    assert taps.idle.count(TAP) == 2 * 2 and taps.idle.count(COMMAND) == 2
    assert taps.busy.count(TAP) + taps.busy.count(COMMAND) >= 1  # someone acted meanwhile
    assert taps.refused == 0
