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
from handlers.common.owed import forget_sent_messages, send_owed_messages
from handlers.devices.alarms import refresh_alarm_notices, watch_devices
from handlers.devices.status_checks import check_devices
from handlers.groups.news import flush_group_news
from handlers.manage.expiry import sweep_expired

EXPIRY_SWEEP_JOB = "expiry_sweep"
GROUP_NEWS_JOB = "group_news"
DEVICE_STATUS_JOB = "device_status"
DEVICE_STATUS_RUNS_PER_CHECK = 4
"""The status job runs this many times per DEVICE_CHECK_SECONDS, asking the devices that are
due: each device is asked about every DEVICE_CHECK_SECONDS, whenever it was connected."""
DEVICE_EVENTS_JOB = "device_events"
DEVICE_EVENTS_SECONDS = 30
"""How soon a device connected or changed has its event stream opened (or closed)."""
ALARM_EDITS_JOB = "alarm_edits"
ALARM_EDITS_SECONDS = 5
"""How often alarm notices whose burst went on are edited: a flood costs each one an edit per
run at most."""
OWED_MESSAGES_JOB = "owed_messages"
OWED_MESSAGES_SECONDS = 3
"""How often messages owed to people and not sent yet (a crash, Telegram down, a lease run
out) are sent: the handler that owed them sends them at once, this is what is left."""
OWED_CLEANUP_JOB = "owed_cleanup"
OWED_CLEANUP_SECONDS = 3600
"""How often owed messages sent more than a day ago are deleted."""
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


async def owed_messages_job(context: CamShareContext) -> None:
    await send_owed_messages(context)


async def owed_cleanup_job(context: CamShareContext) -> None:
    await forget_sent_messages(context)


async def device_status_job(context: CamShareContext) -> None:
    await check_devices(context)


async def alarm_edits_job(context: CamShareContext) -> None:
    await refresh_alarm_notices(context)


async def device_events_job(context: CamShareContext) -> None:
    await watch_devices(context)


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
    the bot was down goes out at start-up; and so are the owed messages' job, the device status
    job and the others.
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
        device_status_job,
        interval=max(1, settings.device_check_seconds // DEVICE_STATUS_RUNS_PER_CHECK),
        first=start,
        name=DEVICE_STATUS_JOB,
        job_kwargs=schedule,
    )
    job_queue.run_repeating(
        device_events_job,
        interval=DEVICE_EVENTS_SECONDS,
        first=start,
        name=DEVICE_EVENTS_JOB,
        job_kwargs=schedule,
    )
    job_queue.run_repeating(
        alarm_edits_job,
        interval=ALARM_EDITS_SECONDS,
        first=start,
        name=ALARM_EDITS_JOB,
        job_kwargs=schedule,
    )
    job_queue.run_repeating(
        owed_messages_job,
        interval=OWED_MESSAGES_SECONDS,
        first=start,
        name=OWED_MESSAGES_JOB,
        job_kwargs=schedule,
    )
    job_queue.run_repeating(
        owed_cleanup_job,
        interval=OWED_CLEANUP_SECONDS,
        first=start,
        name=OWED_CLEANUP_JOB,
        job_kwargs=schedule,
    )
    job_queue.run_repeating(
        group_news_job,
        interval=GROUP_NEWS_SECONDS,
        first=start,
        name=GROUP_NEWS_JOB,
        job_kwargs=schedule,
    )
