"""The scheduler's jobs, on python-telegram-bot's JobQueue; registered by the application factory.

The jobs are thin: the work, and its tests, live in the handlers they call.
"""

from datetime import UTC, datetime
from typing import Any

from telegram.ext import Application, JobQueue

from bot.settings import Settings
from handlers.context import CamShareContext
from handlers.expiry import sweep_expired

EXPIRY_SWEEP_JOB = "expiry_sweep"


async def expiry_sweep_job(context: CamShareContext) -> None:
    await sweep_expired(context)


def register_jobs(
    application: Application[Any, CamShareContext, Any, Any, Any, Any], settings: Settings
) -> None:
    """Sweep expiries at start-up and every EXPIRY_SWEEP_SECONDS (R11, STYLE point 7).

    The factory runs before `python -m bot` migrates the database and polls, and APScheduler
    computes a pending job's first run only when the queue starts: `first=0` alone would then
    land one interval after the factory ran, not at start. So the first run is pinned to now,
    and no run is ever dropped as "missed" (APScheduler's default grace is one second): a late
    sweep is as good as a punctual one. Runs that fell behind coalesce into one, and one process
    never runs two sweeps at once (APScheduler's defaults, stated here because we rely on them).
    """
    job_queue: JobQueue[CamShareContext] | None = application.job_queue
    if job_queue is None:
        raise RuntimeError("the expiry sweep needs python-telegram-bot[job-queue]")
    start = datetime.now(UTC)
    job_queue.run_repeating(
        expiry_sweep_job,
        interval=settings.expiry_sweep_seconds,
        first=start,
        name=EXPIRY_SWEEP_JOB,
        job_kwargs={
            "next_run_time": start,
            "misfire_grace_time": None,
            "coalesce": True,
            "max_instances": 1,
        },
    )
