"""The application factory: the one place that wires settings, storage, services and handlers.

Tests build the application with the same factory, passing only a fake request and a clock.
"""

import logging
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.routing import BaseRoute, Mount
from telegram import BotCommandScopeAllGroupChats, MenuButtonWebApp, WebAppInfo
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.health import LastUpdate, health_routes
from bot.http_server import HttpServer
from bot.jobs import BulkJobQueue, register_jobs
from bot.mailer import build_email_sender
from bot.persistence import DatabasePersistence, PersistentApplication
from bot.portal_notices import ChatNotices
from bot.secret_key import load_secret_key
from bot.settings import Settings
from bot.telegram_pace import TelegramPace
from bot.updates import PerPersonOrder
from device_api import Credentials, DeviceDriver, Endpoint, IsapiDriver
from handlers import accounts, common, devices, groups, manage, qr, share
from handlers.common import help
from handlers.common.context import CamShareContext, DeviceServices, Services
from handlers.common.errors import handle_error
from handlers.common.portal_button import PORTAL_URL_KEY
from handlers.common.readers import reader_handler
from handlers.common.wizards import WizardGuard, wizards_in
from handlers.devices.alarms import handle_alert
from portal.app import build_portal
from portal.services import PortalServices
from sharing.clock import Clock, system_clock
from sharing.devices.connections import DeviceTarget
from sharing.devices.pool import DevicePool
from sharing.devices.secrets import PasswordSealer
from sharing.devices.watching import DeviceEvent, EventWatchers, Heartbeat
from storage.database import Database

# Our conversations mix typed steps with button steps and are tracked per user and chat, not
# per message, on purpose; PTB warns about that combination at construction time.
warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)

CamShareApplication = Application[Any, CamShareContext, Any, Any, Any, Any]

log = logging.getLogger(__name__)

DEVICE_RESPONSE_LIMIT = 20 * 1024 * 1024
"""The most the bot reads of one device answer: a 4K JPEG is a few MB; XML far less."""


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock = system_clock,
    monotonic: Callable[[], float] = time.monotonic,
    paced: bool = True,
) -> CamShareApplication:
    """The bot. `paced=False` keeps the retries after a 429 but drops the pacing: for the
    offline fake Bot API, which answers at once and never throttles, so that tests and the
    benchmark never wait on the wall clock (the pacing has tests and a benchmark of its own).
    `monotonic` times the limits on people's taps and on devices' lock-outs."""
    limiter = (
        TelegramPace(max_retries=3)
        if paced
        else AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
    )
    # The persistence asks for the database when it reads or writes, from the services made
    # below (tests swap them), hence the lambda over `application`, assigned further down.
    builder = (
        ApplicationBuilder()
        .application_class(PersistentApplication)
        .persistence(DatabasePersistence(lambda: services_of(application).database))
        .token(settings.bot_token.get_secret_value())
        .context_types(ContextTypes(context=CamShareContext))
        .rate_limiter(limiter)
        .concurrent_updates(PerPersonOrder())
        .job_queue(BulkJobQueue())
        .post_init(_on_startup)
        .post_stop(_on_stop)
        .post_shutdown(_on_shutdown)
    )
    if settings.api_base_url and settings.api_base_file_url:
        builder = builder.base_url(settings.api_base_url).base_file_url(settings.api_base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: CamShareApplication = builder.build()
    database = Database(settings.database_url)
    application.bot_data["services"] = Services(
        database=database,
        clock=clock,
        invite_ttl=timedelta(seconds=settings.invite_ttl_seconds),
        devices=build_device_services(settings, monotonic=monotonic),
        default_region=settings.default_region,
        email_sender=build_email_sender(settings.smtp_url, settings.smtp_from),
        owed_lease=timedelta(seconds=settings.owed_lease_seconds),
        group_news_lease=timedelta(seconds=settings.group_news_lease_seconds),
    )
    if settings.public_url is not None:
        application.bot_data[PORTAL_URL_KEY] = str(settings.public_url)
    _watch_events(application)
    _register_handlers(application)
    register_jobs(application, settings)
    _add_http_servers(application, settings)
    return application


def _add_http_servers(application: CamShareApplication, settings: Settings) -> None:
    """/healthz on HEALTH_PORT, the portal on PORTAL_PORT: one server when they are the same
    port (on HEALTH_LISTEN), two otherwise."""
    services = services_of(application)
    health: list[BaseRoute] = []
    if settings.health_port is not None:
        last_update = LastUpdate()
        # Its own group, before the reader's and the guards': it notes the time and lets the
        # update go on (in the guard's group, a wizard's input would never reach it).
        application.add_handler(last_update.handler(), group=-4)
        health = list(health_routes(services.database, last_update))
    portal: list[BaseRoute] = []
    if settings.portal_port:
        portal = [Mount("/", app=build_portal(_portal_services(application, settings)))]
    if health and portal and settings.portal_port == settings.health_port:
        application.bot_data["http_server"] = HttpServer(
            [*health, *portal], host=settings.health_listen, port=settings.portal_port
        )
        return
    if health:
        assert settings.health_port is not None
        application.bot_data["http_server"] = HttpServer(
            health, host=settings.health_listen, port=settings.health_port
        )
    if portal:
        application.bot_data["portal_server"] = HttpServer(
            portal, host=settings.portal_host, port=settings.portal_port
        )


def _portal_services(application: CamShareApplication, settings: Settings) -> PortalServices:
    services = services_of(application)
    return PortalServices(
        database=services.database,
        clock=services.clock,
        invite_ttl=services.invite_ttl,
        bot_token=settings.bot_token.get_secret_value(),
        auth_max_age=timedelta(seconds=settings.portal_auth_max_age_seconds),
        notices=ChatNotices(application),
        bot_username=lambda: application.bot.username,
    )


def build_device_services(settings: Settings, *, monotonic: Callable[[], float]) -> DeviceServices:
    def open_driver(endpoint: Endpoint, credentials: Credentials) -> DeviceDriver:
        return IsapiDriver(
            endpoint,
            credentials,
            timeout=settings.device_timeout_seconds,
            max_concurrent=settings.device_max_requests,
            max_response_bytes=DEVICE_RESPONSE_LIMIT,
            clock=monotonic,
            alert_read_timeout=settings.device_alert_timeout_seconds,
        )

    return DeviceServices(
        pool=DevicePool(open_driver, clock=monotonic),
        open_driver=open_driver,
        sealer=PasswordSealer(load_secret_key(settings)),
        allowed_networks=tuple(settings.device_networks),
        check_every=timedelta(seconds=settings.device_check_seconds),
        offline_grace=timedelta(seconds=settings.device_offline_grace_seconds),
        check_concurrency=settings.device_check_concurrency,
        alarm_cooldown=timedelta(seconds=settings.alarm_cooldown_seconds),
        clip_seconds=settings.clip_seconds,
    )


def _watch_events(application: CamShareApplication) -> None:
    """Devices' events reach the alarms with the bot's context (outside any update: bulk)."""
    devices = services_of(application).devices

    async def on_alert(target: DeviceTarget, alert: DeviceEvent | Heartbeat) -> None:
        await handle_alert(CamShareContext(application), target, alert)

    devices.watchers = EventWatchers(devices.pool.alert_stream, on_alert)


def _register_handlers(application: CamShareApplication) -> None:
    """Order matters within the group: the first handler that matches an update takes it.

    The features' wizards come first within each feature, and the features are in this order so
    that, while a wizard waits for text, a contact or a photo, it is theirs: /adddevice, then
    /share (whose recipient step takes contacts and photos before onboarding's phone proof and
    the QR photo reader), then accounts, manage, qr and groups. `common` comes last: /help, then
    the fallbacks that answer whatever nothing else expected. Group chats' commands are filtered
    to groups, and private ones to private chats, so the two never take each other's updates; the
    guard that notes who speaks in a group has a handler group of its own, before all others,
    and answers nothing, so the update still reaches its handler.

    Before everything, the wizard guard (handlers.common.wizards) keeps one wizard at a time
    in a private chat: while one waits, what its step takes goes to it whatever the order
    below, and a command or another wizard's start ends it first.
    """
    handlers = [
        *devices.build_handlers(),
        *share.build_handlers(),
        *accounts.build_handlers(),
        *manage.build_handlers(),
        *qr.build_handlers(),
        *groups.build_handlers(),
        *common.build_handlers(),
    ]
    application.add_handler(reader_handler(), group=-3)
    application.add_handler(WizardGuard(wizards_in(handlers)), group=-2)
    application.add_handlers(groups.build_guards(), group=-1)
    application.add_handlers(handlers)
    application.add_error_handler(handle_error)


async def _on_startup(application: CamShareApplication) -> None:
    """Commands first, once per language: Telegram shows each person the menu of their app's
    language, and the default (English) to the others."""
    for menu in help.command_menus():
        await application.bot.set_my_commands(menu.private, language_code=menu.language_code)
        await application.bot.set_my_commands(
            menu.groups, scope=BotCommandScopeAllGroupChats(), language_code=menu.language_code
        )
    if portal_url := application.bot_data.get(PORTAL_URL_KEY):
        # Every private chat's menu button opens the portal (a Mini App signed in by Telegram).
        # One label for all chats, so the product's name: it reads the same in every language.
        await application.bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp("CamShare", WebAppInfo(portal_url))
        )
    for server in http_servers_of(application):
        await server.start()


async def _on_stop(application: CamShareApplication) -> None:
    """Devices' event streams end while the bot can still send what they said."""
    watchers = services_of(application).devices.watchers
    if watchers is not None:
        await watchers.close()


async def _on_shutdown(application: CamShareApplication) -> None:
    """After the updates in flight and the jobs have finished (python-telegram-bot's stop)."""
    for server in http_servers_of(application):
        await server.stop()
    services = services_of(application)
    if services.devices.watchers is not None:  # stopped already, unless the bot never ran
        await services.devices.watchers.close()
    await services.devices.pool.close()
    await services.database.dispose()
    log.info("stopped: the database is closed")


def services_of(application: CamShareApplication) -> Services:
    services: Services = application.bot_data["services"]
    return services


def http_server_of(application: CamShareApplication) -> HttpServer | None:
    """The HTTP server of /healthz, when HEALTH_PORT is set (with the portal's routes too when
    PORTAL_PORT is the same port)."""
    server: HttpServer | None = application.bot_data.get("http_server")
    return server


def portal_server_of(application: CamShareApplication) -> HttpServer | None:
    """The portal's own HTTP server, when PORTAL_PORT is set and is not HEALTH_PORT."""
    server: HttpServer | None = application.bot_data.get("portal_server")
    return server


def http_servers_of(application: CamShareApplication) -> list[HttpServer]:
    return [
        server
        for server in (http_server_of(application), portal_server_of(application))
        if server is not None
    ]
