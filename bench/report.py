"""The tables `python -m bench` prints, with each target beside what was measured."""

import os
import platform
from collections.abc import Sequence

from bench.alarms import FLOOD_EVENTS, AlarmTiming
from bench.burst import BurstResult
from bench.live_view import LiveViewTiming
from bench.measure import UpdateSamples, percentile
from bench.memory import OpenShares
from bench.scale_queries import QueryTiming
from bench.sweep import SweepTiming
from bench.taps import COMMAND, TAP, TapsResult
from tests.process.faults import KillFigures

UPDATE_RATIO_TARGET = 0.25
UPDATE_P99_TARGET_MS = 10.0
QUERY_TARGET_MS = 5.0
SWEEP_TARGET_S = 2.0
BURST_RATE_TARGET = 0.95
TAP_DELAY_TARGET_S = 1.0
"""A tap's p99 while bulk goes out, over the same tap's on an idle bot."""


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def machine() -> str:
    """What the figures came from: they mean little without it."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()},"
        f" load average {load} at the start"
    )


def updates_table(backend: str, workloads: Sequence[UpdateSamples], baseline: UpdateSamples) -> str:
    lines = [
        f"Updates through the Application on {backend}"
        f" (targets: ≥ {UPDATE_RATIO_TARGET} of echo, p99 < {UPDATE_P99_TARGET_MS:.0f} ms)",
        f"  {'workload':<14} {'updates':>7} {'upd/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'max ms':>7} {'SQL/upd':>8} {'max SQL':>7} {'tx/upd':>6} {'÷ echo':>7}",
    ]
    for samples in [*workloads, baseline]:
        ratio = samples.per_second / baseline.per_second if baseline.per_second else 0.0
        verdict = ""
        if samples is not baseline:
            ok = ratio >= UPDATE_RATIO_TARGET and samples.p99_ms < UPDATE_P99_TARGET_MS
            verdict = f"  {_verdict(ok)}"
        lines.append(
            f"  {samples.name:<14} {samples.count:>7} {samples.per_second:>7.0f}"
            f" {samples.p50_ms:>7.2f} {samples.p99_ms:>7.2f} {samples.max_ms:>7.1f}"
            f" {samples.mean_statements:>8.1f} {samples.max_statements:>7}"
            f" {samples.mean_transactions:>6.1f} {ratio:>7.2f}{verdict}"
        )
    return "\n".join(lines)


def steps_table(workload: UpdateSamples, baseline: UpdateSamples) -> str:
    """Where a workload's time goes, step by step, each step against echo's mean update: a
    step that touches no database shows what python-telegram-bot and the Bot API calls cost
    by themselves, the floor under every other."""
    lines = [
        f"  {workload.name + ', by step':<24} {'mean ms':>7} {'p99 ms':>7} {'SQL/upd':>8}"
        f" {'÷ echo':>7}"
    ]
    for step in workload.by_step():
        ratio = baseline.mean_ms / step.mean_ms if step.mean_ms else 0.0
        lines.append(
            f"    {step.name:<22} {step.mean_ms:>7.2f} {step.p99_ms:>7.2f}"
            f" {step.mean_statements:>8.1f} {ratio:>7.2f}"
        )
    return "\n".join(lines)


def queries_table(backend: str, rows: dict[str, int], timings: Sequence[QueryTiming]) -> str:
    counts = ", ".join(f"{count:,} {table}s" for table, count in rows.items())
    title = (
        f"List queries on {backend}, seeded with {counts} (target: ≤ {QUERY_TARGET_MS:.0f} ms each)"
    )
    return _timings_table(title, "screen", timings, target_ms=QUERY_TARGET_MS)


def finishes_table(backend: str, timings: Sequence[QueryTiming]) -> str:
    title = f"Finish on the same {backend} database, its write transaction (rolled back)"
    return _timings_table(title, "write", timings, target_ms=None)


def _timings_table(
    title: str, what: str, timings: Sequence[QueryTiming], *, target_ms: float | None
) -> str:
    lines = [title, f"  {what:<40} {'p50 ms':>7} {'max ms':>7} {'SQL':>4}  found"]
    for timing in timings:
        verdict = "" if target_ms is None else f"  {_verdict(timing.p50_ms <= target_ms)}"
        lines.append(
            f"  {timing.name:<40} {timing.p50_ms:>7.2f} {timing.max_ms:>7.2f}"
            f" {timing.statements:>4}  {timing.found}{verdict}"
        )
    return "\n".join(lines)


def sweep_line(backend: str, sweep: SweepTiming) -> str:
    return (
        f"Expiry sweep on {backend}: {sweep.expired:,} invitations in {sweep.seconds:.2f} s,"
        f" {len(sweep.batch_seconds)} batches, longest {sweep.longest_batch_ms:.0f} ms;"
        f" a concurrent small write took p99 {sweep.probe_p99_ms:.0f} ms,"
        f" at most {sweep.probe_max_ms:.0f} ms ({len(sweep.probe_seconds)} writes)"
        f"  {_verdict(sweep.seconds <= SWEEP_TARGET_S)} (target ≤ {SWEEP_TARGET_S:.0f} s)"
    )


def burst_line(burst: BurstResult) -> str:
    ok = burst.refused == 0 and burst.share_of_limit >= BURST_RATE_TARGET
    return (
        f"Notification burst: {burst.invitations} expired invitations announced in"
        f" {burst.messages} messages in {burst.seconds:.1f} s ({burst.rate:.1f}/s):"
        f" from the first to the last, {burst.share_of_limit:.0%} of 30 a second,"
        f" {burst.refused} answered 429"
        f"  {_verdict(ok)} (targets: 0 × 429, ≥ {BURST_RATE_TARGET:.0%} of the limit)"
    )


def kills_line(figures: KillFigures) -> str:
    sides = ", ".join(
        f"{side} {lost} lost, {repeated} repeated (at most {most} for one invitation)"
        for side, (lost, repeated, most) in figures.by_side.items()
    )
    lost = sum(lost for lost, _, _ in figures.by_side.values())
    worst = max(repeated for _, repeated, _ in figures.by_side.values())
    ok = lost == 0 and worst <= figures.kills
    return (
        f"SIGKILL: {figures.rounds} rounds of {figures.invitations} expiries, {figures.kills}"
        f" kills (seed {figures.seed}): {sides}"
        f"  {_verdict(ok)} (targets: 0 lost, at most one repeat per kill)"
    )


def live_view_lines(timing: LiveViewTiming) -> str:
    overhead = percentile(timing.one_at_a_time, 0.5) - percentile(timing.device_alone, 0.5)
    return "\n".join(
        [
            "",
            "Live View, 50 recipients of one 16-channel NVR (the tests' device simulator):",
            LiveViewTiming.line("the device alone", timing.device_alone),
            LiveViewTiming.line("a tap to its photo, one at a time", timing.one_at_a_time),
            LiveViewTiming.line("a tap to its photo, all 50 at once", timing.all_at_once),
            f"  the bot's own part of a tap (p50, one at a time): {overhead * 1000:.1f} ms",
        ]
    )


def alarm_lines(timing: AlarmTiming) -> str:
    seconds = timing.to_each_holder
    return "\n".join(
        [
            "",
            "Alarms at Telegram's pace (one 16-channel NVR on the tests' device simulator):",
            f"  one event, {len(seconds)} holders: their notices p50"
            f" {percentile(seconds, 0.5) * 1000:.0f} ms, p99 {percentile(seconds, 0.99) * 1000:.0f}"
            f" ms, the last {max(seconds, default=0) * 1000:.0f} ms after the event",
            f"  {FLOOD_EVENTS} events in a minute: {timing.flood_notices} notices and"
            f" {timing.flood_edits} edits sent, {timing.flood_refused} answered 429,"
            f" in {timing.flood_seconds:.1f} s",
        ]
    )


def memory_line(held: OpenShares) -> str:
    return (
        f"Memory: each owner at /share's summary keeps {held.bytes_each / 1024:.1f} KB in the"
        f" bot's user data ({held.conversations} at once)"
    )


def taps_table(taps: TapsResult) -> str:
    lines = [
        f"Taps while {taps.invitations} expired invitations are announced"
        f" ({taps.sweep_seconds:.1f} s; {taps.messages} requests naming a chat taken,"
        f" {taps.refused} answered 429) (target: p99 ≤ idle p99 + {TAP_DELAY_TARGET_S:.0f} s,"
        " 0 × 429)",
        f"  {'action':<24} {'idle n':>6} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'busy n':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}",
    ]
    for kind in (TAP, COMMAND):
        idle_p99 = taps.idle.p(kind, 0.99)
        busy_p99 = taps.busy.p(kind, 0.99)
        ok = taps.refused == 0 and busy_p99 <= idle_p99 + TAP_DELAY_TARGET_S
        lines.append(
            f"  {kind:<24} {taps.idle.count(kind):>6} {taps.idle.p(kind, 0.5) * 1000:>7.1f}"
            f" {idle_p99 * 1000:>7.1f} {taps.busy.count(kind):>7}"
            f" {taps.busy.p(kind, 0.5) * 1000:>7.1f} {busy_p99 * 1000:>7.1f}"
            f" {taps.busy.p(kind, 1.0) * 1000:>7.1f}  {_verdict(ok)}"
        )
    return "\n".join(lines)
