"""The Applications a benchmark drives: the bot's own, from `build_application`, and a bare echo
bot as the baseline, both talking to the offline fake Bot API through `FakeRequest`.
"""

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    filters,
)
from telegram.ext import MessageHandler as PtbMessageHandler
from telegram.request import BaseRequest

from bot.__main__ import freeze_start_up
from bot.app import CamShareApplication, build_application, services_of
from bot.settings import Settings
from sharing.clock import Clock

BENCH_TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
BENCH_SECRET_KEY = "a-key-for-the-benchmark-only"
BENCH_NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
"""The bot's clock stands still during a run: invitations made in it never run out in it."""

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def fixed_clock(moment: datetime = BENCH_NOW) -> Clock:
    return lambda: moment


def camshare_application(
    database_url: str,
    request: BaseRequest,
    *,
    clock: Clock | None = None,
    paced: bool = False,
    monotonic: Callable[[], float] = time.monotonic,
) -> CamShareApplication:
    """The real bot, built as `python -m bot` builds it, on `database_url`; unpaced unless
    `paced`: at 30 messages a second every workload would measure the limiter's waits instead of
    the bot's work (the pacing has a benchmark of its own, `bench.burst`)."""
    settings = Settings(
        bot_token=SecretStr(BENCH_TOKEN),
        database_url=database_url,
        secret_key=SecretStr(BENCH_SECRET_KEY),
        portal_port=0,  # no HTTP server: nothing here asks it
        _env_file=None,  # type: ignore[call-arg]
    )
    return build_application(
        settings,
        request=request,
        clock=clock or fixed_clock(),
        paced=paced,
        monotonic=monotonic,
    )


async def _echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await message.reply_text(message.text)


def echo_application(request: BaseRequest) -> AnyApplication:
    """The least a python-telegram-bot Application can do with an update: answer its text."""
    application = (
        ApplicationBuilder()
        .token(BENCH_TOKEN)
        .request(request)
        .get_updates_request(request)
        .build()
    )
    application.add_handler(PtbMessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return application


@asynccontextmanager
async def running(application: AnyApplication) -> AsyncIterator[AnyApplication]:
    """Initialised as `python -m bot` and `run_polling` do, without polling: updates come through
    `process_update`. The job queue is not started; the benchmark calls what it needs."""
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        freeze_start_up()
        yield application
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def engine_of(application: CamShareApplication) -> AsyncEngine:
    return services_of(application).database.engine
