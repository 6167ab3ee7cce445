"""`python -m bot` (or `camshare`): read settings, migrate the database, register commands, then
poll for updates, or receive them by webhook when WEBHOOK_URL is set.

SIGTERM and SIGINT stop it gracefully (python-telegram-bot's stop signals): no new updates are
taken, the ones in flight finish, the jobs stop, then the HTTP server and the database close.

A bad setting, an unreachable database or a refused token stops the process with one clear
line on stderr and exit status 1, not a traceback.
"""

import asyncio
import gc
import logging
import signal
import socket
import sys

from pydantic import ValidationError
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import CamShareApplication, build_application, http_server_of, portal_server_of
from bot.settings import Settings
from storage.migrate import upgrade_to_head

log = logging.getLogger("bot")


class StartupError(Exception):
    """Something the operator must fix before the bot can run; the message says what."""


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}"
            for problem in error.errors()
        )
        raise StartupError(f"invalid settings: {problems} (see .env.example)") from error


async def preflight(settings: Settings, application: CamShareApplication) -> None:
    """Migrate the database and ask Telegram who we are, before polling starts.

    Done here rather than inside `run_polling`, whose failures come wrapped in retry-loop logs
    with tracebacks; each failure here becomes one line that says what to fix.
    """
    try:
        await upgrade_to_head(settings.database_url)
    except Exception as error:  # any driver's connection or migration failure
        raise StartupError(
            f"cannot prepare the database at DATABASE_URL: {type(error).__name__}: {error}"
        ) from error
    try:
        await application.bot.initialize()
        await application.bot.shutdown()
    except InvalidToken as error:
        raise StartupError("Telegram refused BOT_TOKEN: get a valid one from @BotFather") from error
    except NetworkError as error:
        raise StartupError(f"cannot reach the Telegram Bot API: {error.message}") from error
    except TelegramError as error:
        raise StartupError(f"the Telegram Bot API refused to start: {error.message}") from error


STARTING_POLL_SECONDS = 0.05
"""How often a stop asked during start-up checks whether start-up is over."""


def run() -> None:
    settings = load_settings()
    application = build_application(settings)
    for variable, server in (
        ("HEALTH_PORT", http_server_of(application)),
        ("PORTAL_PORT", portal_server_of(application)),
    ):
        if server is None:
            continue
        try:
            server.bind()
        except OSError as error:
            raise _cannot_listen(variable, server.host, server.port, error) from error
    if settings.webhook_url is not None:
        _check_free(settings.webhook_listen, settings.webhook_port, "WEBHOOK_PORT")
    asyncio.run(preflight(settings, application))
    freeze_start_up()
    stop_on_signals(application)
    if settings.webhook_url is None:
        application.run_polling(allowed_updates=Update.ALL_TYPES, stop_signals=None)
        return
    assert settings.webhook_secret is not None  # the settings require it with WEBHOOK_URL
    log.info("webhook: listening on %s:%d", settings.webhook_listen, settings.webhook_port)
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=settings.webhook_path,
        webhook_url=str(settings.webhook_url),
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=Update.ALL_TYPES,
        stop_signals=None,
    )


def stop_on_signals(application: CamShareApplication) -> None:
    """SIGTERM and SIGINT ask the application to stop: at once while it runs, else as soon as
    its start-up is over, then it stops as always (updates in flight finish, jobs stop, the
    database closes).

    python-telegram-bot's own stop signals raise SystemExit wherever its loop is; in the first
    moments, that is inside start-up's deleteWebhook request, whose clean-up then fails and
    skips the whole shutdown: the database stayed open and the process never exited. The loop
    made here is the one python-telegram-bot runs on (it takes the current one)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    waiting: set[asyncio.Task[None]] = set()

    def stop() -> None:
        if application.running:
            application.stop_running()
        else:
            task = loop.create_task(_stop_once_running(application))
            waiting.add(task)
            task.add_done_callback(waiting.discard)

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, stop)


async def _stop_once_running(application: CamShareApplication) -> None:
    # python-telegram-bot has no event for "started": its `running` flag is all there is.
    while not application.running:  # noqa: ASYNC110
        await asyncio.sleep(STARTING_POLL_SECONDS)
    application.stop_running()


def _check_free(host: str, port: int, variable: str) -> None:
    """python-telegram-bot's webhook server binds its port in the middle of start-up, where a
    busy port becomes a traceback; asking first turns it into one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise _cannot_listen(variable, host, port, error) from error


def _cannot_listen(variable: str, host: str, port: int, error: OSError) -> StartupError:
    return StartupError(
        f"cannot listen on {variable} {port} ({host}): {error.strerror}; choose a free port"
    )


def freeze_start_up() -> None:
    """What start-up made (modules, handlers, built statements) lives as long as the process:
    out of the garbage collector's sight, a full collection walks only what updates make. Full
    collections were the slowest updates of `python -m bench`, at 70 to 100 ms. Start-up's own
    garbage (the migration run, preflight's event loop) is collected first, not frozen for good."""
    gc.collect()
    gc.freeze()


def main() -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        run()
    except StartupError as error:
        print(f"camshare: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
