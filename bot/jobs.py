"""The scheduler's jobs, on python-telegram-bot's JobQueue; registered by the application factory.

The jobs are thin: the work, and its tests, live in the handlers they call. Every job sends in
the pacer's bulk lane (`BulkJobQueue`).
"""

from datetime import UTC, datetime
from typing import Any

from telegram.ext import Application, Job, JobQueue

from bot.settings import Settings
from bot.telegram_pace import Lane, in_lane
from handlers.common.context import CamShareContext
from handlers.groups.news import flush_group_news
from handlers.manage.expiry import sweep_expired

EXPIRY_SWEEP_JOB = "expiry_sweep"
GROUP_NEWS_JOB = "group_news"
GROUP_NEWS_SECONDS = 3
"""How often installer groups' queued news is sent: events within this window reach a group as
one digest. Telegram's pace for a group (20 a minute) is kept by sharing.groups.group_outbox."""


class BulkJobQueue(JobQueue[CamShareContext]):
    """The job queue, with every job in the pacer's bulk lane (bot/telegram_pace.py): what a job
    sends answers nobody's action at that moment, and gives way to replies.

    Said here rather than left to the lane's default: APScheduler runs a job in the context its
    timer was last set in, and a conversation sets a timer (its timeout) while handling an
    update, whose lane is interactive. A job added later is bulk without saying so."""

    @staticmethod
    async def job_callback(job_queue: JobQueue[Any], job: Job[Any]) -> None:
        with in_lane(Lane.BULK):
            await JobQueue.job_callback(job_queue, job)


async def expiry_sweep_job(context: CamShareContext) -> None:
    await sweep_expired(context)


async def group_news_job(context: CamShareContext) -> None:
    await flush_group_news(context)


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

    The group news job is scheduled the same way, every GROUP_NEWS_SECONDS: news queued while
    the bot was down goes out at start-up.
    """
    job_queue: JobQueue[CamShareContext] | None = application.job_queue
    if job_queue is None:
        raise RuntimeError("the expiry sweep needs python-telegram-bot[job-queue]")
    start = datetime.now(UTC)
    schedule = {
        "next_run_time": start,
        "misfire_grace_time": None,
        "coalesce": True,
        "max_instances": 1,
    }
    job_queue.run_repeating(
        expiry_sweep_job,
        interval=settings.expiry_sweep_seconds,
        first=start,
        name=EXPIRY_SWEEP_JOB,
        job_kwargs=schedule,
    )
    job_queue.run_repeating(
        group_news_job,
        interval=GROUP_NEWS_SECONDS,
        first=start,
        name=GROUP_NEWS_JOB,
        job_kwargs=schedule,
    )
